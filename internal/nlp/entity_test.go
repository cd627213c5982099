package nlp

import (
	"reflect"
	"testing"
)

// shopEntities are the declared entities of the tests' pizza shop.
func shopEntities() []EntityDef {
	return []EntityDef{
		{Name: "size", Values: []ListValue{
			{Value: "small", Synonyms: []string{"s"}},
			{Value: "medium", Synonyms: []string{"m"}},
			{Value: "large", Synonyms: []string{"big"}},
			{Value: "xl", Synonyms: []string{"extra large", "XXL"}},
		}},
		{Name: "topping", Values: []ListValue{
			{Value: "pepperoni", Synonyms: []string{"salami"}},
			{Value: "mushroom", Synonyms: []string{"champignon"}},
		}},
		{Name: "order_id", Pattern: `\b[A-Z]{2}\d{4}\b`},
		{Name: "zip", Pattern: `\b\d{4}\b`},
	}
}

// ent is an Entity without its offsets, which the tests check apart.
type ent struct {
	name, text string
	value      any
}

// parseEntities parses in and returns its entities, checking their offsets.
func parseEntities(t *testing.T, m *Matcher, in string) []ent {
	t.Helper()
	var got []ent
	for _, e := range m.Parse(in, testNow).Entities {
		if in[e.Start:e.End] != e.Text {
			t.Errorf("%q: offsets [%d:%d] do not cover %q", in, e.Start, e.End, e.Text)
		}
		got = append(got, ent{e.Name, e.Text, e.Value})
	}
	return got
}

func TestListEntities(t *testing.T) {
	t.Parallel()
	m, err := New(nil, shopEntities(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in   string
		want []ent
	}{
		{"a large pizza", []ent{{"size", "large", "large"}}},
		{"Extra Large please", []ent{{"size", "Extra Large", "xl"}}},
		{"extra-large", []ent{{"size", "extra-large", "xl"}}},
		{"an extra, large", []ent{{"size", "large", "large"}}},
		{"XXL!", []ent{{"size", "XXL", "xl"}}},
		{"big and small", []ent{{"size", "big", "large"}, {"size", "small", "small"}}},
		{"big salami", []ent{{"size", "big", "large"}, {"topping", "salami", "pepperoni"}}},
		{"two mushrooms", []ent{{"number", "two", 2.0}, {"topping", "mushrooms", "mushroom"}}},
		{"bigger smaller", nil},
		{"size S or M", []ent{{"size", "S", "small"}, {"size", "M", "medium"}}},
		{"where's my order? I'm hungry", nil},
		{"EXTRA", nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			if got := parseEntities(t, m, tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q).Entities = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestRegexEntities(t *testing.T) {
	t.Parallel()
	m, err := New(nil, shopEntities(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in   string
		want []ent
	}{
		{"track AB1234 please", []ent{{"order_id", "AB1234", "AB1234"}}},
		{"ab1234", nil},
		{"AB12345", nil},
		// A pattern and a system entity on the same text: the declared one wins.
		{"1000 Brussels", []ent{{"zip", "1000", "1000"}}},
		{"AB1234 and CD5678", []ent{{"order_id", "AB1234", "AB1234"}, {"order_id", "CD5678", "CD5678"}}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			if got := parseEntities(t, m, tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q).Entities = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestSharedSynonym(t *testing.T) {
	t.Parallel()
	m, err := New(nil, []EntityDef{
		{Name: "drink", Values: []ListValue{{Value: "cola", Synonyms: []string{"coke"}}}},
		{Name: "brand", Values: []ListValue{{Value: "coca-cola", Synonyms: []string{"coke"}}}},
	}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []ent{{"drink", "coke", "cola"}}
	if got := parseEntities(t, m, "a coke"); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v: the entity declared first keeps a shared synonym", got, want)
	}
	// Extract looks at one entity, so the other still finds it.
	if e, ok := m.Extract("brand", "a coke", testNow); !ok || e.Value != "coca-cola" {
		t.Errorf("Extract(brand) = %v, %v, want coca-cola", e.Value, ok)
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   []match
		want []match
	}{
		{"empty", nil, nil},
		{
			"longest wins",
			[]match{{start: 0, end: 2, kind: kindNumber}, {start: 0, end: 5, kind: kindAmount}, {start: 6, end: 9, kind: kindTime}},
			[]match{{start: 0, end: 5, kind: kindAmount}, {start: 6, end: 9, kind: kindTime}},
		},
		{
			"same span: declared first",
			[]match{{start: 0, end: 4, kind: kindNumber}, {start: 0, end: 4, kind: kindRegex, ent: 1}},
			[]match{{start: 0, end: 4, kind: kindRegex, ent: 1}},
		},
		{
			"same length: leftmost",
			[]match{{start: 2, end: 6, kind: kindDate}, {start: 0, end: 4, kind: kindPhone}},
			[]match{{start: 0, end: 4, kind: kindPhone}},
		},
		{
			"many in a long text",
			[]match{{start: 100, end: 200, kind: kindURL}, {start: 150, end: 152, kind: kindNumber}, {start: 199, end: 201, kind: kindNumber}, {start: 200, end: 202, kind: kindNumber}, {start: 3000, end: 3001, kind: kindNumber}},
			[]match{{start: 100, end: 200, kind: kindURL}, {start: 200, end: 202, kind: kindNumber}, {start: 3000, end: 3001, kind: kindNumber}},
		},
		{
			"touching spans both stay",
			[]match{{start: 3, end: 6, kind: kindNumber}, {start: 0, end: 3, kind: kindNumber}},
			[]match{{start: 0, end: 3, kind: kindNumber}, {start: 3, end: 6, kind: kindNumber}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n := 0
			for _, x := range tt.in {
				n = max(n, x.end)
			}
			if got := resolve(tt.in, n); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("resolve = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestPhraseGap(t *testing.T) {
	t.Parallel()
	tests := map[string]bool{" ": true, "-": true, " - ": true, "": true, ", ": false, ". ": false, "\n": false}
	for gap, want := range tests {
		if got := phraseGap(gap); got != want {
			t.Errorf("phraseGap(%q) = %v, want %v", gap, got, want)
		}
	}
}

func TestMarkFree(t *testing.T) {
	t.Parallel()
	bits := make([]uint64, 3)
	steps := []struct {
		start, end int
		want       bool
	}{
		{10, 70, true},   // across a word boundary
		{69, 71, false},  // overlaps the end
		{70, 130, true},  // touches it, spans the next boundary
		{0, 10, true},    // touches the start
		{0, 192, false},  // overlaps everything
		{130, 192, true}, // the rest, to the last bit
		{191, 192, false},
	}
	for _, st := range steps {
		if got := markFree(bits, st.start, st.end); got != st.want {
			t.Errorf("markFree(%d, %d) = %v, want %v", st.start, st.end, got, st.want)
		}
	}
	for w, b := range bits {
		if b != ^uint64(0) {
			t.Errorf("word %d = %x, want all set", w, b)
		}
	}
}
