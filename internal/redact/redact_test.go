package redact_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/confab/confab/internal/redact"
)

func TestStringReplacesEverySecret(t *testing.T) {
	t.Parallel()
	s := redact.New([]string{"tok", "", "s3cr3t-tok", "tok"})
	for in, want := range map[string]string{
		"":                                      "",
		"nothing to hide":                       "nothing to hide",
		"GET https://x.example/?key=s3cr3t-tok": "GET https://x.example/?key=[redacted]",
		"tok and tok":                           "[redacted] and [redacted]",
	} {
		if got := s.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNoSecretsReplaceNothing(t *testing.T) {
	t.Parallel()
	var none *redact.Secrets = redact.New([]string{"", ""})
	if none != nil {
		t.Fatalf("New of empty values = %v, want nil", none)
	}
	if got := none.String("tok"); got != "tok" {
		t.Errorf("nil String = %q", got)
	}
	v := map[string]any{"a": "tok"}
	if got := none.Value(v); !cmp.Equal(got, v) {
		t.Errorf("nil Value = %v", got)
	}
}

func TestValueRedactsNestedValuesWithoutChangingThem(t *testing.T) {
	t.Parallel()
	s := redact.New([]string{"pw"})
	in := map[string]any{
		"plain":  "x",
		"n":      3.5,
		"ok":     true,
		"nil":    nil,
		"list":   []any{"pw", 1, map[string]any{"deep": "a pw b"}},
		"pw-key": "v",
		"words":  []string{"pw", "y"},
		"when":   time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
	}
	want := map[string]any{
		"plain":          "x",
		"n":              3.5,
		"ok":             true,
		"nil":            nil,
		"list":           []any{"[redacted]", 1, map[string]any{"deep": "a [redacted] b"}},
		"[redacted]-key": "v",
		"words":          []any{"[redacted]", "y"},
		"when":           "2026-01-02T03:04:05Z",
	}
	if diff := cmp.Diff(want, s.Value(in)); diff != "" {
		t.Errorf("Value mismatch (-want +got):\n%s", diff)
	}
	if in["list"].([]any)[0] != "pw" || in["pw-key"] != "v" {
		t.Errorf("Value changed its argument: %v", in)
	}
}

func TestStringReplacesJSONFormsOfHTMLCharacters(t *testing.T) {
	t.Parallel()
	s := redact.New([]string{"a<b>&c"})
	for _, in := range []string{"a<b>&c", `a\u003cb\u003e\u0026c`} {
		if got := s.String("x " + in); got != "x [redacted]" {
			t.Errorf("String(%q) = %q", in, got)
		}
	}
}
