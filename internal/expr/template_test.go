package expr

import (
	"errors"
	"reflect"
	"testing"
)

func TestTemplateRender(t *testing.T) {
	t.Parallel()
	env := map[string]any{
		"name":     "Ada",
		"order_no": float64(100234),
		"total":    12.5,
		"qty":      3,
		"user":     map[string]any{"address": map[string]any{"city": "Oslo"}},
		"toppings": []any{"ham", "olives"},
		"prefs":    map[string]any{"size": "large", "crust": "thin"},
	}
	tests := []struct {
		src  string
		want string
	}{
		{"Hello!", "Hello!"},
		{"", ""},
		{"Hi {{ name }}!", "Hi Ada!"},
		{"Hi {{name}}", "Hi Ada"},
		{"{{ name }}", "Ada"},
		{"Order {{ order_no }} costs {{ total }} for {{ qty }} items", "Order 100234 costs 12.5 for 3 items"},
		{"Delivering to {{ user.address.city }}.", "Delivering to Oslo."},
		{"Zip: {{ user.address.zip }}.", "Zip: ."},
		{"Hi {{ nickname ?? name }}", "Hi Ada"},
		{"Hi {{ user.name ?? 'there' }}", "Hi there"},
		{"{{ toppings }}", `["ham","olives"]`},
		{"{{ prefs }}", `{"crust":"thin","size":"large"}`},
		{"{{ join(toppings, ', ') }} on {{ prefs.crust }}", "ham, olives on thin"},
		{"{{ qty * 2 }}{{ qty > 2 }}", "6true"},
		{"{{ total / 5 }}", "2.5"},
		{"{{ qty / 3 }}", "1"}, // division gives the float 1.0
		{"Braces }} alone are text {{ name }}", "Braces }} alone are text Ada"},
		{`Literal {{ "{{" }} x }}`, "Literal {{ x }}"},
		{"Multi\nline {{\n  name\n}}", "Multi\nline Ada"},
		{"{{ {a: 1}.a }}", "1"}, // the first }} closes, but this has none inside
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			tpl, err := CompileTemplate(tt.src)
			if err != nil {
				t.Fatalf("CompileTemplate: %v", err)
			}
			got, err := tpl.Render(env)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if got != tt.want {
				t.Errorf("Render = %q, want %q", got, tt.want)
			}
			if tpl.Source() != tt.src {
				t.Errorf("Source = %q, want %q", tpl.Source(), tt.src)
			}
		})
	}
}

func TestTemplateStatic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src    string
		static bool
	}{
		{"", true},
		{"Hello there", true},
		{"only }} closing", true},
		{"{{ x }}", false},
		{"a {{ x }} b", false},
	}
	for _, tt := range tests {
		tpl, err := CompileTemplate(tt.src)
		if err != nil {
			t.Fatalf("%q: %v", tt.src, err)
		}
		if tpl.Static() != tt.static {
			t.Errorf("%q: Static = %v, want %v", tt.src, tpl.Static(), tt.static)
		}
	}
}

// TestStaticRenderDoesNotAllocate is not parallel: testing.AllocsPerRun
// refuses to run in a parallel test.
func TestStaticRenderDoesNotAllocate(t *testing.T) {
	tpl, err := CompileTemplate("Welcome to Pizza Planet! How can I help?")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]any{"x": 1}
	allocs := testing.AllocsPerRun(100, func() {
		s, err := tpl.Render(env)
		if err != nil || s != tpl.Source() {
			t.Fatalf("Render = %q, %v", s, err)
		}
	})
	if allocs != 0 {
		t.Errorf("static Render allocates %v times, want 0", allocs)
	}
}

