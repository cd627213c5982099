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
	env := map[string]any{"SHOP_URL": "https://shop.example", "ORDERS_URL": "https://orders.example"}
	tests := []struct {
		keyword string
		state   flow.State
		want    *flow.CodeRequest
	}{
		{"#compute", flow.State{}, &flow.CodeRequest{
			Script:  computeScript,
			Timeout: 500 * time.Millisecond,
			Vars:    map[string]any{"qty": 3, "total": 0},
			Input:   flow.Input{Text: "#compute"},
			Env:     env,
		}},
		{"#plain", sam(), &flow.CodeRequest{
			Script:       "vars.total = 1",
			Timeout:      time.Second,
			Vars:         map[string]any{"qty": 3, "total": 0},
			Input:        flow.Input{Text: "#plain"},
			User:         sam().User,
			Conversation: sam().Conversation,
			Channel:      "web",
			Env:          env,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.keyword, func(t *testing.T) {
			t.Parallel()
			c := pendingCall(t, run(t, eng, tt.state, message(tt.keyword, 0)))
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
			name:     "goto a block that does not exist: nothing of the run is kept",
			result:   &flow.CallResult{Code: &flow.CodeResult{Vars: map[string]any{"qty": 3, "total": 2}, Say: []flow.Message{{Text: "Hi"}}, Goto: "nowhere"}},
			messages: []flow.Message{{Text: `Sorry: goto: no block "nowhere"`}},
			blocks:   []string{"sorry"},
			vars:     map[string]any{"total": 0, "error": `goto: no block "nowhere"`},
		},
		{
			name:     "a deleted variable is deleted, or reset to its default",
			result:   &flow.CallResult{Code: &flow.CodeResult{Vars: map[string]any{"total": 4.0}}},
			messages: []flow.Message{{Text: "Done: 4"}},
			blocks:   []string{"done"},
			vars:     map[string]any{"qty": 3, "total": 4.0},
		},
		{
			name:     "a reserved name: nothing of the run is kept",
			result:   &flow.CallResult{Code: &flow.CodeResult{Vars: map[string]any{"qty": 3, "total": 5.0, "secret": "x"}}},
			messages: []flow.Message{{Text: "Sorry: the script set vars.secret, but secret is a reserved name, not a variable"}},
			blocks:   []string{"sorry"},
			vars:     map[string]any{"total": 0, "secret": nil},
		},
		{
			name:     "a name that is not an identifier",
			result:   &flow.CallResult{Code: &flow.CodeResult{Vars: map[string]any{"qty": 3, "total": 0, "my var": 1.0}}},
			messages: []flow.Message{{Text: `Sorry: the script set vars["my var"]; a variable name starts with a letter or _ and holds only letters, digits and _`}},
			blocks:   []string{"sorry"},
			vars:     map[string]any{"my var": nil},
		},
		{
			name:     "a fetch the script did not catch",
			result:   &flow.CallResult{Err: "fetch: refused 127.0.0.1 (loopback): add it to --allow-net to allow", ErrClass: "blocked"},
			messages: []flow.Message{{Text: "Sorry: blocked: fetch: refused 127.0.0.1 (loopback): add it to --allow-net to allow"}},
			blocks:   []string{"sorry"},
			vars:     map[string]any{"error": "blocked: fetch: refused 127.0.0.1 (loopback): add it to --allow-net to allow"},
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

func TestCodeAppliesOnlyWhatTheScriptChanged(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "code.yaml", flow.Options{})
	asked := run(t, eng, flow.State{Vars: map[string]any{"note": "old", "keep": 1, "tier": "gold"}}, message("#plain", 0)).State
	// While the script ran, the API changed keep; the script's result
	// still holds the value it was given.
	asked.Vars["keep"] = 2
	res := answer(t, eng, asked, &flow.CallResult{Code: &flow.CodeResult{Vars: map[string]any{
		"qty": 3.0, "total": 1.0, "keep": 1, "tier": "platinum",
	}}})
	want := map[string]any{"qty": 3, "total": 1.0, "keep": 2, "tier": "platinum"}
	if diff := cmp.Diff(want, res.State.Vars); diff != "" {
		t.Errorf("vars (-want +got):\n%s", diff)
	}
	var changed []string
	for _, s := range res.Trace {
		if s.Kind == flow.StepSet {
			changed = append(changed, s.Var)
		}
	}
	if diff := cmp.Diff([]string{"tier", "total", "note"}, changed); diff != "" {
		t.Errorf("variables changed in the trace (-want +got):\n%s", diff)
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
