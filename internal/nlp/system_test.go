package nlp

import (
	"reflect"
	"slices"
	"testing"
	"time"
)

// testNow is the time every test parses at: a Sunday.
var testNow = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// extractCase is a text in which Extract must find an entity.
type extractCase struct {
	in    string
	text  string // the text of the entity; "" means all of in
	value any
}

// checkExtract checks that Extract finds entity in each of valid, with the
// expected text and value, and nothing in each of invalid.
func checkExtract(t *testing.T, entity string, valid []extractCase, invalid []string) {
	t.Helper()
	m, err := New(nil, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range valid {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			want := tt.text
			if want == "" {
				want = tt.in
			}
			e, ok := m.Extract(entity, tt.in, testNow)
			if !ok {
				t.Fatalf("Extract(%q, %q) found nothing, want %q", entity, tt.in, want)
			}
			if e.Name != entity || e.Text != want || tt.in[e.Start:e.End] != e.Text {
				t.Errorf("Extract(%q, %q) = %s %q [%d:%d], want %s %q", entity, tt.in, e.Name, e.Text, e.Start, e.End, entity, want)
			}
			if !reflect.DeepEqual(e.Value, tt.value) {
				t.Errorf("Extract(%q, %q) value = %#v, want %#v", entity, tt.in, e.Value, tt.value)
			}
		})
	}
	for _, in := range invalid {
		t.Run("not "+in, func(t *testing.T) {
			t.Parallel()
			if e, ok := m.Extract(entity, in, testNow); ok {
				t.Errorf("Extract(%q, %q) = %q (%#v), want nothing", entity, in, e.Text, e.Value)
			}
		})
	}
}

func TestSystemEntities(t *testing.T) {
	t.Parallel()
	got := SystemEntities()
	want := []string{"amount", "date", "duration", "email", "number", "phone", "time", "url"}
	if !slices.Equal(got, want) {
		t.Fatalf("SystemEntities() = %q, want %q", got, want)
	}
	if !slices.IsSorted(got) {
		t.Errorf("SystemEntities() is not sorted")
	}
	got[0] = "changed"
	if SystemEntities()[0] != "amount" {
		t.Errorf("SystemEntities shares its slice with callers")
	}
	for _, name := range want {
		k, ok := systemKind(name)
		if !ok || k.name() != name || k.term() != "@"+name {
			t.Errorf("systemKind(%q) = %v, %v; name %q, term %q", name, k, ok, k.name(), k.term())
		}
	}
	for _, name := range []string{"", "size", "Number", "list"} {
		if isSystem(name) {
			t.Errorf("isSystem(%q) = true", name)
		}
	}
}

func TestSystemOverlaps(t *testing.T) {
	t.Parallel()
	m, err := New(nil, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	type ent struct {
		name, text string
		value      any
	}
	tests := []struct {
		in   string
		want []ent
	}{
		{"Pay €12.50 at 2pm", []ent{{"amount", "€12.50", map[string]any{"value": 12.5, "currency": "EUR"}}, {"time", "2pm", "14:00"}}},
		{"for 10 minutes on 22/11/2026", []ent{{"duration", "10 minutes", 600.0}, {"date", "22/11/2026", "2026-11-22"}}},
		{"call +32 470 12 34 56 about 3 pizzas", []ent{{"phone", "+32 470 12 34 56", "+32470123456"}, {"number", "3", 3.0}}},
		{"2026-11-22 14:30", []ent{{"date", "2026-11-22", "2026-11-22"}, {"time", "14:30", "14:30"}}},
		{"22 November 2026 at noon", []ent{{"date", "22 November 2026", "2026-11-22"}, {"time", "noon", "12:00"}}},
		{"mail bob@example.com or https://x.org/a@b", []ent{{"email", "bob@example.com", "bob@example.com"}, {"url", "https://x.org/a@b", "https://x.org/a@b"}}},
		{"2 pizzas and 3 cokes", []ent{{"number", "2", 2.0}, {"number", "3", 3.0}}},
		{"2026-11-22 2026-11-23", []ent{{"date", "2026-11-22", "2026-11-22"}, {"date", "2026-11-23", "2026-11-23"}}},
		{"call 0470 12 34 56 22/11/2026", []ent{{"phone", "0470 12 34 56", "0470123456"}, {"date", "22/11/2026", "2026-11-22"}}},
		{"5.22 1234567", []ent{{"number", "5.22", 5.22}, {"number", "1234567", 1234567.0}}},
		{"nothing here", nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			var got []ent
			for _, e := range m.Parse(tt.in, testNow).Entities {
				if tt.in[e.Start:e.End] != e.Text {
					t.Errorf("%q: offsets [%d:%d] do not cover %q", tt.in, e.Start, e.End, e.Text)
				}
				got = append(got, ent{e.Name, e.Text, e.Value})
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q).Entities = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func BenchmarkScanSystem(b *testing.B) {
	in := "Hi, can I get 2 extra large pepperoni pizzas delivered tomorrow at 7pm?"
	toks := tokenize(nil, in)
	var buf [16]match
	b.ReportAllocs()
	for b.Loop() {
		scanSystem(buf[:0], in, toks, testNow, kindNone)
	}
}
