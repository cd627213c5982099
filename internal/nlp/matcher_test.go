package nlp

import (
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"
)

func TestNewErrors(t *testing.T) {
	t.Parallel()
	list := []ListValue{{Value: "large"}}
	tests := []struct {
		name     string
		intents  []Intent
		entities []EntityDef
		opts     Options
		want     string // a part of the error
	}{
		{"bad pattern", nil, []EntityDef{{Name: "code", Pattern: "[a-"}}, Options{}, `entity "code": bad pattern`},
		{"values and pattern", nil, []EntityDef{{Name: "size", Values: list, Pattern: "x"}}, Options{}, `entity "size": set values or pattern`},
		{"neither", nil, []EntityDef{{Name: "size"}}, Options{}, `entity "size": has neither`},
		{"entity without name", nil, []EntityDef{{Values: list}}, Options{}, "entity #1 has no name"},
		{"entity twice", nil, []EntityDef{{Name: "size", Values: list}, {Name: "size", Values: list}}, Options{}, `entity "size" is declared twice`},
		{"system name", nil, []EntityDef{{Name: "number", Values: list}}, Options{}, `entity "number": the name is taken`},
		{"empty value", nil, []EntityDef{{Name: "size", Values: []ListValue{{Value: " "}}}}, Options{}, `entity "size": value #1 is empty`},
		{"synonym without words", nil, []EntityDef{{Name: "size", Values: []ListValue{{Value: "large", Synonyms: []string{"!!"}}}}}, Options{}, `entity "size": value "large": synonym "!!" has no words`},
		{"intent without name", []Intent{{Examples: []string{"hi"}}}, nil, Options{}, "intent #1 has no name"},
		{"intent twice", []Intent{{Name: "greet"}, {Name: "greet"}}, nil, Options{}, `intent "greet" is declared twice`},
		{"example without words", []Intent{{Name: "greet", Examples: []string{"hi", "..."}}}, nil, Options{}, `intent "greet": example "..." has no words`},
		{"negative threshold", nil, nil, Options{Threshold: -0.1}, "threshold -0.1 is outside 0..1"},
		{"threshold above 1", nil, nil, Options{Threshold: 1.5}, "threshold 1.5 is outside 0..1"},
		{"NaN threshold", nil, nil, Options{Threshold: math.NaN()}, "threshold NaN is outside 0..1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := New(tt.intents, tt.entities, tt.opts)
			if err == nil {
				t.Fatalf("New succeeded, want an error containing %q", tt.want)
			}
			if m != nil {
				t.Errorf("New returned a matcher with its error")
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "nlp: ") {
				t.Errorf("New error %q, want it to start with \"nlp: \" and contain %q", err, tt.want)
			}
		})
	}
}

