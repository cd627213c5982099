package flow_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/confab/confab/internal/flow"
)

func TestTriggerJumpsToABlockWithVariablesSetFirst(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, flowBot, flow.Options{})
	at := t0.Add(time.Hour)
	tests := []struct {
		name  string
		texts []string // the conversation before the trigger
	}{
		{"from an input block", []string{"hi"}},
		{"from a handover", []string{"hi", "Sam", "#human"}},
		{"from a pending call", []string{"hi", "Sam", "#lookup"}},
		{"from a wait for a callback", []string{"hi", "Sam", "#pay"}},
		{"after the flow ended", []string{"hi", "Sam", "no"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := conversation(t, eng, flow.State{}, tt.texts...)
			before := st.Clone()
			ev := flow.Event{Kind: flow.EventTrigger, Time: at, Block: "ask_more", Vars: map[string]any{"name": "Kim", "count": 3.0}}
			res := eng.Run(st, ev)
			if res.Err != nil {
				t.Fatalf("Err = %v\n%s", res.Err, res.Trace)
			}
			if diff := cmp.Diff([]string{"More, Kim?"}, texts(res)); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
			got := res.State
			if got.Status != flow.StatusInput || got.Block != "ask_more" || got.Pending != nil || !got.Deadline.IsZero() || got.Retries != 0 {
				t.Errorf("state: %q at %q, pending %v, deadline %v, retries %d; want input at ask_more with nothing pending",
					got.Status, got.Block, got.Pending, got.Deadline, got.Retries)
			}
			if got.Vars["name"] != "Kim" || got.Vars["count"] != 3.0 {
				t.Errorf("vars %v", got.Vars)
			}
			trig := res.Trace[0]
			if trig.Kind != flow.StepTrigger || trig.Goto != "ask_more" || trig.Block != before.Block {
				t.Errorf("the trace starts with %+v, want the trigger from %q", trig, before.Block)
			}
			// Variables are set in the order of their names, before the
			// jump, and traced.
			if res.Trace[1].Kind != flow.StepSet || res.Trace[1].Var != "count" || res.Trace[2].Kind != flow.StepSet || res.Trace[2].Var != "name" {
				t.Errorf("trace:\n%s", res.Trace)
			}
			// The same event gives the same result, and the input state
			// is left alone.
			if diff := cmp.Diff(res, eng.Run(st, ev), ignoreErr); diff != "" {
				t.Errorf("a second run differs (-first +second):\n%s", diff)
			}
			if diff := cmp.Diff(before, st); diff != "" {
				t.Errorf("Run changed its input state (-before +after):\n%s", diff)
			}
		})
	}
}

func TestTriggerOfAnUnknownBlockChangesNothing(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, flowBot, flow.Options{})
	st := conversation(t, eng, flow.State{}, "hi", "Sam")
	res := eng.Run(st, flow.Event{Kind: flow.EventTrigger, Time: t0.Add(time.Hour), Block: "ask_mor", Vars: map[string]any{"name": "Kim"}})
	if errText(res.Err) != `no block "ask_mor" in bot "flowtest"` {
		t.Fatalf("Err = %v", res.Err)
	}
	if len(res.Effects) != 0 || res.State.Vars["name"] != "Sam" || res.State.Block != "ask_more" {
		t.Errorf("a failed trigger changed the conversation: effects %v, state %+v", res.Effects, res.State)
	}
}

