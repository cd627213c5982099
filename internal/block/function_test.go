package block_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/confab/confab/internal/flow"
)

func TestFunctionSendsTheSeed002Payload(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "function.yaml", flow.Options{})
	res := conversation(t, eng, sam(), "hi", "banana", "my order is #1234")
	c := pendingCall(t, res)
	if c.Kind != "function" || c.Block != "lookup" {
		t.Errorf("call of %s block %q, want the function block lookup", c.Kind, c.Block)
	}
	want := &flow.HTTPRequest{
		Method:  "POST",
		URL:     "https://orders.example/functions",
		Header:  [][2]string{{"Content-Type", "application/json"}, {"Authorization", "Bearer t0ken"}},
		Body:    c.HTTP.Body,
		Timeout: 5 * time.Second,
	}
	if diff := cmp.Diff(want, c.HTTP); diff != "" {
		t.Errorf("request (-want +got):\n%s", diff)
	}
	payload := `{
		"functionCall": "get_order",
		"params": {"order_id": 1234, "detail": "short"},
		"projectId": "p1",
		"session": {
			"id": 42, "gleapId": 42, "userId": 42, "email": "sam@example.com", "name": "Sam", "value": 100,
			"customData": {"tier": "gold"}
		},
		"comments": [
			{"type": "user", "text": "banana", "createdAt": "2026-01-05T09:00:01Z"},
			{"type": "bot", "text": "Sorry, that is not a valid order no.", "createdAt": "2026-01-05T09:00:01Z"},
			{"type": "bot", "text": "Which order?", "createdAt": "2026-01-05T09:00:01Z"},
			{"type": "user", "text": "my order is #1234", "createdAt": "2026-01-05T09:00:02Z"}
		],
		"ticket": {
			"_id": "c1", "bugId": null, "shareToken": "st1", "createdAt": null, "title": "",
			"status": "OPEN", "priority": null, "type": "INQUIRY",
			"formData": {"order_no": "#1234", "detail": "short", "on": null, "level": null, "label": null},
			"sentiment": null, "isSpam": false, "attachments": [],
			"metaData": {"bot": "functions", "channel": "web", "channelId": ""}
		}
	}`
	if diff := cmp.Diff(jsonValue(t, []byte(payload)), jsonValue(t, c.HTTP.Body)); diff != "" {
		t.Errorf("payload (-want +got):\n%s", diff)
	}
}

