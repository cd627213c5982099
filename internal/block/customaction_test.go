package block_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/confab/confab/internal/flow"
)

// jsonValue decodes a JSON text, failing the test when it is not JSON.
func jsonValue(tb testing.TB, data []byte) any {
	tb.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		tb.Fatalf("not JSON: %v\n%s", err, data)
	}
	return v
}

func TestCustomActionSendsTheSeed000Payload(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "custom_action.yaml", flow.Options{})
	tests := []struct {
		name  string
		state flow.State
		want  string
	}{
		{
			name:  "what the host knows",
			state: sam(),
			want: `{
				"conversation": {
					"id": "c1", "type": "INQUIRY", "project": "p1", "organisation": "o1", "shareToken": "st1",
					"customData": {"plan": "pro", "problem": "my pizza was cold"}
				},
				"session": {
					"id": 42, "gleapId": 42, "userId": 42, "email": "sam@example.com", "name": "Sam", "value": 100,
					"customData": {"tier": "gold"}
				},
				"comments": [
					{"type": "bot", "text": "What is wrong?", "createdAt": "2026-01-05T09:00:00Z"},
					{"type": "user", "text": "my pizza was cold", "createdAt": "2026-01-05T09:00:01Z"}
				]
			}`,
		},
		{
			name: "a ticket type set by the host",
			state: flow.State{
				User:         map[string]any{"id": "u-7"},
				Conversation: map[string]any{"id": 9, "type": "BUG"},
			},
			want: `{
				"conversation": {
					"id": 9, "type": "BUG", "project": "", "organisation": "", "shareToken": "",
					"customData": {"plan": "pro", "problem": "my pizza was cold"}
				},
				"session": {
					"id": "u-7", "gleapId": "u-7", "userId": "u-7", "email": "", "name": "", "value": 0,
					"customData": {}
				},
				"comments": [
					{"type": "bot", "text": "What is wrong?", "createdAt": "2026-01-05T09:00:00Z"},
					{"type": "user", "text": "my pizza was cold", "createdAt": "2026-01-05T09:00:01Z"}
				]
			}`,
		},
		{
			name:  "nothing known",
			state: flow.State{},
			want: `{
				"conversation": {
					"id": null, "type": "INQUIRY", "project": "", "organisation": "", "shareToken": "",
					"customData": {"plan": "pro", "problem": "my pizza was cold"}
				},
				"session": {
					"id": null, "gleapId": null, "userId": null, "email": "", "name": "", "value": 0,
					"customData": {}
				},
				"comments": [
					{"type": "bot", "text": "What is wrong?", "createdAt": "2026-01-05T09:00:00Z"},
					{"type": "user", "text": "my pizza was cold", "createdAt": "2026-01-05T09:00:01Z"}
				]
			}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := conversation(t, eng, tt.state, "hi", "my pizza was cold")
			c := pendingCall(t, res)
			if c.Kind != "custom_action" || c.HTTP.Method != "POST" || c.HTTP.URL != "https://shop.example/bot-action" || c.HTTP.Timeout != 10*time.Second {
				t.Errorf("call %s %s %s (timeout %s), want custom_action POST https://shop.example/bot-action (10s)",
					c.Kind, c.HTTP.Method, c.HTTP.URL, c.HTTP.Timeout)
			}
			header := [][2]string{{"Content-Type", "application/json"}, {"Authorization", "Bearer t0ken"}}
			if diff := cmp.Diff(header, c.HTTP.Header); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(jsonValue(t, []byte(tt.want)), jsonValue(t, c.HTTP.Body)); diff != "" {
				t.Errorf("payload (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCustomActionWithoutAuthorization(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "custom_action.yaml", flow.Options{})
	c := pendingCall(t, run(t, eng, flow.State{}, message("#plain", 0)))
	want := &flow.HTTPRequest{
		Method:  "POST",
		URL:     "https://shop.example/hook",
		Header:  [][2]string{{"Content-Type", "application/json"}},
		Body:    c.HTTP.Body,
		Timeout: 3 * time.Second,
	}
	if diff := cmp.Diff(want, c.HTTP); diff != "" {
		t.Errorf("request (-want +got):\n%s", diff)
	}
	comments := jsonValue(t, c.HTTP.Body).(map[string]any)["comments"]
	want1 := []any{map[string]any{"type": "user", "text": "#plain", "createdAt": "2026-01-05T09:00:00Z"}}
	if diff := cmp.Diff(want1, comments); diff != "" {
		t.Errorf("comments (-want +got):\n%s", diff)
	}
}

func TestCustomActionAnswer(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "custom_action.yaml", flow.Options{})
	asked := conversation(t, eng, sam(), "hi", "my pizza was cold").State
	tiptap := `{"message": {"type": "doc", "content": [
		{"type": "paragraph", "content": [{"type": "text", "text": "We are sorry!"}]},
		{"type": "paragraph", "content": [{"type": "text", "text": "A voucher is on its way."}]}
	]}}`
	tests := []struct {
		name     string
		result   *flow.CallResult
		messages []string
		answer   any
		error    any
	}{
		{
			name:     "a text message",
			result:   httpResult(200, "application/json", `{"message": "A voucher of €5 is on its way."}`),
			messages: []string{"A voucher of €5 is on its way.", "Thanks."},
			answer:   "A voucher of €5 is on its way.",
		},
		{
			name:     "a TipTap document",
			result:   httpResult(200, "application/json", tiptap),
			messages: []string{"We are sorry!\nA voucher is on its way.", "Thanks."},
			answer:   "We are sorry!\nA voucher is on its way.",
		},
		{
			name:     "not 200",
			result:   httpResult(201, "application/json", `{"message": "created"}`),
			messages: []string{`Sorry: the answer must be 200 with {"message": ...}, not 201`},
			error:    `the answer must be 200 with {"message": ...}, not 201`,
		},
		{
			name:     "a server error",
			result:   httpResult(500, "text/plain", "boom"),
			messages: []string{"Sorry: the server answered 500 Internal Server Error: boom"},
			error:    "the server answered 500 Internal Server Error: boom",
		},
		{
			name:     "not JSON",
			result:   httpResult(200, "text/plain", "A voucher is on its way."),
			messages: []string{"Sorry: the answer must be application/json, not text/plain"},
			error:    "the answer must be application/json, not text/plain",
		},
		{
			name:     "JSON that is not an object",
			result:   httpResult(200, "application/json", `["A voucher"]`),
			messages: []string{"Sorry: the answer is not a JSON object: json: cannot unmarshal array into Go value of type map[string]interface {}"},
			error:    "the answer is not a JSON object: json: cannot unmarshal array into Go value of type map[string]interface {}",
		},
		{
			name:     "no message",
			result:   httpResult(200, "application/json", `{"text": "wrong field"}`),
			messages: []string{"Sorry: the answer has no message"},
			error:    "the answer has no message",
		},
		{
			name:     "an empty message",
			result:   httpResult(200, "application/json", `{"message": ""}`),
			messages: []string{"Sorry: the answer's message is empty"},
			error:    "the answer's message is empty",
		},
		{
			name:     "a message that is a number",
			result:   httpResult(200, "application/json", `{"message": 5}`),
			messages: []string{"Sorry: the answer's message must be text or a TipTap document, not float64"},
			error:    "the answer's message must be text or a TipTap document, not float64",
		},
		{
			name:     "a document without text",
			result:   httpResult(200, "application/json", `{"message": {"type": "doc", "content": []}}`),
			messages: []string{"Sorry: the answer's message is a document with no text"},
			error:    "the answer's message is a document with no text",
		},
		{
			name:     "a transport error",
			result:   &flow.CallResult{Err: "i/o timeout", ErrClass: "timeout"},
			messages: []string{"Sorry: timeout: i/o timeout"},
			error:    "timeout: i/o timeout",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := answer(t, eng, asked, tt.result)
			if diff := cmp.Diff(tt.messages, texts(res)); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
			if got := res.State.Vars["answer"]; got != tt.answer {
				t.Errorf("answer = %v, want %v", got, tt.answer)
			}
			if got := res.State.Vars["error"]; got != tt.error {
				t.Errorf("error = %v, want %v", got, tt.error)
			}
		})
	}
}

// TestRichAnswersAreRenderedForTheChannel checks that a TipTap message of
// a custom action or a function reaches the web widget as text and safe
// HTML, and every other channel as text only; a string message is text
// everywhere.
func TestRichAnswersAreRenderedForTheChannel(t *testing.T) {
	t.Parallel()
	doc := `{"type": "doc", "content": [{"type": "paragraph", "content": [
		{"type": "text", "text": "Sorry <b>!</b> "},
		{"type": "text", "text": "track", "marks": [{"type": "link", "attrs": {"href": "https://shop.example/t"}}]},
		{"type": "text", "text": " bad", "marks": [{"type": "link", "attrs": {"href": "javascript:alert(1)"}}]}
	]}]}`
	text := "Sorry <b>!</b> track (https://shop.example/t) bad (javascript:alert(1))"
	html := `<p>Sorry &lt;b&gt;!&lt;/b&gt; <a href="https://shop.example/t" rel="noopener noreferrer nofollow" target="_blank">track</a> bad</p>`
	custom := newEngine(t, "custom_action.yaml", flow.Options{})
	function := newEngine(t, "function.yaml", flow.Options{})
	tests := []struct {
		channel string
		answer  string
		want    flow.Message
	}{
		{"web", `{"message": ` + doc + `}`, flow.Message{Text: text, HTML: html}},
		{"api", `{"message": ` + doc + `}`, flow.Message{Text: text}},
		{"terminal", `{"message": ` + doc + `}`, flow.Message{Text: text}},
		{"web", `{"message": "**Sorry** <b>"}`, flow.Message{Text: "**Sorry** <b>"}},
		{"api", `{"message": "**Sorry** <b>"}`, flow.Message{Text: "**Sorry** <b>"}},
	}
	for _, tt := range tests {
		t.Run(tt.channel+"/custom_action", func(t *testing.T) {
			t.Parallel()
			st := sam()
			st.Channel = tt.channel
			asked := conversation(t, custom, st, "hi", "cold").State
			res := answer(t, custom, asked, httpResult(200, "application/json", tt.answer))
			msgs := res.Messages()
			if len(msgs) == 0 {
				t.Fatalf("no message sent\n%s", res.Trace)
			}
			if diff := cmp.Diff(tt.want, msgs[0]); diff != "" {
				t.Errorf("message (-want +got):\n%s", diff)
			}
		})
		t.Run(tt.channel+"/function", func(t *testing.T) {
			t.Parallel()
			st := sam()
			st.Channel = tt.channel
			asked := conversation(t, function, st, "hi", "#1234").State
			body := `{"type": "message", ` + tt.answer[1:]
			res := answer(t, function, asked, httpResult(200, "application/json", body))
			msgs := res.Messages()
			if len(msgs) == 0 {
				t.Fatalf("no message sent\n%s", res.Trace)
			}
			if diff := cmp.Diff(tt.want, msgs[0]); diff != "" {
				t.Errorf("message (-want +got):\n%s", diff)
			}
		})
	}
}
