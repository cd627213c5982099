package flow_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/confab/confab/internal/flow"
)

func TestRecentKeepsTheLastFourMessages(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, flowBot, flow.Options{})
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	user := func(text string, s int) flow.Comment { return flow.Comment{From: "user", Text: text, Time: at(s)} }
	botSays := func(text string, s int) flow.Comment { return flow.Comment{From: "bot", Text: text, Time: at(s)} }
	turns := []struct {
		text string
		want []flow.Comment
	}{
		{"hi", []flow.Comment{user("hi", 0), botSays("You said hi (intent none).", 0), botSays("What is your name?", 0)}},
		{"Sam", []flow.Comment{botSays("You said hi (intent none).", 0), botSays("What is your name?", 0), user("Sam", 1), botSays("More, Sam?", 1)}},
		{"yes", []flow.Comment{user("Sam", 1), botSays("More, Sam?", 1), user("yes", 2), botSays("More, Sam?", 2)}},
		{"no", []flow.Comment{user("yes", 2), botSays("More, Sam?", 2), user("no", 3), botSays("Bye Sam, 1 more.", 3)}},
	}
	var st flow.State
	for i, turn := range turns {
		res := eng.Run(st, message(turn.text, at(i)))
		if res.Err != nil {
			t.Fatalf("%q: %v", turn.text, res.Err)
		}
		if diff := cmp.Diff(turn.want, res.State.Recent); diff != "" {
			t.Errorf("after %q, Recent (-want +got):\n%s", turn.text, diff)
		}
		st = res.State
	}
}

