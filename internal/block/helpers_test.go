package block_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/confab/confab/internal/block"
	"github.com/confab/confab/internal/bot"
	"github.com/confab/confab/internal/flow"
)

// t0 is the time of the first event of every test conversation: Monday 5
// January 2026, 9:00 UTC.
var t0 = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// testEnv and testSecrets are what every test engine is given.
var (
	testEnv     = map[string]string{"SHOP_URL": "https://shop.example", "ORDERS_URL": "https://orders.example"}
	testSecrets = map[string]string{"TOKEN": "t0ken"}
)

// newEngine parses testdata/<name> with the built-in kinds and builds an
// engine for it; any error in the file fails the test.
func newEngine(tb testing.TB, name string, opts flow.Options) *flow.Engine {
	tb.Helper()
	path := filepath.Join("testdata", name)
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	kinds := block.Builtin()
	b, ps := bot.Parse(name, data, kinds)
	if b == nil || ps.HasErrors() {
		tb.Fatalf("%s has errors:\n%v", path, ps)
	}
	if opts.Env == nil {
		opts.Env = testEnv
	}
	if opts.Secrets == nil {
		opts.Secrets = testSecrets
	}
	eng, err := flow.New(b, kinds, opts)
	if err != nil {
		tb.Fatal(err)
	}
	return eng
}

// message is a user message event at t0 + s seconds.
func message(text string, s int) flow.Event {
	return flow.Event{Kind: flow.EventMessage, Time: t0.Add(time.Duration(s) * time.Second), Text: text}
}

// run runs one event; the turn must not fail.
func run(tb testing.TB, eng *flow.Engine, st flow.State, ev flow.Event) flow.Result {
	tb.Helper()
	res := eng.Run(st, ev)
	if res.Err != nil {
		tb.Fatalf("the turn failed: %v\n%s", res.Err, res.Trace)
	}
	return res
}

// conversation runs user messages one a second from t0 and returns the
// result of the last.
func conversation(tb testing.TB, eng *flow.Engine, st flow.State, texts ...string) flow.Result {
	tb.Helper()
	var res flow.Result
	for i, text := range texts {
		res = run(tb, eng, st, message(text, i))
		st = res.State
	}
	return res
}

// texts returns the texts of the messages a turn sends.
func texts(res flow.Result) []string {
	var out []string
	for _, m := range res.Messages() {
		out = append(out, m.Text)
	}
	return out
}

// pendingCall returns the call a turn waits for and fails the test when
// there is none.
func pendingCall(tb testing.TB, res flow.Result) *flow.Call {
	tb.Helper()
	c := res.Call()
	if c == nil {
		tb.Fatalf("the turn asks for no call; it is %q at %q\n%s", res.State.Status, res.State.Block, res.Trace)
	}
	return c
}

// answer feeds a call result back for the call the state waits for.
func answer(tb testing.TB, eng *flow.Engine, st flow.State, r *flow.CallResult) flow.Result {
	tb.Helper()
	if st.Pending == nil {
		tb.Fatal("no call is pending")
	}
	r.ID = st.Pending.ID
	return run(tb, eng, st, flow.Event{Kind: flow.EventResult, Time: t0.Add(time.Minute), Result: r})
}

// httpResult is an HTTP answer with a content type (none when ct is "").
func httpResult(status int, ct, body string) *flow.CallResult {
	h := map[string][]string{}
	if ct != "" {
		h["Content-Type"] = []string{ct}
	}
	return &flow.CallResult{HTTP: &flow.HTTPResponse{Status: status, Header: h, Body: []byte(body)}}
}

// sam is what the host knows of the test user and conversation.
func sam() flow.State {
	return flow.State{
		User: map[string]any{
			"id": 42, "name": "Sam", "email": "sam@example.com", "value": 100,
			"custom": map[string]any{"tier": "gold"},
		},
		Conversation: map[string]any{
			"id": "c1", "project": "p1", "organisation": "o1", "shareToken": "st1",
		},
		Channel: "web",
	}
}
