package block_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/confab/confab/internal/flow"
)

func TestWaitSetsCallbackURLThenSendsItsMessages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		callback func(st *flow.State, id string) string
		url      string
	}{
		{name: "default callback URL", url: "confab:callback/pay#1"},
		{
			name: "the host's callback URL",
			callback: func(st *flow.State, id string) string {
				return "https://confab.example/callbacks/" + st.Conversation["id"].(string) + "/" + id
			},
			url: "https://confab.example/callbacks/c1/pay#1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			eng := newEngine(t, "wait.yaml", flow.Options{CallbackURL: tt.callback})
			res := run(t, eng, sam(), message("hi", 0))
			want := []flow.Effect{
				flow.Wait{Block: "pay", Deadline: t0.Add(10 * time.Minute)},
				flow.Send{Block: "pay", Message: flow.Message{
					Text:    "Pay here:",
					Buttons: []flow.Button{{Title: "Pay now", URL: "https://pay.example/?cb=" + tt.url}},
				}},
			}
			if diff := cmp.Diff(want, res.Effects); diff != "" {
				t.Errorf("effects (-want +got):\n%s", diff)
			}
			if got := res.State.Vars["callback_url"]; got != tt.url {
				t.Errorf("callback_url = %v, want %s", got, tt.url)
			}
			st := res.State
			if st.Status != flow.StatusCallback || st.Block != "pay" || !st.Deadline.Equal(t0.Add(10*time.Minute)) {
				t.Errorf("%q at %q until %v, want callback at pay until t0+10m", st.Status, st.Block, st.Deadline)
			}
			wait := flow.Step{Kind: flow.StepWait, Block: "pay", Detail: "waiting for the callback " + tt.url}
			if diff := cmp.Diff(wait, res.Trace[1]); diff != "" {
				t.Errorf("wait step (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWaitCallbackSavesItsData(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "wait.yaml", flow.Options{})
	asked := run(t, eng, flow.State{}, message("hi", 0)).State
	data := map[string]any{"status": "paid", "amount": 23.5}
	res := run(t, eng, asked, flow.Event{Kind: flow.EventCallback, Time: t0.Add(time.Minute), Data: data})
	if diff := cmp.Diff(data, res.State.Vars["payment"]); diff != "" {
		t.Errorf("payment (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Paid: paid"}, texts(res)); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	if res.Trace[0] != (flow.Step{Kind: flow.StepResult, Block: "pay", Detail: "the callback came"}) {
		t.Errorf("first step %+v, want the callback's result", res.Trace[0])
	}
	if res.State.Status != flow.StatusEnded || !res.State.Deadline.IsZero() {
		t.Errorf("%q until %v, want ended with no deadline", res.State.Status, res.State.Deadline)
	}
}

func TestWaitTimeout(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "wait.yaml", flow.Options{})
	tests := []struct {
		keyword string
		after   time.Duration
		effects []flow.Effect
	}{
		{"#pay", 10 * time.Minute, []flow.Effect{
			flow.Send{Block: "expired", Message: flow.Message{Text: "Expired."}},
			flow.End{Block: "expired"},
		}},
		{"#bare", time.Hour, []flow.Effect{flow.End{Block: "bare"}}},
	}
	for _, tt := range tests {
		t.Run(tt.keyword, func(t *testing.T) {
			t.Parallel()
			asked := run(t, eng, flow.State{}, message(tt.keyword, 0)).State
			res := run(t, eng, asked, flow.Event{Kind: flow.EventTimeout, Time: t0.Add(tt.after)})
			if diff := cmp.Diff(tt.effects, res.Effects); diff != "" {
				t.Errorf("effects (-want +got):\n%s", diff)
			}
			if res.Trace[0].Kind != flow.StepResult || res.Trace[0].Detail != "the wait timed out" {
				t.Errorf("first step %+v, want the time-out", res.Trace[0])
			}
			if res.State.Status != flow.StatusEnded || !res.State.Deadline.IsZero() {
				t.Errorf("%q until %v, want ended with no deadline", res.State.Status, res.State.Deadline)
			}
		})
	}
}

func TestWaitWithoutTimeoutHasNoDeadline(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "wait.yaml", flow.Options{})
	res := run(t, eng, flow.State{}, message("#forever", 0))
	want := []flow.Effect{flow.Wait{Block: "forever"}}
	if diff := cmp.Diff(want, res.Effects); diff != "" {
		t.Errorf("effects (-want +got):\n%s", diff)
	}
	if !res.State.Deadline.IsZero() || res.State.Vars["callback_url"] != "confab:callback/forever#1" {
		t.Errorf("deadline %v, callback_url %v; want none and confab:callback/forever#1", res.State.Deadline, res.State.Vars["callback_url"])
	}
	done := run(t, eng, res.State, flow.Event{Kind: flow.EventCallback, Time: t0.Add(48 * time.Hour), Data: "ok"})
	if diff := cmp.Diff([]string{"Paid: unknown"}, texts(done)); diff != "" {
		t.Errorf("after the callback (-want +got):\n%s", diff)
	}
}

func TestWaitCallsAreNumbered(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "wait.yaml", flow.Options{})
	res := conversation(t, eng, flow.State{}, "hi", "#forever", "#pay")
	if got := res.State.Vars["callback_url"]; got != "confab:callback/pay#3" {
		t.Errorf("callback_url = %v, want the third call's confab:callback/pay#3", got)
	}
}
