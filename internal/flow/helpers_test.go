package flow_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/confab/confab/internal/block"
	"github.com/confab/confab/internal/bot"
	"github.com/confab/confab/internal/flow"
)

// t0 is the time of the first event of every test conversation: a Monday
// morning.
var t0 = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// loadBot parses a bot file and fails the test on any error in it.
func loadBot(tb testing.TB, path string) *bot.Bot {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	b, ps := bot.Parse(filepath.Base(path), data, block.Builtin())
	if len(ps) > 0 {
		tb.Logf("%s:\n%v", path, ps)
	}
	if b == nil || ps.HasErrors() {
		tb.Fatalf("%s has errors:\n%v", path, ps)
	}
	return b
}

// newEngine builds an engine for a bot file with the built-in kinds.
func newEngine(tb testing.TB, path string, opts flow.Options) *flow.Engine {
	tb.Helper()
	eng, err := flow.New(loadBot(tb, path), block.Builtin(), opts)
	if err != nil {
		tb.Fatal(err)
	}
	return eng
}

// message is a user message event at time at.
func message(text string, at time.Time) flow.Event {
	return flow.Event{Kind: flow.EventMessage, Time: at, Text: text}
}

// conversation runs user messages one a second from t0 and returns the
// state after the last; every turn must succeed.
func conversation(tb testing.TB, eng *flow.Engine, st flow.State, texts ...string) flow.State {
	tb.Helper()
	for i, text := range texts {
		res := eng.Run(st, message(text, t0.Add(time.Duration(i)*time.Second)))
		if res.Err != nil {
			tb.Fatalf("message %q: %v\n%s", text, res.Err, res.Trace)
		}
		st = res.State
	}
	return st
}

// texts returns the texts of the messages a turn sends.
func texts(res flow.Result) []string {
	var out []string
	for _, m := range res.Messages() {
		out = append(out, m.Text)
	}
	return out
}
