package flow_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/confab/confab/internal/flow"
)

const (
	flowBot    = "testdata/flow.yaml"
	contextBot = "testdata/context.yaml"
	callsBot   = "testdata/calls.yaml"
	pizzaBot   = "../../bots/pizza.yaml"
	ordersBot  = "../../bots/orders.yaml"
)

// host is what the host knows about a test conversation before it starts.
func host() flow.State {
	return flow.State{
		User:         map[string]any{"id": 42, "name": "Sam", "tags": []any{"vip"}},
		Conversation: map[string]any{"id": "c1", "project": "p1"},
		Channel:      "web",
	}
}

// ignoreErr leaves Result.Err to be compared on its own: error values
// cannot be compared field by field.
var ignoreErr = cmpopts.IgnoreFields(flow.Result{}, "Err")

// errText returns the text of err, or "" when err is nil.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestRunIsDeterministicAndLeavesItsInputAlone(t *testing.T) {
	t.Parallel()
	flowEng := newEngine(t, flowBot, flow.Options{})
	pizza := newEngine(t, pizzaBot, flow.Options{})
	orders := newEngine(t, ordersBot, flow.Options{
		Env:     map[string]string{"ORDERS_URL": "https://orders.example"},
		Secrets: map[string]string{"ORDERS_TOKEN": "t0ken"},
	})
	at := t0.Add(time.Hour)
	tests := []struct {
		name  string
		eng   *flow.Engine
		state func(t *testing.T) flow.State
		event flow.Event
		fails bool
	}{
		{
			name:  "first message",
			eng:   flowEng,
			state: func(*testing.T) flow.State { return host() },
			event: message("hello", at),
		},
		{
			name: "an answer when recent messages are at the limit",
			eng:  pizza,
			state: func(t *testing.T) flow.State {
				return conversation(t, pizza, host(), "hi", "I want to order a pizza", "salami")
			},
			event: message("large", at),
		},
		{
			name:  "a message no route takes",
			eng:   pizza,
			state: func(t *testing.T) flow.State { return conversation(t, pizza, host(), "hi") },
			event: message("what is the weather like", at),
		},
		{
			name:  "a keyword",
			eng:   flowEng,
			state: func(t *testing.T) flow.State { return conversation(t, flowEng, host(), "hi", "Sam") },
			event: message("#start", at),
		},
		{
			name: "a function call is asked for",
			eng:  orders,
			state: func(t *testing.T) flow.State {
				return conversation(t, orders, host(), "hi", "where is my order")
			},
			event: message("#1234", at),
		},
		{
			name:  "a call result",
			eng:   flowEng,
			state: func(t *testing.T) flow.State { return conversation(t, flowEng, host(), "hi", "Sam", "#lookup") },
			event: flow.Event{Kind: flow.EventResult, Time: at, Result: &flow.CallResult{ID: "lookup#1", HTTP: &flow.HTTPResponse{
				Status: 200, Header: map[string][]string{"Content-Type": {"application/json"}}, Body: []byte(`{"id":7,"items":[1,2]}`),
			}}},
		},
		{
			name:  "a callback",
			eng:   flowEng,
			state: func(t *testing.T) flow.State { return conversation(t, flowEng, host(), "hi", "Sam", "#pay") },
			event: flow.Event{Kind: flow.EventCallback, Time: at, Data: map[string]any{"status": "paid"}},
		},
		{
			name:  "a time-out",
			eng:   flowEng,
			state: func(t *testing.T) flow.State { return conversation(t, flowEng, host(), "hi", "Sam", "#pay") },
			event: flow.Event{Kind: flow.EventTimeout, Time: at},
		},
		{
			name:  "a resume",
			eng:   flowEng,
			state: func(t *testing.T) flow.State { return conversation(t, flowEng, host(), "hi", "Sam", "#human") },
			event: flow.Event{Kind: flow.EventResume, Time: at},
		},
		{
			name:  "a loop",
			eng:   flowEng,
			state: func(t *testing.T) flow.State { return conversation(t, flowEng, host(), "hi", "Sam") },
			event: message("#loop", at),
			fails: true,
		},
		{
			name:  "a result for another call",
			eng:   flowEng,
			state: func(t *testing.T) flow.State { return conversation(t, flowEng, host(), "hi", "Sam", "#lookup") },
			event: flow.Event{Kind: flow.EventResult, Time: at, Result: &flow.CallResult{ID: "lookup#9"}},
			fails: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := tt.state(t)
			first := tt.eng.Run(st, tt.event)
			second := tt.eng.Run(st, tt.event)
			if (first.Err != nil) != tt.fails {
				t.Fatalf("Err = %v, want an error: %v", first.Err, tt.fails)
			}
			if diff := cmp.Diff(first, second, ignoreErr); diff != "" {
				t.Errorf("the second run differs (-first +second):\n%s", diff)
			}
			if errText(first.Err) != errText(second.Err) {
				t.Errorf("Err: first %q, second %q", errText(first.Err), errText(second.Err))
			}
			if diff := cmp.Diff(tt.state(t), st); diff != "" {
				t.Errorf("Run modified its input state (-before +after):\n%s", diff)
			}
			if !tt.fails && cmp.Equal(st, first.State) {
				t.Errorf("the state did not move")
			}
		})
	}
}

