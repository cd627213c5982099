package flow_test

import (
	"os"
	"testing"
	"time"

	"github.com/confab/confab/internal/block"
	"github.com/confab/confab/internal/bot"
	"github.com/confab/confab/internal/flow"
)

// BenchmarkTurn measures one engine turn of the pizza bot: the answer
// "large" to the ask_size input block is validated as the size entity,
// saved, and the next input block (ask_qty) sends its prompt and waits.
func BenchmarkTurn(b *testing.B) {
	data, err := os.ReadFile("../../bots/pizza.yaml")
	if err != nil {
		b.Fatal(err)
	}
	kinds := block.Builtin()
	bt, ps := bot.Parse("pizza.yaml", data, kinds)
	if bt == nil || ps.HasErrors() {
		b.Fatalf("pizza.yaml: %v", ps)
	}
	eng, err := flow.New(bt, kinds, flow.Options{})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	var st flow.State
	for _, text := range []string{"hi", "I want to order a pizza", "salami"} {
		res := eng.Run(st, flow.Event{Kind: flow.EventMessage, Time: now, Text: text})
		if res.Err != nil {
			b.Fatalf("%q: %v", text, res.Err)
		}
		st = res.State
	}
	if st.Status != flow.StatusInput || st.Block != "ask_size" {
		b.Fatalf("setup: the conversation waits at %q (%s), not at ask_size", st.Block, st.Status)
	}
	ev := flow.Event{Kind: flow.EventMessage, Time: now, Text: "large"}
	res := eng.Run(st, ev)
	if res.Err != nil || res.State.Block != "ask_qty" || res.State.Vars["size"] != "large" {
		b.Fatalf("the turn went wrong: block %q, size %v, err %v\n%s", res.State.Block, res.State.Vars["size"], res.Err, res.Trace)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		eng.Run(st, ev)
	}
}
