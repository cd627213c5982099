package expr

import (
	"reflect"
	"testing"
)

func TestNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src  string
		want []string
	}{
		{`user.name ?? size`, []string{"size", "user"}},
		{`1 + 2`, []string{}},
		{`filter(items, # > 1)`, []string{"items"}},
		{`filter(items, # > limit)`, []string{"items", "limit"}},
		{`map(orders, .total * rate)`, []string{"orders", "rate"}},
		{`reduce(items, #acc + # + #index, 0)`, []string{"items"}},
		{`lower(input) contains "pizza"`, []string{"input"}},
		{`let n = count * 2; n + extra`, []string{"count", "extra"}},
		{`let n = n; n`, []string{"n"}}, // the value reads the outer n
		{`user[key]`, []string{"key", "user"}},
		{`a ? b : c`, []string{"a", "b", "c"}},
		{`{x: y, "k": z}`, []string{"y", "z"}},
		{`[a, a, b]`, []string{"a", "b"}},
		{`items[lo:hi]`, []string{"hi", "items", "lo"}},
		{`now.Hour() > 9`, []string{"now"}},
		{`$env.size + $env["qty"]`, []string{"qty", "size"}},
		{`custom(x)`, []string{"custom", "x"}},
		{`x | upper()`, []string{"x"}},
		// Variables may be named like builtins; calls are not names.
		{`count + max`, []string{"count", "max"}},
		{`max(count, 10) + len(items)`, []string{"count", "items"}},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			p, err := Compile(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			got := p.Names()
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Names = %q, want %q", got, tt.want)
			}
			if len(got) > 0 {
				got[0] = "changed"
				if p.Names()[0] == "changed" {
					t.Error("Names shares its slice with the Program")
				}
			}
		})
	}
}