func TestNewConversationStartsAtStart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		bot       string
		before    []string
		text      string
		blocks    []string
		messages  []string
		waitingAt string
		intent    string
	}{
		{
			name:      "the first message is seen but answers no input block",
			bot:       flowBot,
			text:      "yes please",
			blocks:    []string{"welcome", "ask_name"},
			messages:  []string{"You said yes please (intent agree).", "What is your name?"},
			waitingAt: "ask_name",
			intent:    "agree",
		},
		{
			name:      "a message after the end starts again",
			bot:       flowBot,
			before:    []string{"hi", "Sam", "no"},
			text:      "hello again",
			blocks:    []string{"welcome", "ask_name"},
			messages:  []string{"You said hello again (intent none).", "What is your name?"},
			waitingAt: "ask_name",
		},
		{
			name:      "pizza: an order intent does not take the menu route",
			bot:       pizzaBot,
			text:      "I want to order a pizza",
			blocks:    []string{"welcome", "menu"},
			messages:  []string{"Hi there! Welcome to Pizza Palace.", "What would you like?"},
			waitingAt: "menu",
			intent:    "order_pizza",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			eng := newEngine(t, tt.bot, flow.Options{})
			st := conversation(t, eng, flow.State{}, tt.before...)
			res := eng.Run(st, message(tt.text, t0.Add(time.Minute)))
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			if diff := cmp.Diff(tt.blocks, res.Trace.Blocks()); diff != "" {
				t.Errorf("blocks (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.messages, texts(res)); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
			if res.State.Status != flow.StatusInput || res.State.Block != tt.waitingAt {
				t.Errorf("waits at %q (%s), want %q (input)", res.State.Block, res.State.Status, tt.waitingAt)
			}
			if res.State.Last.Text != tt.text || res.State.Last.Intent != tt.intent {
				t.Errorf("Last = %+v, want text %q and intent %q", res.State.Last, tt.text, tt.intent)
			}
			for _, name := range []string{"name", "choice"} {
				if before, after := st.Vars[name], res.State.Vars[name]; after != before {
					t.Errorf("the message was saved as %s: %v before, %v after", name, before, after)
				}
			}
		})
	}
}

