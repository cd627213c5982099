package jsbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/confab/confab/internal/flow"
	"github.com/confab/confab/internal/jsbox"
)

// BenchmarkRun measures a trivial script, each run in a fresh runtime:
// start, prelude, script, read-back, close.
func BenchmarkRun(b *testing.B) {
	box := jsbox.New(jsbox.Config{MaxRuns: -1})
	c := &flow.Call{ID: "calc#1", Block: "calc", Kind: "code", Code: &flow.CodeRequest{
		Script:  `vars.total = vars.qty * 9.5; if (vars.total > 20) say("Free delivery!")`,
		Timeout: time.Second,
		Vars:    map[string]any{"qty": 3},
	}}
	b.ReportAllocs()
	for b.Loop() {
		res := box.Run(context.Background(), c, nil)
		if res.Err != "" || res.Code.Vars["total"] != 28.5 {
			b.Fatalf("result %+v", res)
		}
	}
}