func TestTraceRecordsWhatHappened(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, flowBot, flow.Options{})
	tests := []struct {
		name string
		text string
		want flow.Trace
	}{
		{
			name: "a branch, a set, a prompt",
			text: "yes please",
			want: flow.Trace{
				{Kind: flow.StepBranch, Block: "ask_more", Detail: `intent == "agree"`, Goto: "counted"},
				{Kind: flow.StepEnter, Block: "counted", Type: "set"},
				{Kind: flow.StepSet, Block: "counted", Var: "count", Old: 0, New: 1},
				{Kind: flow.StepEnter, Block: "ask_more", Type: "input"},
				{Kind: flow.StepSend, Block: "ask_more", Detail: "More, Sam?"},
				{Kind: flow.StepWait, Block: "ask_more", Detail: "waiting for the user"},
			},
		},
		{
			name: "not understood",
			text: "banana",
			want: flow.Trace{
				{Kind: flow.StepSet, Block: "ask_more", Var: "not_understood_count", Old: nil, New: 1},
				{Kind: flow.StepNotUnderstood, Block: "ask_more", Detail: "banana"},
				{Kind: flow.StepSend, Block: "ask_more", Detail: flow.DefaultNotUnderstood},
				{Kind: flow.StepWait, Block: "ask_more", Detail: "waiting for the user"},
			},
		},
		{
			name: "a keyword and an end",
			text: "#start",
			want: flow.Trace{
				{Kind: flow.StepKeyword, Detail: "#start", Goto: "welcome"},
				{Kind: flow.StepEnter, Block: "welcome", Type: "message"},
				{Kind: flow.StepSend, Block: "welcome", Detail: "You said #start (intent none)."},
				{Kind: flow.StepEnter, Block: "ask_name", Type: "input"},
				{Kind: flow.StepSend, Block: "ask_name", Detail: "What is your name?"},
				{Kind: flow.StepWait, Block: "ask_name", Detail: "waiting for the user"},
			},
		},
		{
			name: "a branch to an end",
			text: "no",
			want: flow.Trace{
				{Kind: flow.StepBranch, Block: "ask_more", Detail: `intent == "refuse"`, Goto: "bye"},
				{Kind: flow.StepEnter, Block: "bye", Type: "end"},
				{Kind: flow.StepSend, Block: "bye", Detail: "Bye Sam, 0 more."},
				{Kind: flow.StepEnd, Block: "bye"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := conversation(t, eng, flow.State{}, "hi", "Sam")
			res := eng.Run(st, message(tt.text, t0.Add(time.Minute)))
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			if diff := cmp.Diff(tt.want, res.Trace); diff != "" {
				t.Errorf("trace (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVariablesGetTheirDeclaredDefaults(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, flowBot, flow.Options{})
	defaults := map[string]any{
		"name":    nil,
		"count":   0,
		"ratio":   1.5,
		"flag":    true,
		"tags":    []any{"a", "b"},
		"profile": map[string]any{"tier": "gold"},
	}
	tests := []struct {
		name string
		vars map[string]any
		want map[string]any
	}{
		{name: "a new conversation", vars: nil, want: defaults},
		{
			name: "variables the host set before the first message",
			vars: map[string]any{"count": 5, "plan": "pro"},
			want: map[string]any{
				"name": nil, "count": 5, "ratio": 1.5, "flag": true, "plan": "pro",
				"tags": []any{"a", "b"}, "profile": map[string]any{"tier": "gold"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := eng.Run(flow.State{Vars: tt.vars}, message("hi", t0))
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			if diff := cmp.Diff(tt.want, res.State.Vars); diff != "" {
				t.Errorf("Vars (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDeclaredDefaultsFeedExpressions(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, flowBot, flow.Options{})
	st := conversation(t, eng, flow.State{Vars: map[string]any{"name": "Kim"}}, "hi", "Kim", "yes")
	if got := st.Vars["count"]; got != 1 {
		t.Errorf("count = %v (%T), want 1 (count + 1 over the default 0)", got, got)
	}
}

func TestExpressionsSeeTheEventTimeEnvAndSecrets(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, contextBot, flow.Options{
		Env:     map[string]string{"SHOP_URL": "https://shop.example"},
		Secrets: map[string]string{"TOKEN": "s3cret"},
	})
	tests := []struct {
		name  string
		at    time.Time
		state flow.State
		want  []string
	}{
		{
			name:  "morning",
			at:    time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC),
			state: host(),
			want: []string{
				"Good morning, it is 09:30.",
				"Shop https://shop.example, token s3cret, user Sam, channel web, conversation c1.",
			},
		},
		{
			name:  "afternoon, in the year 2001",
			at:    time.Date(2001, 7, 14, 15, 45, 0, 0, time.UTC),
			state: flow.State{},
			want: []string{
				"Good afternoon, it is 15:45.",
				"Shop https://shop.example, token s3cret, user nobody, channel , conversation .",
			},
		},
		{
			name:  "in the event's time zone",
			at:    time.Date(2026, 3, 1, 23, 5, 0, 0, time.FixedZone("UTC+12", 12*3600)),
			state: flow.State{User: map[string]any{"name": "Kim"}, Channel: "api", Conversation: map[string]any{"id": 7}},
			want: []string{
				"Good afternoon, it is 23:05.",
				"Shop https://shop.example, token s3cret, user Kim, channel api, conversation 7.",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := eng.Run(tt.state, message("hi", tt.at))
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			if diff := cmp.Diff(tt.want, texts(res)); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBuiltInNotUnderstoodReply(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, flowBot, flow.Options{})
	st := conversation(t, eng, flow.State{}, "hi", "Sam")
	turns := []struct {
		text     string
		messages []string
		count    any
		block    string
	}{
		{"banana", []string{flow.DefaultNotUnderstood}, 1, "ask_more"},
		{"what?", []string{flow.DefaultNotUnderstood}, 2, "ask_more"},
		{"yes", []string{"More, Sam?"}, 0, "ask_more"},
		{"pear", []string{flow.DefaultNotUnderstood}, 1, "ask_more"},
		{"no", []string{"Bye Sam, 1 more."}, 0, ""},
	}
	for i, turn := range turns {
		res := eng.Run(st, message(turn.text, t0.Add(time.Duration(i+10)*time.Second)))
		if res.Err != nil {
			t.Fatalf("%q: %v", turn.text, res.Err)
		}
		if diff := cmp.Diff(turn.messages, texts(res)); diff != "" {
			t.Errorf("%q: messages (-want +got):\n%s", turn.text, diff)
		}
		if got := res.State.Vars["not_understood_count"]; got != turn.count {
			t.Errorf("%q: not_understood_count = %v, want %v", turn.text, got, turn.count)
		}
		if res.State.Block != turn.block {
			t.Errorf("%q: the conversation is at %q, want %q", turn.text, res.State.Block, turn.block)
		}
		st = res.State
	}
}

func TestNotUnderstoodBlockWithCounter(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, pizzaBot, flow.Options{})
	st := conversation(t, eng, flow.State{}, "hi")
	fallback := []string{"Sorry, I did not get that. You can order a pizza, see the menu or track an order."}
	turns := []struct {
		text     string
		blocks   []string
		messages []string
		misses   int
		status   flow.Status
	}{
		{"what is the weather like", []string{"fallback", "fallback_message", "menu"}, fallback, 1, flow.StatusInput},
		{"do you sell shoes", []string{"fallback", "fallback_message", "menu"}, fallback, 2, flow.StatusInput},
		{"see the menu", []string{"show_menu", "pick_from_menu"}, []string{"Here is what we bake today:", ""}, 0, flow.StatusInput},
		{"#pizza", []string{"welcome", "menu"}, []string{"Hi there! Welcome to Pizza Palace.", "What would you like?"}, 0, flow.StatusInput},
		{"blue", []string{"fallback", "fallback_message", "menu"}, fallback, 1, flow.StatusInput},
		{"green", []string{"fallback", "fallback_message", "menu"}, fallback, 2, flow.StatusInput},
		{"red", []string{"fallback", "human"}, []string{"Let me get a colleague to help you..."}, 3, flow.StatusPaused},
	}
	for i, turn := range turns {
		res := eng.Run(st, message(turn.text, t0.Add(time.Duration(i+10)*time.Second)))
		if res.Err != nil {
			t.Fatalf("%q: %v", turn.text, res.Err)
		}
		if diff := cmp.Diff(turn.blocks, res.Trace.Blocks()); diff != "" {
			t.Errorf("%q: blocks (-want +got):\n%s", turn.text, diff)
		}
		if diff := cmp.Diff(turn.messages, texts(res)); diff != "" {
			t.Errorf("%q: messages (-want +got):\n%s", turn.text, diff)
		}
		if got := res.State.Vars["misses"]; got != turn.misses {
			t.Errorf("%q: misses = %v, want %d", turn.text, got, turn.misses)
		}
		if _, ok := res.State.Vars["not_understood_count"]; ok {
			t.Errorf("%q: the default counter was set too", turn.text)
		}
		if res.State.Status != turn.status {
			t.Errorf("%q: status %q, want %q", turn.text, res.State.Status, turn.status)
		}
		st = res.State
	}
}