func TestKeywordRestartsFromAnyStatus(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, flowBot, flow.Options{})
	states := []struct {
		name   string
		texts  []string
		status flow.Status
	}{
		{"new", nil, flow.StatusNew},
		{"input", []string{"hi", "Sam"}, flow.StatusInput},
		{"ended", []string{"hi", "Sam", "no"}, flow.StatusEnded},
		{"callback", []string{"hi", "Sam", "#pay"}, flow.StatusCallback},
		{"call", []string{"hi", "Sam", "#lookup"}, flow.StatusCall},
	}
	for _, s := range states {
		for _, keyword := range []string{"#start", "#START", "  #Start \t\n"} {
			t.Run(s.name+"/"+strings.TrimSpace(keyword), func(t *testing.T) {
				t.Parallel()
				st := conversation(t, eng, flow.State{}, s.texts...)
				if st.Status != s.status {
					t.Fatalf("setup: status %q, want %q", st.Status, s.status)
				}
				st.Retries = 1
				res := eng.Run(st, message(keyword, t0.Add(time.Minute)))
				if res.Err != nil {
					t.Fatal(res.Err)
				}
				want := flow.Step{Kind: flow.StepKeyword, Detail: keyword, Goto: "welcome"}
				if diff := cmp.Diff(want, res.Trace[0]); diff != "" {
					t.Errorf("first step (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff([]string{"welcome", "ask_name"}, res.Trace.Blocks()); diff != "" {
					t.Errorf("blocks (-want +got):\n%s", diff)
				}
				got := res.State
				if got.Status != flow.StatusInput || got.Block != "ask_name" || got.Pending != nil || !got.Deadline.IsZero() || got.Retries != 0 {
					t.Errorf("state after the keyword: status %q, block %q, pending %v, deadline %v, retries %d; want input at ask_name with nothing pending",
						got.Status, got.Block, got.Pending, got.Deadline, got.Retries)
				}
			})
		}
	}
}

func TestPausedConversationAnswersNothing(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, flowBot, flow.Options{})
	st := conversation(t, eng, flow.State{}, "hi", "Sam", "#human")
	if st.Status != flow.StatusPaused || st.Block != "human" {
		t.Fatalf("setup: %q at %q, want paused at human", st.Status, st.Block)
	}
	at := t0.Add(time.Minute)
	for i, text := range []string{"hello?", "#start", "#human", "yes"} {
		at = at.Add(time.Second)
		res := eng.Run(st, message(text, at))
		if res.Err != nil {
			t.Fatalf("%q: %v", text, res.Err)
		}
		if len(res.Effects) != 0 {
			t.Errorf("%q: the bot answered %v", text, res.Effects)
		}
		want := flow.Trace{{Kind: flow.StepWait, Block: "human", Detail: "paused for a human: the bot does not answer"}}
		if diff := cmp.Diff(want, res.Trace); diff != "" {
			t.Errorf("%q: trace (-want +got):\n%s", text, diff)
		}
		if res.State.Status != flow.StatusPaused || res.State.Block != "human" {
			t.Errorf("%q: %q at %q, want paused at human", text, res.State.Status, res.State.Block)
		}
		last := res.State.Recent[len(res.State.Recent)-1]
		if res.State.Last.Text != text || last != (flow.Comment{From: "user", Text: text, Time: at}) {
			t.Errorf("%q: the message was not kept: last %q, recent %+v", text, res.State.Last.Text, last)
		}
		if i == 0 && res.State.Vars["not_understood_count"] != nil {
			t.Errorf("%q counted as not understood", text)
		}
		st = res.State
	}
	res := eng.Run(st, flow.Event{Kind: flow.EventResume, Time: at})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if diff := cmp.Diff([]string{"More, Sam?"}, texts(res)); diff != "" {
		t.Errorf("after the resume (-want +got):\n%s", diff)
	}
	if res.State.Status != flow.StatusInput || res.State.Block != "ask_more" {
		t.Errorf("after the resume: %q at %q, want input at ask_more", res.State.Status, res.State.Block)
	}
}