func TestTemplateValue(t *testing.T) {
	t.Parallel()
	env := map[string]any{
		"order_no": float64(100234),
		"qty":      3,
		"ok":       true,
		"items":    []any{"a"},
		"name":     "Ada",
	}
	tests := []struct {
		src  string
		want any
	}{
		{"{{ order_no }}", float64(100234)},
		{"  {{ qty }}\n", 3},
		{"{{qty + 1}}", 4},
		{"{{ ok }}", true},
		{"{{ items }}", []any{"a"}},
		{"{{ missing }}", nil},
		{"#{{ order_no }}", "#100234"},
		{"{{ qty }}{{ qty }}", "33"},
		{"{{ qty }} items", "3 items"},
		{"plain", "plain"},
		{"Hi {{ name }}", "Hi Ada"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			tpl, err := CompileTemplate(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tpl.Value(env)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Value = %#v (%T), want %#v (%T)", got, got, tt.want, tt.want)
			}
		})
	}
}

func TestTemplateNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src  string
		want []string
	}{
		{"static", []string{}},
		{"{{ b }} and {{ a.x ?? c }} and {{ b }}", []string{"a", "b", "c"}},
		{"{{ filter(items, # > min) }}", []string{"items", "min"}},
	}
	for _, tt := range tests {
		tpl, err := CompileTemplate(tt.src)
		if err != nil {
			t.Fatalf("%q: %v", tt.src, err)
		}
		if got := tpl.Names(); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: Names = %q, want %q", tt.src, got, tt.want)
		}
	}
}

func TestTemplateCompileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src    string
		offset int
		msg    string
	}{
		{"Hi {{ name", 3, "unterminated {{: missing }}"},
		{"{{ a }} then {{ b", 13, "unterminated {{: missing }}"},
		{"Hi {{ }}!", 3, "empty expression in {{ }}"},
		{"Hi {{}}!", 3, "empty expression in {{ }}"},
		{"Hi {{ a + ) }}", 10, `unexpected token ")"`},
		{"Hi {{ a }}, {{ b + }}", 19, "unexpected end of expression"},
		{"é {{ x y }}", 8, `unexpected token "y"`},
		{"{{ now() }}", 3, "now() is not available: use the variable now"},
		{`{{ "}}" }}`, 4, `literal not terminated`},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			tpl, err := CompileTemplate(tt.src)
			if err == nil {
				t.Fatalf("CompileTemplate = %v, want an error", tpl)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T %v is not an *Error", err, err)
			}
			if e.Offset != tt.offset || e.Msg != tt.msg {
				t.Errorf("got offset %d msg %q, want offset %d msg %q", e.Offset, e.Msg, tt.offset, tt.msg)
			}
		})
	}
}

func TestTemplateRunErrors(t *testing.T) {
	t.Parallel()
	tpl, err := CompileTemplate("Try {{ attempts + 1 }} of 3")
	if err != nil {
		t.Fatal(err)
	}
	for _, call := range []func() (any, error){
		func() (any, error) { return tpl.Render(nil) },
		func() (any, error) { return tpl.Value(nil) },
	} {
		v, err := call()
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("got %v, %v; want an *Error", v, err)
		}
		if e.Offset != 16 || e.Msg != "invalid operation: <nil> + int" {
			t.Errorf("got offset %d msg %q", e.Offset, e.Msg)
		}
	}
	single, err := CompileTemplate("{{ items[3] }}")
	if err != nil {
		t.Fatal(err)
	}
	_, err = single.Value(map[string]any{"items": []any{1}})
	var e *Error
	if !errors.As(err, &e) || e.Offset != 8 {
		t.Errorf("Value error = %v, want an *Error at offset 8", err)
	}
}

func BenchmarkRenderTemplate(b *testing.B) {
	tpl, err := CompileTemplate("Thanks {{ user.name ?? 'there' }}! Your {{ size }} pizza (order {{ order_no }}) costs {{ total }}.")
	if err != nil {
		b.Fatal(err)
	}
	env := map[string]any{
		"user":     map[string]any{"name": "Ada"},
		"size":     "large",
		"order_no": float64(100234),
		"total":    12.5,
	}
	b.ReportAllocs()
	for b.Loop() {
		s, err := tpl.Render(env)
		if err != nil || len(s) == 0 {
			b.Fatal(s, err)
		}
	}
}

func BenchmarkRenderStaticTemplate(b *testing.B) {
	tpl, err := CompileTemplate("Welcome to Pizza Planet! How can I help?")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tpl.Render(nil); err != nil {
			b.Fatal(err)
		}
	}
}
