package block_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/confab/confab/internal/flow"
)

const computeScript = `vars.total = vars.qty * 9.5
if (vars.total > 20) { say("Free delivery!"); goto("free") }
`

func TestCodeCallCarriesTheScript(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "code.yaml", flow.Options{})
	tests := []struct {
		keyword string
		want    *flow.CodeRequest
	}{
		{"#compute", &flow.CodeRequest{
			Script:  computeScript,
			Timeout: 500 * time.Millisecond,
			Vars:    map[string]any{"qty": 3, "total": 0},
			Input:   flow.Input{Text: "#compute"},
		}},
		{"#plain", &flow.CodeRequest{
			Script:  "vars.total = 1",
			Timeout: time.Second,
			Vars:    map[string]any{"qty": 3, "total": 0},
			Input:   flow.Input{Text: "#plain"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.keyword, func(t *testing.T) {
			t.Parallel()
			c := pendingCall(t, run(t, eng, flow.State{}, message(tt.keyword, 0)))
			if diff := cmp.Diff(tt.want, c.Code); diff != "" {
				t.Errorf("code request (-want +got):\n%s", diff)
			}
			if c.Kind != "code" || c.HTTP != nil || c.AI != nil {
				t.Errorf("call %+v, want a code call with Code only", c)
			}
		})
	}
}

func TestCodeResult(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "code.yaml", flow.Options{})
	asked := run(t, eng, flow.State{}, message("#compute", 0)).State
	tests := []struct {
		name     string
		result   *flow.CallResult
		messages []flow.Message
		blocks   []string
		vars     map[string]any
	}{
		{
			name: "vars, say and goto",
			result: &flow.CallResult{Code: &flow.CodeResult{
				Vars: map[string]any{"qty": 3, "total": 28.5, "note": "big"},
				Say:  []flow.Message{{Text: "Free delivery!"}, {Text: "Enjoy", QuickReplies: []flow.QuickReply{{Title: "Thanks", Payload: "thanks"}}}},
				Goto: "free",
			}},
			messages: []flow.Message{
				{Text: "Free delivery!"},
				{Text: "Enjoy", QuickReplies: []flow.QuickReply{{Title: "Thanks", Payload: "thanks"}}},
				{Text: "Free!"},
			},
			blocks: []string{"free"},
			vars:   map[string]any{"qty": 3, "total": 28.5, "note": "big", "error": nil},
		},
		{
			name:     "no goto: next",
			result:   &flow.CallResult{Code: &flow.CodeResult{Vars: map[string]any{"qty": 1, "total": 9.5}}},
			messages: []flow.Message{{Text: "Done: 9.5"}},
			blocks:   []string{"done"},
			vars:     map[string]any{"qty": 1, "total": 9.5},
		},
		{
			name:     "goto a block that does not exist",
			result:   &flow.CallResult{Code: &flow.CodeResult{Vars: map[string]any{"total": 2}, Goto: "nowhere"}},
			messages: []flow.Message{{Text: `Sorry: goto: no block "nowhere"`}},
			blocks:   []string{"sorry"},
			vars:     map[string]any{"total": 2, "error": `goto: no block "nowhere"`},
		},
		{
			name:     "an exception",
			result:   &flow.CallResult{Err: "ReferenceError: x is not defined", ErrClass: "exception"},
			messages: []flow.Message{{Text: "Sorry: exception: ReferenceError: x is not defined"}},
			blocks:   []string{"sorry"},
			vars:     map[string]any{"total": 0, "error": "exception: ReferenceError: x is not defined"},
		},
		{
			name:     "a time-out",
			result:   &flow.CallResult{Err: "the script ran longer than 500ms", ErrClass: "timeout"},
			messages: []flow.Message{{Text: "Sorry: timeout: the script ran longer than 500ms"}},
			blocks:   []string{"sorry"},
			vars:     map[string]any{"error": "timeout: the script ran longer than 500ms"},
		},
		{
			name:     "no code result",
			result:   &flow.CallResult{},
			messages: []flow.Message{{Text: "Sorry: the call has no code result"}},
			blocks:   []string{"sorry"},
			vars:     map[string]any{"error": "the call has no code result"},
		},
		{
			name:     "an HTTP answer instead of a code result",
			result:   httpResult(200, "", ""),
			messages: []flow.Message{{Text: "Sorry: the call has no code result"}},
			blocks:   []string{"sorry"},
			vars:     map[string]any{"error": "the call has no code result"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := answer(t, eng, asked, tt.result)
			if diff := cmp.Diff(tt.messages, res.Messages()); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.blocks, res.Trace.Blocks()); diff != "" {
				t.Errorf("blocks (-want +got):\n%s", diff)
			}
			for k, want := range tt.vars {
				if diff := cmp.Diff(want, res.State.Vars[k]); diff != "" {
					t.Errorf("%s (-want +got):\n%s", k, diff)
				}
			}
		})
	}
}

