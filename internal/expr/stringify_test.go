package expr

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestStringify(t *testing.T) {
	t.Parallel()
	type label string
	var nilPtr *int
	tenth, fifth := 0.1, 0.2
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"nil", nil, ""},
		{"string", "hi there", "hi there"},
		{"empty string", "", ""},
		{"true", true, "true"},
		{"false", false, "false"},
		{"int", 42, "42"},
		{"negative int", -7, "-7"},
		{"int64", int64(1) << 40, "1099511627776"},
		{"uint8", uint8(255), "255"},
		{"integral float", 3.0, "3"},
		{"large integral float", 1234567.0, "1234567"},
		{"order number from JSON", float64(100234), "100234"},
		{"float", 0.75, "0.75"},
		{"float sum", tenth + fifth, "0.30000000000000004"},
		{"negative float", -2.5, "-2.5"},
		{"tiny float", 1e-7, "1e-7"},
		{"huge float", 1e21, "1e+21"},
		{"just below huge", 1e20, "100000000000000000000"},
		{"negative zero", math.Copysign(0, -1), "0"},
		{"float32", float32(0.1), "0.1"},
		{"nan", math.NaN(), "NaN"},
		{"inf", math.Inf(1), "+Inf"},
		{"time", time.Date(2024, 3, 1, 9, 5, 0, 0, time.UTC), "2024-03-01T09:05:00Z"},
		{"time with zone", time.Date(2024, 3, 1, 9, 5, 0, 0, time.FixedZone("", 3600)), "2024-03-01T09:05:00+01:00"},
		{"weekday", time.Tuesday, "Tuesday"},
		{"duration", 90 * time.Second, "1m30s"},
		{"slice", []any{1, "a", 2.5, nil, true}, `[1,"a",2.5,null,true]`},
		{"empty slice", []any{}, "[]"},
		{"nil slice", []any(nil), "[]"},
		{"typed slice", []string{"x", "y"}, `["x","y"]`},
		{"map sorted", map[string]any{"b": 1, "a": []any{2.0}, "c": map[string]any{"z": 1, "y": 2}}, `{"a":[2],"b":1,"c":{"y":2,"z":1}}`},
		{"nil map", map[string]any(nil), "{}"},
		{"no html escaping", map[string]any{"q": "<a&b>"}, `{"q":"<a&b>"}`},
		{"array", [2]int{1, 2}, "[1,2]"},
		{"bytes", []byte("raw"), "raw"},
		{"non-JSON map", map[bool]int{true: 1}, "map[true:1]"},
		{"NaN in slice", []float64{math.NaN()}, "[NaN]"},
		{"nil pointer", nilPtr, ""},
		{"named string", label("vip"), "vip"},
		{"struct", struct{ A int }{1}, "{1}"},
	}
	for _, tt := range tests {
		if got := Stringify(tt.v); got != tt.want {
			t.Errorf("%s: Stringify(%#v) = %q, want %q", tt.name, tt.v, got, tt.want)
		}
	}
}

func TestAppendValueMatchesStringify(t *testing.T) {
	t.Parallel()
	values := []any{nil, "s", 12, int64(-3), 2.0, 0.125, 1e-9, true, false, []any{1}, map[string]any{"k": "v"}}
	for _, v := range values {
		var b strings.Builder
		appendValue(&b, v)
		if got, want := b.String(), Stringify(v); got != want {
			t.Errorf("appendValue(%#v) = %q, Stringify = %q", v, got, want)
		}
	}
}