func TestTriggerIntoACallAsksForIt(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, flowBot, flow.Options{})
	st := conversation(t, eng, flow.State{}, "hi", "Sam")
	res := eng.Run(st, flow.Event{Kind: flow.EventTrigger, Time: t0.Add(time.Hour), Block: "lookup"})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	c := res.Call()
	if c == nil || c.Block != "lookup" || c.HTTP == nil || c.HTTP.URL != "https://shop.example/orders" {
		t.Fatalf("call %+v, want the lookup block's", c)
	}
	// The host carries it out and the flow goes on, as after a message.
	res = eng.Run(res.State, flow.Event{Kind: flow.EventResult, Time: t0.Add(time.Hour), Result: &flow.CallResult{ID: c.ID,
		HTTP: &flow.HTTPResponse{Status: 200, Header: map[string][]string{"Content-Type": {"application/json"}}, Body: []byte(`{"id":7}`)}}})
	if res.Err != nil || res.State.Block != "ask_more" {
		t.Fatalf("after the result: %v, block %q", res.Err, res.State.Block)
	}
}

func TestSetChangesVariablesOnly(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, flowBot, flow.Options{})
	st := conversation(t, eng, flow.State{}, "hi", "Sam")
	st.Vars["note"] = "vip"
	res := eng.Run(st, flow.Event{Kind: flow.EventSet, Time: t0.Add(time.Hour),
		Vars: map[string]any{"name": "Kim", "note": nil, "count": nil, "tier": map[string]any{"level": 2.0}}})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if len(res.Effects) != 0 || res.State.Status != st.Status || res.State.Block != st.Block || !cmp.Equal(res.State.Last, st.Last) {
		t.Errorf("the flow moved: effects %v, %q at %q", res.Effects, res.State.Status, res.State.Block)
	}
	got := res.State.Vars
	// null deletes a variable the bot does not declare, and sets a
	// declared one back to its default.
	if _, had := got["note"]; had || got["name"] != "Kim" || got["count"] != 0 || !cmp.Equal(got["tier"], map[string]any{"level": 2.0}) {
		t.Errorf("vars %v", got)
	}
	want := flow.Trace{
		{Kind: flow.StepSet, Var: "name", Old: "Sam", New: "Kim"},
		{Kind: flow.StepSet, Var: "note", Old: "vip"},
		{Kind: flow.StepSet, Var: "tier", New: map[string]any{"level": 2.0}},
	}
	if diff := cmp.Diff(want, res.Trace); diff != "" {
		t.Errorf("trace (-want +got):\n%s", diff)
	}
	// The next message sees them.
	res = eng.Run(res.State, message("yes", t0.Add(2*time.Hour)))
	if diff := cmp.Diff([]string{"More, Kim?"}, texts(res)); diff != "" {
		t.Errorf("after the set (-want +got):\n%s", diff)
	}
}

func TestHeldConversationDoesNotReadMessages(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, flowBot, flow.Options{})
	for _, said := range [][]string{{"hi", "Sam"}, {"hi", "Sam", "#human"}} {
		st := conversation(t, eng, flow.State{}, said...)
		st.Held = true
		for _, text := range []string{"hello?", "#start", "yes"} {
			res := eng.Run(st, message(text, t0.Add(time.Hour)))
			if res.Err != nil {
				t.Fatalf("%q: %v", text, res.Err)
			}
			want := flow.Trace{{Kind: flow.StepWait, Block: st.Block, Detail: "paused by an operator: the message is kept, the bot does not read it"}}
			if diff := cmp.Diff(want, res.Trace); diff != "" {
				t.Errorf("%q: trace (-want +got):\n%s", text, diff)
			}
			if diff := cmp.Diff(st, res.State); diff != "" || len(res.Effects) != 0 {
				t.Errorf("%q: the bot moved or read the message: effects %v, state (-before +after):\n%s", text, res.Effects, diff)
			}
		}
		// A trigger still runs, and the hold stays.
		res := eng.Run(st, flow.Event{Kind: flow.EventTrigger, Time: t0.Add(time.Hour), Block: "bye"})
		if res.Err != nil || !res.State.Held || res.State.Status != flow.StatusEnded || !cmp.Equal(texts(res), []string{"Bye Sam, 0 more."}) {
			t.Errorf("trigger while held: %v, held %v, status %q, messages %q", res.Err, res.State.Held, res.State.Status, texts(res))
		}
	}
}
