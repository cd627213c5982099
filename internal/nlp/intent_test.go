package nlp

import (
	"math"
	"slices"
	"testing"
)

// specIntents are the intents of the pizza bot the brief describes.
func specIntents() []Intent {
	return []Intent{
		{Name: "order_pizza", Examples: []string{"I want to order a pizza", "can I get a large pepperoni", "pizza please"}},
		{Name: "track_order", Examples: []string{"where is my order", "track my pizza", "order status"}},
		{Name: "greet", Examples: []string{"hi", "hello", "good morning"}},
	}
}

// newSpecBot returns a matcher for specIntents and a size entity.
func newSpecBot(t testing.TB, opts Options) *Matcher {
	t.Helper()
	m, err := New(specIntents(), []EntityDef{
		{Name: "size", Values: []ListValue{{Value: "large", Synonyms: []string{"big"}}, {Value: "xl", Synonyms: []string{"extra large"}}}},
	}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// checkResult checks the invariants of every Result.
func checkResult(t *testing.T, in string, r Result, threshold float64) {
	t.Helper()
	if len(r.Alternatives) > 3 {
		t.Errorf("%q: %d alternatives, want at most 3", in, len(r.Alternatives))
	}
	if !slices.IsSortedFunc(r.Alternatives, func(a, b IntentScore) int { return -cmpFloat(a.Confidence, b.Confidence) }) {
		t.Errorf("%q: alternatives not sorted best first: %v", in, r.Alternatives)
	}
	for _, a := range r.Alternatives {
		if a.Confidence <= 0 || a.Confidence > 1 {
			t.Errorf("%q: confidence of %s is %v, want in (0, 1]", in, a.Intent, a.Confidence)
		}
	}
	switch {
	case r.Intent == "" && r.Confidence != 0:
		t.Errorf("%q: no intent but confidence %v", in, r.Confidence)
	case r.Intent != "" && (len(r.Alternatives) == 0 || r.Alternatives[0] != IntentScore{r.Intent, r.Confidence}):
		t.Errorf("%q: intent %s %v is not the first alternative of %v", in, r.Intent, r.Confidence, r.Alternatives)
	case r.Intent != "" && r.Confidence < threshold:
		t.Errorf("%q: intent %s below the threshold: %v", in, r.Intent, r.Confidence)
	case r.Intent == "" && len(r.Alternatives) > 0 && r.Alternatives[0].Confidence >= threshold:
		t.Errorf("%q: no intent although %v reaches the threshold", in, r.Alternatives[0])
	}
}

// cmpFloat compares two confidences.
func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestIntents(t *testing.T) {
	t.Parallel()
	m := newSpecBot(t, Options{})
	tests := []struct {
		in       string
		want     string
		min, max float64 // bounds of the confidence
	}{
		{"I want a pizza", "order_pizza", 0.7, 0.95},
		{"where's my order?", "track_order", 0.7, 0.95},
		{"hello there", "greet", 0.7, 0.95},
		{"what is the weather", "", 0, 0},
		{"Pizza, please!", "order_pizza", 1, 1},
		{"HELLO", "greet", 1, 1},
		{"  good   Morning!! ", "greet", 1, 1},
		{"pizzas please", "order_pizza", 1, 1},
		{"can I get a big pepperoni", "order_pizza", 0.95, 0.95},
		{"track my order", "track_order", 0.6, 0.95},
		{"", "", 0, 0},
		{"?!", "", 0, 0},
		{"xyzzy", "", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			r := m.Parse(tt.in, testNow)
			checkResult(t, tt.in, r, DefaultThreshold)
			if r.Intent != tt.want || r.Confidence < tt.min || r.Confidence > tt.max {
				t.Errorf("Parse(%q) = %q %v (alternatives %v), want %q in [%v, %v]",
					tt.in, r.Intent, r.Confidence, r.Alternatives, tt.want, tt.min, tt.max)
			}
		})
	}
}

func TestIntentFormula(t *testing.T) {
	t.Parallel()
	m := newSpecBot(t, Options{})
	ix := &m.ix
	// Three intents have examples.
	n := 3.0
	weight := func(key string) float64 {
		t.Helper()
		id, ok := ix.vocab[key]
		if !ok {
			t.Fatalf("%q is not in the vocabulary", key)
		}
		return ix.weights[id]
	}
	tests := []struct {
		key  string
		want float64
	}{
		{"want", 1 + math.Log(n/1)},              // order_pizza only
		{"pizza", 1 + math.Log(n/2)},             // order_pizza and track_order
		{"order", 1 + math.Log(n/2)},             // likewise
		{"i", stopWeight * (1 + math.Log(n/1))},  // a stopword
		{"my", stopWeight * (1 + math.Log(n/1))}, // a stopword
		{"@size", 1 + math.Log(n/1)},             // "large" in "can I get a large pepperoni"
	}
	for _, tt := range tests {
		if got := weight(tt.key); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("w(%q) = %v, want %v", tt.key, got, tt.want)
		}
	}
	if _, ok := ix.vocab["large"]; ok {
		t.Errorf("the entity mention \"large\" should be the term @size")
	}
	if weight("want") <= weight("pizza") || weight("pizza") <= weight("i") {
		t.Errorf("rare words should weigh more than common ones and stopwords")
	}

	// "I want a pizza" against "I want to order a pizza" by hand.
	wi, wwant, wa, wpizza, wto, worder := weight("i"), weight("want"), weight("a"), weight("pizza"), weight("to"), weight("order")
	q := wi + wwant + wa + wpizza
	e := wi + wwant + wto + worder + wa + wpizza
	want := inexact * 2 * q / (q + e) // all of q's terms are in e
	if r := m.Parse("I want a pizza", testNow); math.Abs(r.Confidence-want) > 1e-12 {
		t.Errorf("confidence = %v, want %v", r.Confidence, want)
	}

	// A word no example has weighs 1, times 1/4 for a stopword: "hello there" against "hello".
	whello := weight("hello")
	unknownStop := stopWeight * 1.0
	want = inexact * 2 * whello / (whello + unknownStop + whello)
	if r := m.Parse("hello there", testNow); math.Abs(r.Confidence-want) > 1e-12 {
		t.Errorf("confidence = %v, want %v", r.Confidence, want)
	}
}