func TestFunctionParameters(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "function.yaml", flow.Options{})
	tests := []struct {
		keyword string
		vars    map[string]any
		params  map[string]any // the params sent, as JSON decodes them
		err     string         // or the error that sends the flow to on_error
	}{
		{"#lookup", map[string]any{"order_no": "#1234", "detail": "short"}, map[string]any{"order_id": 1234.0, "detail": "short"}, ""},
		{"#lookup", map[string]any{"order_no": " 1234 ", "detail": "full"}, map[string]any{"order_id": 1234.0, "detail": "full"}, ""},
		{"#lookup", map[string]any{"order_no": "#12.5"}, map[string]any{"order_id": 12.5, "detail": "short"}, ""},
		{"#lookup", map[string]any{"order_no": 77, "detail": nil}, map[string]any{"order_id": 77.0}, ""},
		{"#lookup", map[string]any{"order_no": 7.5}, map[string]any{"order_id": 7.5, "detail": "short"}, ""},
		{"#lookup", map[string]any{"order_no": "abc"}, nil, `parameter order_id must be a number, not "abc"`},
		{"#lookup", map[string]any{"order_no": true}, nil, "parameter order_id must be a number, not bool"},
		{"#lookup", map[string]any{"order_no": nil}, nil, "the required parameter order_id of get_order has no value"},
		{"#lookup", map[string]any{"detail": "everything"}, nil, "parameter detail must be one of [short full], not everything"},
		{"#lookup", map[string]any{"detail": 5}, nil, "parameter detail must be one of [short full], not 5"},

		{"#flags", map[string]any{"on": "true", "level": 2, "label": 42}, map[string]any{"on": true, "level": 2.0, "label": "42"}, ""},
		{"#flags", map[string]any{"on": false, "level": "1", "label": true}, map[string]any{"on": false, "level": 1.0, "label": "true"}, ""},
		{"#flags", map[string]any{"level": 1.0, "label": []any{"a"}}, map[string]any{"level": 1.0, "label": `["a"]`}, ""},
		{"#flags", map[string]any{}, map[string]any{}, ""},
		{"#flags", map[string]any{"on": "maybe"}, nil, `parameter on must be true or false, not "maybe"`},
		{"#flags", map[string]any{"on": 1}, nil, "parameter on must be true or false, not int"},
		{"#flags", map[string]any{"level": 3}, nil, "parameter level must be one of [1 2], not 3"},
		{"#flags", map[string]any{"level": "#2"}, map[string]any{"level": 2.0}, ""},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.keyword, i), func(t *testing.T) {
			t.Parallel()
			res := run(t, eng, flow.State{Vars: tt.vars}, message(tt.keyword, 0))
			if tt.err != "" {
				if got := res.State.Vars["error"]; got != tt.err {
					t.Errorf("error = %v\nwant    %s", got, tt.err)
				}
				if diff := cmp.Diff([]string{"Sorry: " + tt.err}, texts(res)); diff != "" {
					t.Errorf("messages (-want +got):\n%s", diff)
				}
				if res.Call() != nil {
					t.Errorf("a call was made: %+v", res.Call())
				}
				return
			}
			c := pendingCall(t, res)
			body, _ := jsonValue(t, c.HTTP.Body).(map[string]any)
			if diff := cmp.Diff(tt.params, body["params"]); diff != "" {
				t.Errorf("params (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFunctionWithoutOnErrorEnds(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "function.yaml", flow.Options{})
	asked := run(t, eng, flow.State{}, message("#plain", 0))
	c := pendingCall(t, asked)
	if c.HTTP.URL != "https://orders.example/flags" || c.HTTP.Timeout != 10*time.Second {
		t.Errorf("call to %s (timeout %s), want https://orders.example/flags (10s)", c.HTTP.URL, c.HTTP.Timeout)
	}
	res := answer(t, eng, asked.State, httpResult(200, "application/json", `{"type": "nonsense"}`))
	if !endsWithApology(res) || len(res.Messages()) != 1 || res.State.Status != flow.StatusEnded {
		t.Errorf("messages %v, status %q; want ended with the default error message", res.Messages(), res.State.Status)
	}
	if got := res.State.Vars["error"]; got != "the answer type nonsense is not context, message or documents" {
		t.Errorf("error = %v", got)
	}
}

func TestFunctionAnswer(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "function.yaml", flow.Options{})
	asked := run(t, eng, sam(), message("#lookup", 0)).State
	docs := `{"type": "documents", "documents": [
		{"title": "Invoice #1923", "url": "https://url-to-invoice.com/1923", "content": "Paid, 1920$"},
		{"title": "Invoice #9903", "content": "Unpaid, 199$"}
	]}`
	tests := []struct {
		name     string
		result   *flow.CallResult
		messages []string
		info     any
		error    any
	}{
		{
			name:     "context",
			result:   httpResult(200, "application/json", `{"type": "context", "context": "Order 1234 is in delivery"}`),
			messages: []string{"Info: Order 1234 is in delivery"},
			info:     "Order 1234 is in delivery",
		},
		{
			name:     "context, with a charset and a vendor JSON type",
			result:   httpResult(200, "application/vnd.orders+json; charset=utf-8", `{"type": "context", "context": ""}`),
			messages: []string{"Info: "},
			info:     "",
		},
		{
			name:     "message",
			result:   httpResult(200, "application/json", `{"type": "message", "message": "Your order was delivered at 12:03."}`),
			messages: []string{"Your order was delivered at 12:03.", "Info: "},
			info:     nil,
		},
		{
			name: "message as a TipTap document",
			result: httpResult(200, "application/json", `{"type": "message", "message": {"type": "doc", "content": [
				{"type": "paragraph", "content": [{"type": "text", "text": "Delivered."}]}]}}`),
			messages: []string{"Delivered.", "Info: "},
		},
		{
			name:     "documents",
			result:   httpResult(200, "application/json", docs),
			messages: []string{`Info: [{"content":"Paid, 1920$","title":"Invoice #1923","url":"https://url-to-invoice.com/1923"},{"content":"Unpaid, 199$","title":"Invoice #9903"}]`},
			info: []any{
				map[string]any{"title": "Invoice #1923", "url": "https://url-to-invoice.com/1923", "content": "Paid, 1920$"},
				map[string]any{"title": "Invoice #9903", "content": "Unpaid, 199$"},
			},
		},
		{
			name:   "context without text",
			result: httpResult(200, "application/json", `{"type": "context", "context": 5}`),
			error:  `a "context" answer needs a context text`,
		},
		{
			name:   "message without text",
			result: httpResult(200, "application/json", `{"type": "message"}`),
			error:  "the answer has no message",
		},
		{
			name:   "documents that are not a list",
			result: httpResult(200, "application/json", `{"type": "documents", "documents": {"title": "x"}}`),
			error:  `a "documents" answer needs a documents list`,
		},
		{
			name:   "a document that is not an object",
			result: httpResult(200, "application/json", `{"type": "documents", "documents": ["x"]}`),
			error:  "document 1 is not an object",
		},
		{
			name:   "a document without content",
			result: httpResult(200, "application/json", `{"type": "documents", "documents": [{"title": "a", "content": "b"}, {"title": "c"}]}`),
			error:  "document 2 has no content text",
		},
		{
			name:   "a bad type",
			result: httpResult(200, "application/json", `{"type": "answer", "answer": "x"}`),
			error:  "the answer type answer is not context, message or documents",
		},
		{
			name:   "no type",
			result: httpResult(200, "application/json", `{"context": "x"}`),
			error:  `the answer has no "type" (context, message or documents)`,
		},
		{
			name:   "not application/json",
			result: httpResult(200, "text/plain", `{"type": "context", "context": "x"}`),
			error:  "the answer must be application/json, not text/plain",
		},
		{
			name:   "no content type",
			result: httpResult(200, "", `{"type": "context", "context": "x"}`),
			error:  "the answer must be application/json, but it has no Content-Type",
		},
		{
			name:   "invalid JSON",
			result: httpResult(200, "application/json", `{"type": `),
			error:  "the answer is not a JSON object: unexpected end of JSON input",
		},
		{
			name:   "a server error",
			result: httpResult(502, "text/html", "<h1>Bad gateway</h1>"),
			error:  "the server answered 502 Bad Gateway: <h1>Bad gateway</h1>",
		},
		{
			name:   "a transport error",
			result: &flow.CallResult{Err: "connection refused", ErrClass: "refused"},
			error:  "refused: connection refused",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := answer(t, eng, asked, tt.result)
			messages := tt.messages
			if tt.error != nil {
				messages = []string{"Sorry: " + tt.error.(string)}
			}
			if diff := cmp.Diff(messages, texts(res)); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.info, res.State.Vars["info"]); diff != "" {
				t.Errorf("info (-want +got):\n%s", diff)
			}
			if got := res.State.Vars["error"]; got != tt.error {
				t.Errorf("error = %v, want %v", got, tt.error)
			}
		})
	}
}
