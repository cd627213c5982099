package nlp_test

import (
	"fmt"
	"time"

	"github.com/confab/confab/internal/nlp"
)

func ExampleParser() {
	m, err := nlp.New([]nlp.Intent{
		{Name: "order_pizza", Examples: []string{"I want to order a pizza", "can I get a large pepperoni"}},
		{Name: "greet", Examples: []string{"hi", "hello"}},
	}, []nlp.EntityDef{
		{Name: "size", Values: []nlp.ListValue{{Value: "large", Synonyms: []string{"big"}}}},
	}, nlp.Options{})
	if err != nil {
		panic(err)
	}
	var p nlp.Parser = m
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	r := p.Parse("Can I get a big pepperoni tomorrow at 7pm?", now)
	fmt.Printf("%s %.2f\n", r.Intent, r.Confidence)
	for _, e := range r.Entities {
		fmt.Printf("%s %q = %v\n", e.Name, e.Text, e.Value)
	}
	// Output:
	// order_pizza 0.81
	// size "big" = large
	// date "tomorrow" = 2026-11-23
	// time "7pm" = 19:00
}
