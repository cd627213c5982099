package expr

import (
	"reflect"
	"testing"
	"time"
)

// profile is a value with methods, reached through a map.
type profile struct{ Name string }

// Greeting returns a greeting for the profile.
func (p profile) Greeting(prefix string) string { return prefix + " " + p.Name }

func TestNilSafeAccess(t *testing.T) {
	t.Parallel()
	env := map[string]any{
		"user": map[string]any{
			"profile": profile{Name: "Ada"},
			"tags":    []any{"vip"},
			"none":    nil,
		},
		"now": time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC),
	}
	tests := []struct {
		src  string
		want any
	}{
		{`user.profile.Name`, "Ada"},
		{`user.profile.Greeting("hi")`, "hi Ada"},
		{`user.profile?.Greeting("hi")`, "hi Ada"},
		{`user.tags[0]`, "vip"},
		{`user.tags[0] == "vip"`, true},
		{`user.none.deeper.still`, nil},
		{`user.none?.deeper`, nil},
		{`user.missing[0].name`, nil},
		{`user.missing.Greeting("hi")`, nil},
		{`ghost.Greeting("hi") ?? "no one"`, "no one"},
		{`ghost.a.b.c ?? ghost.d ?? "fallback"`, "fallback"},
		{`now.Add(duration("90m")).Hour()`, 11},
		{`(user.none ?? user).profile.Name`, "Ada"},
		{`map([user, ghost], .profile?.Name)`, []any{"Ada", nil}},
		{`user.none == nil`, true},
		{`ghost.x != nil`, false},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			p, err := Compile(tt.src)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			got, err := p.Eval(env)
			if err != nil {
				t.Fatalf("Eval: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Eval = %#v, want %#v", got, tt.want)
			}
		})
	}
}