func TestCodeWithoutOnErrorEnds(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "code.yaml", flow.Options{})
	asked := run(t, eng, flow.State{}, message("#plain", 0)).State
	res := answer(t, eng, asked, &flow.CallResult{Err: "out of memory", ErrClass: "limit"})
	if !endsWithApology(res) || len(res.Messages()) != 1 || res.State.Status != flow.StatusEnded {
		t.Errorf("messages %v, status %q; want ended with the default error message", res.Messages(), res.State.Status)
	}
	if got := res.State.Vars["error"]; got != "limit: out of memory" {
		t.Errorf("error = %v", got)
	}
}

func TestAICallCarriesTheInstructions(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "code.yaml", flow.Options{})
	c := pendingCall(t, run(t, eng, sam(), message("#ai", 0)))
	want := &flow.AIRequest{Instructions: "You help Sam of Pizza Palace.", Functions: []string{"get_order"}, Input: "#ai"}
	if diff := cmp.Diff(want, c.AI); diff != "" {
		t.Errorf("AI request (-want +got):\n%s", diff)
	}
	if c.Kind != "ai" || c.HTTP != nil || c.Code != nil {
		t.Errorf("call %+v, want an ai call with AI only", c)
	}
}

func TestAIResult(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "code.yaml", flow.Options{})
	asked := run(t, eng, sam(), message("#ai", 0)).State
	tests := []struct {
		name     string
		result   *flow.CallResult
		messages []string
		reply    any
		error    any
	}{
		{
			name: "messages",
			result: &flow.CallResult{AI: &flow.AIResult{Messages: []flow.Message{
				{Text: "Let me look."}, {Image: "https://pizza.example/map.png"}, {Text: "Order 1234 is on its way."},
			}}},
			messages: []string{"Let me look.", "", "Order 1234 is on its way.", "Done: 0"},
			reply:    "Order 1234 is on its way.",
		},
		{
			name:     "no messages",
			result:   &flow.CallResult{AI: &flow.AIResult{}},
			messages: []string{"Done: 0"},
			reply:    "",
		},
		{
			name:     "an error",
			result:   &flow.CallResult{Err: "the model is overloaded", ErrClass: "unavailable"},
			messages: []string{"Sorry: unavailable: the model is overloaded"},
			error:    "unavailable: the model is overloaded",
		},
		{
			name:     "no AI result",
			result:   &flow.CallResult{Code: &flow.CodeResult{}},
			messages: []string{"Sorry: the call has no AI result"},
			error:    "the call has no AI result",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := answer(t, eng, asked, tt.result)
			if diff := cmp.Diff(tt.messages, texts(res)); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
			if got := res.State.Vars["reply"]; got != tt.reply {
				t.Errorf("reply = %v, want %v", got, tt.reply)
			}
			if got := res.State.Vars["error"]; got != tt.error {
				t.Errorf("error = %v, want %v", got, tt.error)
			}
		})
	}
}
