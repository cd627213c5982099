package block_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/confab/confab/internal/flow"
)

func TestMessageRendersEveryRichKind(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "message.yaml", flow.Options{})
	tests := []struct {
		keyword string
		want    []flow.Message
	}{
		{"#text", []flow.Message{{Text: "Hello Sam!"}, {Text: "Price: €12.5"}}},
		{"#quick", []flow.Message{{
			Text: "Pick a size",
			QuickReplies: []flow.QuickReply{
				{Title: "Small", Payload: "Small"},
				{Title: "Large (large)", Payload: "size_large"},
			},
		}}},
		{"#buttons", []flow.Message{{
			Text: "What now?",
			Buttons: []flow.Button{
				{Title: "Confirm", Payload: "confirm"},
				{Title: "Menu", URL: "https://pizza.example/menu?size=large"},
				{Title: "Track", Webview: "https://pizza.example/track/Sam"},
			},
		}}},
		{"#image", []flow.Message{{Image: "https://pizza.example/large.png"}}},
		{"#gif", []flow.Message{{Gif: "https://pizza.example/yay.gif"}}},
		{"#card", []flow.Message{{Cards: []flow.Card{{
			Title:    "A large pizza",
			Subtitle: "€12.5",
			Image:    "https://pizza.example/pizza.png",
			URL:      "https://pizza.example/pizza",
			Buttons: []flow.Button{
				{Title: "Order", Payload: "order"},
				{Title: "More", URL: "https://pizza.example/more"},
			},
		}}}}},
		{"#carousel", []flow.Message{{Carousel: true, Cards: []flow.Card{
			{Title: "Margherita", Subtitle: "Tomato", Buttons: []flow.Button{{Title: "Pick", Payload: "margherita"}}},
			{Title: "Pepperoni large", Image: "https://pizza.example/p.png"},
		}}}},
		{"#dropdown", []flow.Message{{
			Text: "Choose",
			Dropdown: &flow.Dropdown{
				Placeholder: "Choose a pizza, Sam",
				Options: []flow.QuickReply{
					{Title: "Margherita", Payload: "Margherita"},
					{Title: "Pepperoni", Payload: "pep"},
				},
			},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.keyword, func(t *testing.T) {
			t.Parallel()
			res := run(t, eng, flow.State{}, message(tt.keyword, 0))
			if diff := cmp.Diff(tt.want, res.Messages()); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
			if res.State.Status != flow.StatusEnded {
				t.Errorf("status %q, want ended after next: done", res.State.Status)
			}
		})
	}
}

func TestMessageSummariesInTheTrace(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "message.yaml", flow.Options{})
	tests := []struct {
		keyword string
		want    []string
	}{
		{"#card", []string{"[card] A large pizza"}},
		{"#carousel", []string{"[carousel of 2 cards]"}},
		{"#image", []string{"[image] https://pizza.example/large.png"}},
		{"#gif", []string{"[gif] https://pizza.example/yay.gif"}},
		{"#dropdown", []string{"Choose"}},
	}
	for _, tt := range tests {
		t.Run(tt.keyword, func(t *testing.T) {
			t.Parallel()
			res := run(t, eng, flow.State{}, message(tt.keyword, 0))
			var got []string
			for _, s := range res.Trace {
				if s.Kind == flow.StepSend {
					got = append(got, s.Detail)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("send steps (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMessageWithTemplateErrorFails(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "message.yaml", flow.Options{})
	res := run(t, eng, flow.State{}, message("#broken", 0))
	if diff := cmp.Diff([]string{"fine", flow.DefaultErrorMessage}, texts(res)); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	msg, _ := res.State.Vars["error"].(string)
	if !strings.HasPrefix(msg, "message at line 100: ") {
		t.Errorf("error = %q, want it to name the message's line", msg)
	}
	if res.State.Status != flow.StatusEnded {
		t.Errorf("status %q, want ended (a message block has no on_error)", res.State.Status)
	}
}

func TestMessageWhoseBranchesDoNotHoldEnds(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "message.yaml", flow.Options{})
	res := run(t, eng, flow.State{}, message("#route", 0))
	want := flow.Trace{
		{Kind: flow.StepKeyword, Detail: "#route", Goto: "route"},
		{Kind: flow.StepEnter, Block: "route", Type: "message"},
		{Kind: flow.StepSend, Block: "route", Detail: "Routing"},
		{Kind: flow.StepError, Block: "route", Detail: "no branch of next holds: the flow ends"},
		{Kind: flow.StepEnd, Block: "route"},
	}
	if diff := cmp.Diff(want, res.Trace); diff != "" {
		t.Errorf("trace (-want +got):\n%s", diff)
	}
}

func TestConditionTakesTheFirstBranchThatHolds(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "kinds.yaml", flow.Options{})
	tests := []struct {
		name  string
		score any
		want  string
		when  string
	}{
		{"both hold: the first is taken", 20, "high", "score > 10"},
		{"the second holds", 7, "mid", "score > 5"},
		{"a float", 5.5, "mid", "score > 5"},
		{"none holds: the default", 0, "low", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := run(t, eng, flow.State{Vars: map[string]any{"score": tt.score}}, message("#route", 0))
			if diff := cmp.Diff([]string{tt.want}, texts(res)); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
			branch := flow.Step{Kind: flow.StepBranch, Block: "route", Detail: tt.when, Goto: tt.want}
			if diff := cmp.Diff(branch, res.Trace[2]); diff != "" {
				t.Errorf("branch step (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConditionWithoutBranchThatHoldsEnds(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "kinds.yaml", flow.Options{})
	res := run(t, eng, flow.State{}, message("#none", 0))
	want := flow.Trace{
		{Kind: flow.StepKeyword, Detail: "#none", Goto: "no_branch"},
		{Kind: flow.StepEnter, Block: "no_branch", Type: "condition"},
		{Kind: flow.StepError, Block: "no_branch", Detail: "no branch of next holds: the flow ends"},
		{Kind: flow.StepEnd, Block: "no_branch"},
	}
	if diff := cmp.Diff(want, res.Trace); diff != "" {
		t.Errorf("trace (-want +got):\n%s", diff)
	}
	if res.State.Status != flow.StatusEnded || len(res.Messages()) != 0 {
		t.Errorf("status %q with messages %v, want ended in silence (validate warns about a condition without a default)", res.State.Status, res.Messages())
	}
}

func TestConditionThatFailsEndsWithTheError(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "kinds.yaml", flow.Options{})
	res := run(t, eng, flow.State{}, message("#bad", 0))
	msg, _ := res.State.Vars["error"].(string)
	if !strings.HasPrefix(msg, "branch 1 (level + 1 > 2): ") {
		t.Errorf("error = %q, want it to name the branch and its condition", msg)
	}
	if res.State.Status != flow.StatusEnded || !endsWithApology(res) {
		t.Errorf("status %q with messages %v, want ended with the default error message", res.State.Status, res.Messages())
	}
}

func TestSetAssignsInOrder(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "kinds.yaml", flow.Options{})
	tests := []struct {
		score any
		want  map[string]any
		text  string
	}{
		{5, map[string]any{"score": 6, "double": 12, "level": "gold", "summary": "gold 12"}, "gold 12"},
		{1, map[string]any{"score": 2, "double": 4, "level": "silver", "summary": "silver 4"}, "silver 4"},
		{2.5, map[string]any{"score": 3.5, "double": 7.0, "level": "silver", "summary": "silver 7"}, "silver 7"},
	}
	for _, tt := range tests {
		res := run(t, eng, flow.State{Vars: map[string]any{"score": tt.score}}, message("#set", 0))
		for k, want := range tt.want {
			if got := res.State.Vars[k]; got != want {
				t.Errorf("score %v: %s = %v (%T), want %v (%T)", tt.score, k, got, got, want, want)
			}
		}
		if diff := cmp.Diff([]string{tt.text}, texts(res)); diff != "" {
			t.Errorf("score %v: messages (-want +got):\n%s", tt.score, diff)
		}
	}
}

func TestSetRecordsEachChange(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "kinds.yaml", flow.Options{})
	res := run(t, eng, flow.State{Vars: map[string]any{"score": 5, "double": 12}}, message("#set", 0))
	var got []flow.Step
	for _, s := range res.Trace {
		if s.Kind == flow.StepSet {
			got = append(got, s)
		}
	}
	want := []flow.Step{
		{Kind: flow.StepSet, Block: "set_vars", Var: "score", Old: 5, New: 6},
		{Kind: flow.StepSet, Block: "set_vars", Var: "level", Old: nil, New: "gold"},
		{Kind: flow.StepSet, Block: "set_vars", Var: "summary", Old: nil, New: "gold 12"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("set steps, double unchanged (-want +got):\n%s", diff)
	}
}

func TestSetThatFailsKeepsEarlierValues(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "kinds.yaml", flow.Options{})
	res := run(t, eng, flow.State{}, message("#bad_set", 0))
	if got := res.State.Vars["score"]; got != 99 {
		t.Errorf("score = %v, want 99 (set before the failing value)", got)
	}
	if msg, _ := res.State.Vars["error"].(string); msg == "" {
		t.Error("no error was recorded")
	}
	if res.State.Status != flow.StatusEnded || !endsWithApology(res) {
		t.Errorf("status %q with messages %v, want ended with the default error message", res.State.Status, res.Messages())
	}
}

func TestEndSendsItsMessagesAndEnds(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "kinds.yaml", flow.Options{})
	res := run(t, eng, flow.State{}, message("#end", 0))
	want := []flow.Effect{
		flow.Send{Block: "finish", Message: flow.Message{Text: "That is all."}},
		flow.Send{Block: "finish", Message: flow.Message{Text: "Bye!"}},
		flow.End{Block: "finish"},
	}
	if diff := cmp.Diff(want, res.Effects); diff != "" {
		t.Errorf("effects (-want +got):\n%s", diff)
	}
	if res.State.Status != flow.StatusEnded || res.State.Block != "" {
		t.Errorf("%q at %q, want ended nowhere", res.State.Status, res.State.Block)
	}
	again := run(t, eng, res.State, message("hello", 1))
	if diff := cmp.Diff([]string{"low"}, texts(again)); diff != "" {
		t.Errorf("the next message should start the bot again at start (-want +got):\n%s", diff)
	}
}

func TestHandoverPausesAndResumesAtNext(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "kinds.yaml", flow.Options{})
	tests := []struct {
		keyword string
		block   string
		want    []flow.Effect
	}{
		{"#human", "human", []flow.Effect{
			flow.Send{Block: "human", Message: flow.Message{Text: "Connecting you to a colleague..."}},
			flow.Handover{Block: "human"},
		}},
		{"#quiet", "quiet_human", []flow.Effect{flow.Handover{Block: "quiet_human"}}},
	}
	for _, tt := range tests {
		t.Run(tt.keyword, func(t *testing.T) {
			t.Parallel()
			res := run(t, eng, flow.State{}, message(tt.keyword, 0))
			if diff := cmp.Diff(tt.want, res.Effects); diff != "" {
				t.Errorf("effects (-want +got):\n%s", diff)
			}
			if res.State.Status != flow.StatusPaused || res.State.Block != tt.block {
				t.Fatalf("%q at %q, want paused at %s", res.State.Status, res.State.Block, tt.block)
			}
			quiet := run(t, eng, res.State, message("hello?", 1))
			if len(quiet.Effects) != 0 || quiet.State.Status != flow.StatusPaused {
				t.Errorf("while paused the bot answered %v (status %q)", quiet.Effects, quiet.State.Status)
			}
			back := run(t, eng, quiet.State, flow.Event{Kind: flow.EventResume, Time: t0.Add(time.Minute)})
			if diff := cmp.Diff([]string{"I am back.", "low"}, texts(back)); diff != "" {
				t.Errorf("after the resume (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"back", "low"}, back.Trace.Blocks()); diff != "" {
				t.Errorf("after the resume, blocks (-want +got):\n%s", diff)
			}
		})
	}
}

// endsWithApology reports whether a turn's last message is the one sent
// when a block fails without on_error.
func endsWithApology(res flow.Result) bool {
	ms := res.Messages()
	return len(ms) > 0 && ms[len(ms)-1].Text == flow.DefaultErrorMessage
}
