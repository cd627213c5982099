package expr

import (
	"math"
	"testing"
	"time"
)

func TestTruthy(t *testing.T) {
	t.Parallel()
	var nilPtr *int
	one := 1
	tests := []struct {
		name string
		v    any
		want bool
	}{
		{"nil", nil, false},
		{"false", false, false},
		{"true", true, true},
		{"int zero", 0, false},
		{"int", 3, true},
		{"int64 zero", int64(0), false},
		{"int8", int8(-1), true},
		{"uint zero", uint(0), false},
		{"uint", uint16(2), true},
		{"float zero", 0.0, false},
		{"negative zero", math.Copysign(0, -1), false},
		{"float", 0.5, true},
		{"float32 zero", float32(0), false},
		{"empty string", "", false},
		{"string", "0", true},
		{"empty slice", []any{}, false},
		{"nil slice", []string(nil), false},
		{"slice", []int{0}, true},
		{"empty array", [0]int{}, false},
		{"empty map", map[string]any{}, false},
		{"map", map[string]any{"a": nil}, true},
		{"typed empty map", map[int]bool{}, false},
		{"nil pointer", nilPtr, false},
		{"pointer", &one, true},
		{"zero duration", time.Duration(0), false},
		{"sunday", time.Sunday, false},
		{"monday", time.Monday, true},
		{"zero time", time.Time{}, true},
		{"struct", struct{}{}, true},
	}
	for _, tt := range tests {
		if got := truthy(tt.v); got != tt.want {
			t.Errorf("%s: truthy(%#v) = %v, want %v", tt.name, tt.v, got, tt.want)
		}
	}
}