func TestMessageWhileWaitingForCallbackAnswersNothing(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, flowBot, flow.Options{})
	st := conversation(t, eng, flow.State{}, "hi", "Sam", "#pay")
	deadline := st.Deadline
	if st.Status != flow.StatusCallback || deadline.IsZero() {
		t.Fatalf("setup: %q with deadline %v, want callback with a deadline", st.Status, deadline)
	}
	res := eng.Run(st, message("are you there?", t0.Add(time.Minute)))
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if len(res.Effects) != 0 {
		t.Errorf("the bot answered %v", res.Effects)
	}
	want := flow.Trace{{Kind: flow.StepWait, Block: "pay", Detail: "waiting for a callback: the message is kept, the bot does not answer"}}
	if diff := cmp.Diff(want, res.Trace); diff != "" {
		t.Errorf("trace (-want +got):\n%s", diff)
	}
	if res.State.Status != flow.StatusCallback || res.State.Block != "pay" || !res.State.Deadline.Equal(deadline) {
		t.Errorf("%q at %q until %v, want callback at pay until %v", res.State.Status, res.State.Block, res.State.Deadline, deadline)
	}
	if res.State.Last.Text != "are you there?" {
		t.Errorf("Last.Text = %q, the message was not kept", res.State.Last.Text)
	}
	res = eng.Run(res.State, flow.Event{Kind: flow.EventCallback, Time: t0.Add(2 * time.Minute), Data: map[string]any{"status": "paid"}})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if diff := cmp.Diff(map[string]any{"status": "paid"}, res.State.Vars["payment"]); diff != "" {
		t.Errorf("payment (-want +got):\n%s", diff)
	}
	if res.State.Status != flow.StatusInput || res.State.Block != "ask_more" || !res.State.Deadline.IsZero() {
		t.Errorf("after the callback: %q at %q until %v, want input at ask_more", res.State.Status, res.State.Block, res.State.Deadline)
	}
}

func TestEventThatDoesNotFitTheStateIsAnError(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, flowBot, flow.Options{})
	at := t0.Add(time.Minute)
	tests := []struct {
		name   string
		texts  []string
		event  flow.Event
		noCall bool
		want   string
	}{
		{
			name:   "a result with another call id",
			texts:  []string{"hi", "Sam", "#lookup"},
			event:  flow.Event{Kind: flow.EventResult, Time: at, Result: &flow.CallResult{ID: "lookup#2", HTTP: &flow.HTTPResponse{Status: 200}}},
			noCall: true,
			want:   "no call is pending",
		},
		{
			name:   "a result without a result",
			texts:  []string{"hi", "Sam", "#lookup"},
			event:  flow.Event{Kind: flow.EventResult, Time: at},
			noCall: true,
			want:   "no call is pending",
		},
		{
			name:   "a result while waiting for input",
			texts:  []string{"hi", "Sam"},
			event:  flow.Event{Kind: flow.EventResult, Time: at, Result: &flow.CallResult{ID: "lookup#1"}},
			noCall: true,
			want:   "no call is pending",
		},
		{
			name:  "a time-out before the deadline",
			texts: []string{"hi", "Sam", "#pay"},
			event: flow.Event{Kind: flow.EventTimeout, Time: t0.Add(2*time.Second + 10*time.Minute - time.Nanosecond)},
			want:  `the wait in block "pay" has not timed out`,
		},
		{
			name:  "a time-out of a wait without a timeout",
			texts: []string{"hi", "Sam", "#pay_forever"},
			event: flow.Event{Kind: flow.EventTimeout, Time: t0.Add(24 * time.Hour)},
			want:  `the wait in block "pay_forever" has not timed out`,
		},
		{
			name:  "a time-out while waiting for input",
			texts: []string{"hi"},
			event: flow.Event{Kind: flow.EventTimeout, Time: at},
			want:  "no wait block is waiting",
		},
		{
			name:  "a callback while waiting for input",
			texts: []string{"hi"},
			event: flow.Event{Kind: flow.EventCallback, Time: at, Data: map[string]any{}},
			want:  "no wait block is waiting",
		},
		{
			name:  "a resume when not paused",
			texts: []string{"hi"},
			event: flow.Event{Kind: flow.EventResume, Time: at},
			want:  "the conversation is not paused",
		},
		{
			name:  "a message while a call is pending",
			texts: []string{"hi", "Sam", "#lookup"},
			event: message("hello?", at),
			want:  `a message came while the bot waits for a call from block "lookup"`,
		},
		{
			name:  "an unknown kind of event",
			texts: []string{"hi"},
			event: flow.Event{Kind: flow.EventKind(99), Time: at},
			want:  "unknown event kind 99",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := conversation(t, eng, flow.State{}, tt.texts...)
			res := eng.Run(st, tt.event)
			if errText(res.Err) != tt.want {
				t.Fatalf("Err = %v, want %q", res.Err, tt.want)
			}
			if errors.Is(res.Err, flow.ErrNoCall) != tt.noCall {
				t.Errorf("errors.Is(Err, ErrNoCall) = %v, want %v", !tt.noCall, tt.noCall)
			}
			if diff := cmp.Diff(conversation(t, eng, flow.State{}, tt.texts...), res.State); diff != "" {
				t.Errorf("the state changed (-before +after):\n%s", diff)
			}
			if len(res.Effects) != 0 {
				t.Errorf("effects %v, want none", res.Effects)
			}
			last := res.Trace[len(res.Trace)-1]
			if last.Kind != flow.StepError || last.Detail != tt.want {
				t.Errorf("last step %+v, want the error", last)
			}
		})
	}
}

