package nlp

import (
	"slices"
	"testing"
)

func TestTokenize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", nil},
		{"punctuation only", "?!...", nil},
		{"case and punctuation", "Where's my ORDER?", []string{"where", "s", "my", "order"}},
		{"digits kept", "2 pizzas at 12.50", []string{"2", "pizzas", "at", "12", "50"}},
		{"letters and digits together", "2pm A4", []string{"2pm", "a4"}},
		{"accents", "Crème BRÛLÉE", []string{"crème", "brûlée"}},
		{"combining mark inside a word", "cre\u0300me", []string{"cre\u0300me"}},
		{"lower-casing changes length", "İstanbul", []string{"istanbul"}},
		{"emoji is a word", "👍great", []string{"👍", "great"}},
		{"other scripts", "Привет мир", []string{"привет", "мир"}},
		{"invalid UTF-8 is skipped", "a\xffb \xd2", []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, tok := range tokenize(nil, tt.in) {
				got = append(got, tok.low)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("tokenize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestTokenizeOffsets(t *testing.T) {
	t.Parallel()
	in := "Hi İstanbul, 👍 ok"
	want := []string{"Hi", "İstanbul", "👍", "ok"}
	toks := tokenize(nil, in)
	if len(toks) != len(want) {
		t.Fatalf("got %d tokens, want %d", len(toks), len(want))
	}
	for k, tok := range toks {
		if got := in[tok.start:tok.end]; got != want[k] {
			t.Errorf("token %d covers %q, want %q", k, got, want[k])
		}
	}
}

func TestTokenizeAppends(t *testing.T) {
	t.Parallel()
	toks := tokenize(nil, "One")
	toks = tokenize(toks, "TWO three")
	var got []string
	for _, tok := range toks {
		got = append(got, tok.low)
	}
	if want := []string{"one", "two", "three"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestStem(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"pizzas":  "pizza",
		"minutes": "minute",
		"orders":  "order",
		"ones":    "one",
		"yes":     "yes",
		"is":      "is",
		"this":    "this",
		"status":  "status",
		"glass":   "glass",
		"pizza":   "pizza",
		"s":       "s",
	}
	for in, want := range tests {
		if got := stem(in); got != want {
			t.Errorf("stem(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIsStopword(t *testing.T) {
	t.Parallel()
	tests := map[string]bool{
		"i": true, "a": true, "the": true, "to": true, "s": true, "my": true,
		"pizza": false, "no": false, "not": false, "where": false, "what": false, "please": false,
	}
	for w, want := range tests {
		if got := isStopword(w); got != want {
			t.Errorf("isStopword(%q) = %v, want %v", w, got, want)
		}
	}
}

func BenchmarkTokenize(b *testing.B) {
	var buf [32]token
	b.ReportAllocs()
	for b.Loop() {
		tokenize(buf[:0], "Hi, can I get 2 extra large pepperoni pizzas delivered tomorrow at 7pm?")
	}
}

func TestIsClitic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		word int // index of the word to check
		want bool
	}{
		{"where's my order", 1, true},
		{"I’m hungry", 1, true},
		{"we'll see", 1, true},
		{"size s", 1, false},
		{"'s", 0, false},
		{"9's", 1, false},
		{"it's", 0, false},
		{"o'neil", 1, false},
	}
	for _, tt := range tests {
		toks := tokenize(nil, tt.in)
		if got := isClitic(tt.in, toks[tt.word]); got != tt.want {
			t.Errorf("isClitic(%q, %q) = %v, want %v", tt.in, toks[tt.word].low, got, tt.want)
		}
	}
}