func TestNewEmpty(t *testing.T) {
	t.Parallel()
	m, err := New(nil, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.threshold != DefaultThreshold {
		t.Errorf("threshold %v, want %v", m.threshold, DefaultThreshold)
	}
	r := m.Parse("hello, it's 5pm", testNow)
	if r.Intent != "" || r.Alternatives != nil || len(r.Entities) != 1 || r.Entities[0].Value != "17:00" {
		t.Errorf("Parse on an empty bot = %+v, want only the time", r)
	}
}

// newShopBot returns the matcher of the tests' pizza shop.
func newShopBot(t testing.TB) *Matcher {
	t.Helper()
	m, err := New(append(specIntents(), Intent{Name: "book", Examples: []string{"book a table for 4 tomorrow at 8pm"}}), shopEntities(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestParse(t *testing.T) {
	t.Parallel()
	m := newShopBot(t)
	in := "Hi! I want 2 big pepperoni pizzas tomorrow at 7pm for €25, order AB1234, call 0470 12 34 56"
	r := m.Parse(in, testNow)
	want := []Entity{
		{Name: "number", Value: 2.0, Text: "2", Start: 11, End: 12},
		{Name: "size", Value: "large", Text: "big", Start: 13, End: 16},
		{Name: "topping", Value: "pepperoni", Text: "pepperoni", Start: 17, End: 26},
		{Name: "date", Value: "2026-11-23", Text: "tomorrow", Start: 34, End: 42},
		{Name: "time", Value: "19:00", Text: "7pm", Start: 46, End: 49},
		{Name: "amount", Value: map[string]any{"value": 25.0, "currency": "EUR"}, Text: "€25", Start: 54, End: 59},
		{Name: "order_id", Value: "AB1234", Text: "AB1234", Start: 67, End: 73},
		{Name: "phone", Value: "0470123456", Text: "0470 12 34 56", Start: 80, End: 93},
	}
	if !reflect.DeepEqual(r.Entities, want) {
		t.Errorf("entities:\n got %+v\nwant %+v", r.Entities, want)
	}
	for _, e := range r.Entities {
		if in[e.Start:e.End] != e.Text {
			t.Errorf("%s: offsets [%d:%d] do not cover %q", e.Name, e.Start, e.End, e.Text)
		}
	}
	if r.Intent != "" {
		t.Errorf("intent %q %v for a long mixed message, want none", r.Intent, r.Confidence)
	}
	checkResult(t, in, r, DefaultThreshold)

	// Other numbers, dates and times than the example's: only "on" differs.
	r = m.Parse("Book a table for 6 on Friday at 20:30", testNow)
	if r.Intent != "book" || r.Confidence < 0.9 || r.Confidence >= inexact {
		t.Errorf("intent %q %v, want book in [0.9, %v)", r.Intent, r.Confidence, inexact)
	}
}

func TestParseIsDeterministicAndConcurrent(t *testing.T) {
	t.Parallel()
	m := newShopBot(t)
	inputs := []string{
		"I want a large pepperoni pizza",
		"where's my order AB1234?",
		"hello",
		"book for 4 on 22/11/2026 at 8pm, 2 hours, €40",
		"mail bob@example.com or call +32 470 12 34 56",
	}
	want := make([]Result, len(inputs))
	for i, in := range inputs {
		want[i] = m.Parse(in, testNow)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Go(func() {
			for k := 0; k < 50; k++ {
				i := (g + k) % len(inputs)
				if got := m.Parse(inputs[i], testNow); !reflect.DeepEqual(got, want[i]) {
					t.Errorf("Parse(%q) changed: %+v, want %+v", inputs[i], got, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestParseLongInput(t *testing.T) {
	t.Parallel()
	m := newShopBot(t)
	// Past every buffer Parse keeps on the stack.
	tests := []struct {
		unit string
		n    int
		name string
		at   int // offset of the entity in unit
	}{
		{"1 ", 3000, "number", 0},
		{"big ", 3000, "size", 0},
		{"2026-11-22 ", 1000, "date", 0},
		{"(1)", 3000, "number", 1},
	}
	for _, tt := range tests {
		in := strings.Repeat(tt.unit, tt.n)
		r := m.Parse(in, testNow)
		if len(r.Entities) != tt.n {
			t.Fatalf("%q × %d: %d entities, want %d", tt.unit, tt.n, len(r.Entities), tt.n)
		}
		for i, e := range r.Entities {
			if e.Name != tt.name || e.Start != i*len(tt.unit)+tt.at {
				t.Fatalf("%q × %d: entity %d is %+v", tt.unit, tt.n, i, e)
			}
		}
	}
}

func TestExtract(t *testing.T) {
	t.Parallel()
	m := newShopBot(t)
	tests := []struct {
		entity, in string
		ok         bool
		text       string
		value      any
	}{
		{"size", "an extra large one", true, "extra large", "xl"},
		{"size", "a BIG one and a small one", true, "BIG", "large"},
		{"size", "no size here", false, "", nil},
		{"topping", "large mushrooms", true, "mushrooms", "mushroom"},
		{"order_id", "it is XY9876.", true, "XY9876", "XY9876"},
		{"order_id", "it is xy9876", false, "", nil},
		{"number", "10 minutes", true, "10", 10.0},
		{"number", "at 2pm", false, "", nil},
		{"email", "Bob@Example.com", true, "Bob@Example.com", "bob@example.com"},
		{"date", "see you Monday", true, "Monday", "2026-11-23"},
		{"time", "see you Monday", false, "", nil},
		{"unknown", "large", false, "", nil},
		{"", "large", false, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.entity+" in "+tt.in, func(t *testing.T) {
			t.Parallel()
			e, ok := m.Extract(tt.entity, tt.in, testNow)
			if ok != tt.ok {
				t.Fatalf("Extract(%q, %q) ok = %v, want %v (%+v)", tt.entity, tt.in, ok, tt.ok, e)
			}
			if !ok {
				if !reflect.DeepEqual(e, Entity{}) {
					t.Errorf("Extract returned %+v with false", e)
				}
				return
			}
			if e.Name != tt.entity || e.Text != tt.text || tt.in[e.Start:e.End] != e.Text || !reflect.DeepEqual(e.Value, tt.value) {
				t.Errorf("Extract(%q, %q) = %+v, want %s %q %#v", tt.entity, tt.in, e, tt.entity, tt.text, tt.value)
			}
		})
	}
}

func TestHas(t *testing.T) {
	t.Parallel()
	m := newShopBot(t)
	tests := map[string]bool{
		"size": true, "topping": true, "order_id": true,
		"number": true, "email": true, "phone": true, "url": true,
		"date": true, "time": true, "amount": true, "duration": true,
		"colour": false, "": false, "Size": false, "@size": false,
	}
	for name, want := range tests {
		if got := m.Has(name); got != want {
			t.Errorf("Has(%q) = %v, want %v", name, got, want)
		}
	}
}

// newBenchBot returns a bot of 5 intents of 5 examples and 2 list entities.
func newBenchBot(tb testing.TB) *Matcher {
	tb.Helper()
	m, err := New([]Intent{
		{Name: "order_pizza", Examples: []string{"I want to order a pizza", "can I get a large pepperoni", "pizza please", "I'd like two margheritas", "order a medium pizza for delivery"}},
		{Name: "track_order", Examples: []string{"where is my order", "track my pizza", "order status", "how long until my food arrives", "is my delivery on its way"}},
		{Name: "greet", Examples: []string{"hi", "hello", "good morning", "hey there", "good evening"}},
		{Name: "opening_hours", Examples: []string{"when are you open", "what are your opening hours", "are you open on sunday", "what time do you close", "opening times"}},
		{Name: "cancel", Examples: []string{"cancel my order", "I don't want it anymore", "stop the order", "please cancel", "forget it"}},
	}, []EntityDef{
		{Name: "size", Values: []ListValue{
			{Value: "small", Synonyms: []string{"little"}},
			{Value: "medium", Synonyms: []string{"regular", "normal"}},
			{Value: "large", Synonyms: []string{"big"}},
			{Value: "xl", Synonyms: []string{"extra large", "family size"}},
		}},
		{Name: "pizza", Values: []ListValue{
			{Value: "margherita", Synonyms: []string{"cheese pizza"}},
			{Value: "pepperoni", Synonyms: []string{"salami"}},
			{Value: "hawaiian", Synonyms: []string{"ham and pineapple"}},
			{Value: "vegetarian", Synonyms: []string{"veggie"}},
		}},
	}, Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// benchMessage is a realistic chat turn with five entities.
const benchMessage = "Hi, can I get 2 extra large pepperoni pizzas delivered tomorrow at 7pm?"

func TestParseAllocs(t *testing.T) {
	// Not parallel: AllocsPerRun counts the allocations of the whole program.
	m := newBenchBot(t)
	// Entities (1), their boxed values (number 1, date 2, time 2), the
	// lower-cased words (1) and the alternatives (1).
	const limit = 8
	if n := testing.AllocsPerRun(100, func() { m.Parse(benchMessage, testNow) }); n > limit {
		t.Errorf("Parse allocates %v times, want at most %d", n, limit)
	}
	if n := testing.AllocsPerRun(100, func() { m.Parse("where is my order", testNow) }); n > 1 {
		t.Errorf("Parse of a short lower-case message allocates %v times, want at most 1", n)
	}
}

func BenchmarkParse(b *testing.B) {
	m := newBenchBot(b)
	if r := m.Parse(benchMessage, testNow); r.Intent != "order_pizza" || len(r.Entities) != 5 {
		b.Fatalf("unexpected result %+v", r)
	}
	b.ReportAllocs()
	for b.Loop() {
		m.Parse(benchMessage, testNow)
	}
}

func BenchmarkParseShort(b *testing.B) {
	m := newBenchBot(b)
	b.ReportAllocs()
	for b.Loop() {
		m.Parse("where is my order", testNow)
	}
}

func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		newBenchBot(b)
	}
}

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		benchMessage,
		"€12.50 and 12,50 EUR, $5, call +32 (0)470 12 34 56",
		"2026-11-22 22/11/26 Nov. 3rd, 2027 at 8.30 a.m. for 1h30",
		"mail Jane.Doe@Example.COM or see https://x.org/a_(b)).",
		"İstanbul 👍🏽 cre\u0300me -4 1,000.5 twelve",
		"\xff\xfe invalid utf-8 \xc3",
	} {
		f.Add(seed)
	}
	m := newShopBot(f)
	f.Fuzz(func(t *testing.T, in string) {
		r := m.Parse(in, testNow)
		end := 0
		for _, e := range r.Entities {
			if e.Start < end || e.End <= e.Start || e.End > len(in) || in[e.Start:e.End] != e.Text {
				t.Fatalf("Parse(%q): bad or overlapping entity %+v", in, e)
			}
			if !m.Has(e.Name) || e.Value == nil {
				t.Fatalf("Parse(%q): entity %+v has an unknown name or no value", in, e)
			}
			end = e.End
		}
		checkResult(t, in, r, DefaultThreshold)
		for _, name := range SystemEntities() {
			if e, ok := m.Extract(name, in, testNow); ok && in[e.Start:e.End] != e.Text {
				t.Fatalf("Extract(%s, %q): bad offsets %+v", name, in, e)
			}
		}
	})
}