func TestTimeoutAtTheDeadlineResumes(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, flowBot, flow.Options{})
	st := conversation(t, eng, flow.State{}, "hi", "Sam", "#pay")
	if want := t0.Add(2*time.Second + 10*time.Minute); !st.Deadline.Equal(want) {
		t.Fatalf("deadline %v, want the event time + 10m = %v", st.Deadline, want)
	}
	res := eng.Run(st, flow.Event{Kind: flow.EventTimeout, Time: st.Deadline})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if diff := cmp.Diff([]string{"Bye Sam, 0 more."}, texts(res)); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	if res.State.Status != flow.StatusEnded || !res.State.Deadline.IsZero() {
		t.Errorf("status %q, deadline %v; want ended with no deadline", res.State.Status, res.State.Deadline)
	}
}

func TestLoopWithoutInputEndsWithAnError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		maxSteps int
		want     string
	}{
		{
			name: "default limit",
			want: `the flow went through 200 blocks without waiting for the user: it loops through spin_a → spin_b → spin_a`,
		},
		{
			name:     "limit of 5",
			maxSteps: 5,
			want:     `the flow went through 5 blocks without waiting for the user: it loops through spin_b → spin_a → spin_b`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			eng := newEngine(t, flowBot, flow.Options{MaxSteps: tt.maxSteps})
			st := conversation(t, eng, flow.State{}, "hi", "Sam")
			res := eng.Run(st, message("#loop", t0.Add(time.Minute)))
			if errText(res.Err) != tt.want {
				t.Fatalf("Err = %v\nwant   %s", res.Err, tt.want)
			}
			if diff := cmp.Diff(conversation(t, eng, flow.State{}, "hi", "Sam"), res.State); diff != "" {
				t.Errorf("the state changed (-before +after):\n%s", diff)
			}
			if len(res.Effects) != 0 {
				t.Errorf("effects %v, want none", res.Effects)
			}
		})
	}
}

func TestLongFlowWithoutLoopNamesTheLastBlock(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, flowBot, flow.Options{MaxSteps: 1})
	res := eng.Run(flow.State{}, message("hi", t0))
	want := `the flow went through 1 blocks without waiting for the user; is there a loop? (last block "ask_name")`
	if errText(res.Err) != want {
		t.Fatalf("Err = %v\nwant   %s", res.Err, want)
	}
}