func TestIntentThreshold(t *testing.T) {
	t.Parallel()
	tests := []struct {
		threshold float64
		want      string
	}{
		{0, "order_pizza"}, // the default, 0.5
		{0.5, "order_pizza"},
		{0.9, ""},
		{1, ""},
	}
	for _, tt := range tests {
		m := newSpecBot(t, Options{Threshold: tt.threshold})
		r := m.Parse("I want a pizza", testNow)
		if r.Intent != tt.want {
			t.Errorf("threshold %v: intent %q, want %q", tt.threshold, r.Intent, tt.want)
		}
		if len(r.Alternatives) == 0 || r.Alternatives[0].Intent != "order_pizza" {
			t.Errorf("threshold %v: alternatives %v, want order_pizza first", tt.threshold, r.Alternatives)
		}
		checkResult(t, "I want a pizza", r, m.threshold)
	}
}

func TestIntentEntityTerms(t *testing.T) {
	t.Parallel()
	m, err := New([]Intent{
		{Name: "choose_size", Examples: []string{"a large one"}},
		{Name: "book", Examples: []string{"book a table for 4 at 8pm"}},
		{Name: "other", Examples: []string{"something else entirely"}},
	}, []EntityDef{{Name: "size", Values: []ListValue{{Value: "large", Synonyms: []string{"big"}}}}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in   string
		want string
		conf float64
	}{
		{"a big one", "choose_size", inexact},              // "a @size @number" both sides
		{"A large one.", "choose_size", 1},                 // exact
		{"book a table for 2 at 7:30 pm", "book", inexact}, // @number and @time
		{"Book a table for four at 8pm!", "book", inexact}, // "four" is @number too
		{"book a table for 4 at 8pm", "book", 1},           // exact
	}
	for _, tt := range tests {
		r := m.Parse(tt.in, testNow)
		if r.Intent != tt.want || math.Abs(r.Confidence-tt.conf) > 1e-12 {
			t.Errorf("Parse(%q) = %q %v, want %q %v", tt.in, r.Intent, r.Confidence, tt.want, tt.conf)
		}
	}
}

func TestIntentTiesAndLimits(t *testing.T) {
	t.Parallel()
	m, err := New([]Intent{
		{Name: "silent"},
		{Name: "yes_a", Examples: []string{"yes"}},
		{Name: "yes_b", Examples: []string{"yes"}},
		{Name: "yes_c", Examples: []string{"yes please"}},
		{Name: "yes_d", Examples: []string{"yes thanks a lot"}},
	}, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := m.Parse("yes", testNow)
	checkResult(t, "yes", r, DefaultThreshold)
	if r.Intent != "yes_a" || r.Confidence != 1 {
		t.Errorf("intent %q %v, want yes_a 1: a tie goes to the intent declared first", r.Intent, r.Confidence)
	}
	var names []string
	for _, a := range r.Alternatives {
		names = append(names, a.Intent)
	}
	if want := []string{"yes_a", "yes_b", "yes_c"}; !slices.Equal(names, want) {
		t.Errorf("alternatives %q, want %q", names, want)
	}
	if r := m.Parse("nothing matches", testNow); r.Intent != "" || r.Alternatives != nil {
		t.Errorf("Parse(nothing matches) = %+v, want no intent and no alternatives", r)
	}
}

func TestHashWord(t *testing.T) {
	t.Parallel()
	h := func(words ...string) uint64 {
		v := uint64(fnvOffset)
		for _, w := range words {
			v = hashWord(v, w)
		}
		return v
	}
	if h("ab", "c") == h("a", "bc") {
		t.Errorf("word boundaries do not change the hash")
	}
	if h("pizza", "please") == h("please", "pizza") {
		t.Errorf("word order does not change the hash")
	}
}
