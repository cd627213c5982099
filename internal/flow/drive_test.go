package flow_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/confab/confab/internal/flow"
)

// recorder is an Executor that answers calls with a function and records
// them, with the context each came with.
type recorder struct {
	answer func(n int, c *flow.Call) *flow.CallResult
	calls  []flow.Call
	ctxs   []context.Context
}

func (r *recorder) Execute(ctx context.Context, c *flow.Call) *flow.CallResult {
	r.calls = append(r.calls, *c)
	r.ctxs = append(r.ctxs, ctx)
	return r.answer(len(r.calls), c)
}

// jsonResult is a 200 answer with a JSON body.
func jsonResult(body string) *flow.CallResult {
	return &flow.CallResult{HTTP: &flow.HTTPResponse{
		Status: 200,
		Header: map[string][]string{"Content-Type": {"application/json"}},
		Body:   []byte(body),
	}}
}

// ctxKey marks the context a turn is driven with.
type ctxKey struct{}

func TestDriveRunsCallsInOrderAndFeedsResultsBack(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, callsBot, flow.Options{})
	var results []*flow.CallResult
	ex := &recorder{answer: func(n int, c *flow.Call) *flow.CallResult {
		var r *flow.CallResult
		switch c.HTTP.URL {
		case "https://api.example/first":
			r = jsonResult(`{"id": 7}`)
		case "https://api.example/second/7":
			r = jsonResult(`{"name": "Ada"}`)
		default:
			r = &flow.CallResult{Err: "unexpected call " + c.HTTP.URL}
		}
		results = append(results, r)
		return r
	}}
	ctx := context.WithValue(context.Background(), ctxKey{}, "turn")
	res := eng.Drive(ctx, flow.State{}, message("hi", t0), ex)
	if res.Err != nil {
		t.Fatalf("%v\n%s", res.Err, res.Trace)
	}
	wantCalls := []flow.Call{
		{ID: "first#1", Block: "first", Kind: "api", HTTP: &flow.HTTPRequest{Method: "GET", URL: "https://api.example/first", Header: [][2]string{}, Timeout: 10 * time.Second}},
		{ID: "second#2", Block: "second", Kind: "api", HTTP: &flow.HTTPRequest{Method: "GET", URL: "https://api.example/second/7", Header: [][2]string{}, Timeout: 10 * time.Second}},
	}
	if diff := cmp.Diff(wantCalls, ex.calls); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	for i, c := range ex.ctxs {
		if c.Value(ctxKey{}) != "turn" {
			t.Errorf("call %d did not get the turn's context", i+1)
		}
	}
	for i, r := range results {
		if r.ID != wantCalls[i].ID {
			t.Errorf("result %d has id %q, want %q", i+1, r.ID, wantCalls[i].ID)
		}
	}
	if diff := cmp.Diff([]string{"Got 7 and Ada."}, texts(res)); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	var kinds []string
	for _, e := range res.Effects {
		kinds = append(kinds, fmt.Sprintf("%T", e))
	}
	if diff := cmp.Diff([]string{"*flow.Call", "*flow.Call", "flow.Send", "flow.End"}, kinds); diff != "" {
		t.Errorf("effects (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"first", "second", "done"}, res.Trace.Blocks()); diff != "" {
		t.Errorf("blocks (-want +got):\n%s", diff)
	}
	if res.State.Status != flow.StatusEnded || res.State.Pending != nil || res.State.Calls != 2 {
		t.Errorf("state: status %q, pending %v, calls %d; want ended, nothing pending, 2 calls", res.State.Status, res.State.Pending, res.State.Calls)
	}
	if diff := cmp.Diff(map[string]any{"name": "Ada"}, res.State.Vars["second"].(map[string]any)["body"]); diff != "" {
		t.Errorf("second.body (-want +got):\n%s", diff)
	}
}

func TestDriveWithoutCallsIsRun(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, flowBot, flow.Options{})
	ex := &recorder{answer: func(int, *flow.Call) *flow.CallResult { t.Error("a call was made"); return nil }}
	driven := eng.Drive(context.Background(), flow.State{}, message("hi", t0), ex)
	run := eng.Run(flow.State{}, message("hi", t0))
	if diff := cmp.Diff(run, driven, ignoreErr); diff != "" {
		t.Errorf("Drive differs from Run (-run +drive):\n%s", diff)
	}
}

func TestDriveStopsAfterMaxCallsPerTurn(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, callsBot, flow.Options{})
	ex := &recorder{answer: func(n int, c *flow.Call) *flow.CallResult {
		return &flow.CallResult{Code: &flow.CodeResult{Vars: map[string]any{"count": n}}}
	}}
	res := eng.Drive(context.Background(), flow.State{}, message("#forever", t0), ex)
	if want := fmt.Sprintf("more than %d calls in one turn", flow.MaxCallsPerTurn); errText(res.Err) != want {
		t.Fatalf("Err = %v, want %q", res.Err, want)
	}
	if len(ex.calls) != flow.MaxCallsPerTurn {
		t.Errorf("%d calls were made, want %d", len(ex.calls), flow.MaxCallsPerTurn)
	}
	for i, c := range ex.calls {
		if want := fmt.Sprintf("forever#%d", i+1); c.ID != want || c.Code == nil || c.Code.Script != "vars.count = vars.count + 1" {
			t.Fatalf("call %d: id %q, code %+v; want %q with the script", i+1, c.ID, c.Code, want)
		}
	}
	st := res.State
	wantID := fmt.Sprintf("forever#%d", flow.MaxCallsPerTurn+1)
	if st.Status != flow.StatusCall || st.Pending == nil || st.Pending.ID != wantID || st.Vars["count"] != flow.MaxCallsPerTurn {
		t.Errorf("state: status %q, pending %+v, count %v; want the last good state, waiting for %s with count %d",
			st.Status, st.Pending, st.Vars["count"], wantID, flow.MaxCallsPerTurn)
	}
}

func TestDriveErrorKeepsTheLastGoodState(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, callsBot, flow.Options{MaxSteps: 10})
	ex := &recorder{answer: func(int, *flow.Call) *flow.CallResult {
		return &flow.CallResult{Code: &flow.CodeResult{Vars: map[string]any{"count": 1}}}
	}}
	res := eng.Drive(context.Background(), flow.State{}, message("#spin", t0), ex)
	want := "the flow went through 10 blocks without waiting for the user: it loops through spin_a → spin_b → spin_a"
	if errText(res.Err) != want {
		t.Fatalf("Err = %v\nwant   %s", res.Err, want)
	}
	st := res.State
	if st.Status != flow.StatusCall || st.Block != "spin_code" || st.Pending == nil || st.Pending.ID != "spin_code#1" || st.Vars["count"] != 0 {
		t.Errorf("state: %q at %q, pending %+v, count %v; want the state that waited for spin_code#1", st.Status, st.Block, st.Pending, st.Vars["count"])
	}
	if len(res.Effects) != 1 || res.Effects[0] != flow.Effect(st.Pending) {
		t.Errorf("effects %v, want the one call", res.Effects)
	}
}

func TestDriveAnswersAHostWithoutResult(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, callsBot, flow.Options{})
	ex := &recorder{answer: func(int, *flow.Call) *flow.CallResult { return nil }}
	res := eng.Drive(context.Background(), flow.State{}, message("hi", t0), ex)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if diff := cmp.Diff([]string{"Failed: internal: the host returned no result"}, texts(res)); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	if len(ex.calls) != 1 {
		t.Errorf("%d calls, want 1", len(ex.calls))
	}
}
