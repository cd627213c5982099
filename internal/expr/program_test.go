package expr

import (
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// monday10 is Monday 2024-01-01, 10:30 UTC.
var monday10 = time.Date(2024, 1, 1, 10, 30, 0, 0, time.UTC)

// botEnv is an environment like the one a chat turn evaluates against.
func botEnv() map[string]any {
	return map[string]any{
		"intent":     "order_pizza",
		"input":      "I want a PIZZA please",
		"size":       "large",
		"confidence": 0.83,
		"attempts":   float64(2), // numbers decoded from JSON are float64
		"count":      3,
		"entities":   []any{map[string]any{"type": "topping", "value": "ham"}},
		"items":      []any{1, 2, 3},
		"user":       map[string]any{"first": "Ada", "address": map[string]any{"city": "Oslo"}},
		"now":        monday10,
	}
}

func TestEval(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src  string
		env  map[string]any
		want any
	}{
		{`intent == "order_pizza"`, botEnv(), true},
		{`intent == "greet"`, botEnv(), false},
		{`size in ["small","large"]`, botEnv(), true},
		{`size in ["small","medium"]`, botEnv(), false},
		{`lower(input) contains "pizza"`, botEnv(), true},
		{`input contains "pizza"`, botEnv(), false},
		{`len(entities) > 0`, botEnv(), true},
		{`len(entities) > 0`, map[string]any{"entities": []any{}}, false},
		{`confidence > 0.7`, botEnv(), true},
		{`confidence > 0.9`, botEnv(), false},
		// JSON numbers are float64; they mix with integer literals.
		{`attempts + 1`, botEnv(), float64(3)},
		{`attempts >= 2`, botEnv(), true},
		{`attempts >= 3`, botEnv(), false},
		{`attempts == 2`, botEnv(), true},
		{`attempts + 1`, map[string]any{"attempts": 4}, 5},
		{`attempts >= 2`, map[string]any{"attempts": 1}, false},
		{`count * confidence > 2`, botEnv(), true},
		{`(attempts ?? 0) + 1`, nil, 1},
		// Time comes in as the variable now.
		{`now.Hour()`, botEnv(), 10},
		{`now.Hour() >= 9 && now.Hour() < 17`, botEnv(), true},
		{`now.Hour() >= 11`, botEnv(), false},
		{`now.Weekday()`, botEnv(), time.Monday},
		// Weekday is a time.Weekday, which equals only a time.Weekday:
		// compare int(now.Weekday()) or string(now.Weekday()) instead.
		{`now.Weekday() == 1`, botEnv(), false},
		{`int(now.Weekday()) == 1`, botEnv(), true},
		{`int(now.Weekday()) in [0, 6]`, botEnv(), false},
		{`now.Month() == now.Month()`, botEnv(), true},
		{`string(now.Weekday()) == "Monday"`, botEnv(), true},
		{`now.Year()`, botEnv(), 2024},
		// Undefined names and missing keys are nil.
		{`missing`, botEnv(), nil},
		{`missing == nil`, botEnv(), true},
		{`user.last`, botEnv(), nil},
		{`user.first`, botEnv(), "Ada"},
		{`user.address.city`, botEnv(), "Oslo"},
		{`user.name`, nil, nil},
		{`user.name`, map[string]any{}, nil},
		{`user.address.city`, map[string]any{"user": map[string]any{}}, nil},
		{`user?.name`, nil, nil},
		{`user?.first`, botEnv(), "Ada"},
		{`user["first"]`, botEnv(), "Ada"},
		{`user["address"]["city"]`, botEnv(), "Oslo"},
		{`missing[0]`, nil, nil},
		{`missing[0].name ?? "none"`, nil, "none"},
		{`user.name ?? "there"`, botEnv(), "there"},
		{`user.name ?? "there"`, map[string]any{"user": map[string]any{"name": "Bo"}}, "Bo"},
		{`user.name ?? "there"`, nil, "there"},
		{`user.name ?? "there"`, map[string]any{"user": nil}, "there"},
		{`user?.name ?? "there"`, nil, "there"},
		{`$env.size`, botEnv(), "large"},
		// Other builtins stay available.
		{`filter(items, # > 1)`, botEnv(), []any{2, 3}},
		{`map(entities, .value)`, botEnv(), []any{"ham"}},
		{`map(entities, .missing ?? "-")`, botEnv(), []any{"-"}},
		{`upper(trim("  hi "))`, nil, "HI"},
		{`let n = count * 2; n + 1`, botEnv(), 7},
		{`date("2024-03-01").Month()`, nil, time.March},
		{`date("2024-03-01T12:00:00Z").Hour()`, nil, 12},
		{`count > 2 ? "many" : "few"`, botEnv(), "many"},
		// Variables named like builtins read the env; calls reach the builtin.
		{`count * 2`, botEnv(), 6},
		{`max + 1`, map[string]any{"max": 4}, 5},
		{`max(count, 10)`, botEnv(), 10},
		{`count(items, # > 1)`, botEnv(), 2},
		{`type ?? "none"`, nil, "none"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			p, err := Compile(tt.src)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			got, err := p.Eval(tt.env)
			if err != nil {
				t.Fatalf("Eval: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Eval = %#v (%T), want %#v (%T)", got, got, tt.want, tt.want)
			}
		})
	}
}

func TestDateIsUTC(t *testing.T) {
	t.Parallel()
	p, err := Compile(`date("2024-03-01 08:15", "2006-01-02 15:04")`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Eval(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2024, 3, 1, 8, 15, 0, 0, time.UTC)
	if tm, ok := got.(time.Time); !ok || !tm.Equal(want) || tm.Location() != time.UTC {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src    string
		offset int
		msg    string
	}{
		{`(1 + `, 5, `unexpected end of expression`},
		{`size in ["a" "b"]`, 13, `unexpected token "b"`},
		{`1 + )`, 4, `unexpected token ")"`},
		{"a &&\n  )", 7, `unexpected token ")"`},
		// Offsets are in bytes, though expr-lang counts runes.
		{`"é" + )`, 7, `unexpected token ")"`},
		{`intent === "x"`, 9, `unexpected token "="`},
		{`now()`, 0, `now() is not available: use the variable now`},
		{`now.Hour() > 1 && now()`, 18, `now() is not available: use the variable now`},
		{`nil + 1`, 4, `invalid operation: + (mismatched types unknown and int)`},
		{`"a" +`, 5, `unexpected end of expression`},
		{``, 0, `unexpected end of expression`},
		{`filter(items)`, 12, `expected at least 2 arguments`},
		{`let count = 1; count`, 4, `cannot redeclare builtin count`},
		{strings.Repeat("a + ", MaxNodes) + "a", 4002, `compilation failed: expression exceeds maximum allowed nodes`},
	}
	for _, tt := range tests {
		t.Run(tt.src[:min(len(tt.src), 30)], func(t *testing.T) {
			t.Parallel()
			p, err := Compile(tt.src)
			if err == nil {
				t.Fatalf("Compile(%q) = %v, want an error", tt.src, p)
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

func TestCompileWithinNodeLimit(t *testing.T) {
	t.Parallel()
	p, err := Compile(strings.Repeat("a + ", 900) + "a")
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Eval(map[string]any{"a": 1})
	if err != nil || got != 901 {
		t.Errorf("Eval = %v, %v; want 901", got, err)
	}
}

func TestCompileConcurrent(t *testing.T) {
	t.Parallel()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			p, err := Compile(`(user.name ?? count) * 2`)
			if err != nil {
				t.Error(err)
				return
			}
			got, err := p.Eval(map[string]any{"count": i})
			if err != nil || got != 2*i {
				t.Errorf("Eval = %v, %v; want %d", got, err, 2*i)
			}
		})
	}
	wg.Wait()
}

func TestRunErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src    string
		env    map[string]any
		offset int
		msg    string
	}{
		// nil + 1 is an error: bots declare defaults for counters.
		{`attempts + 1`, nil, 9, `invalid operation: <nil> + int`},
		{`items[5]`, botEnv(), 5, `index out of range: 5 (array length is 3)`},
		{`foo(1)`, nil, 0, `invalid operation: cannot call nil`},
		{`int("x")`, nil, 0, `invalid operation: int(x)`},
		// The offset is in bytes: é takes two.
		{`"é" != "" && qty / 2 > 1`, map[string]any{"qty": "a"}, 18, `invalid operation: string / int`},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			p, err := Compile(tt.src)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			v, err := p.Eval(tt.env)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Eval = %v, %v; want an *Error", v, err)
			}
			if e.Offset != tt.offset || e.Msg != tt.msg {
				t.Errorf("got offset %d msg %q, want offset %d msg %q", e.Offset, e.Msg, tt.offset, tt.msg)
			}
			if _, err := p.Bool(tt.env); !errors.As(err, &e) {
				t.Errorf("Bool error = %v, want an *Error", err)
			}
		})
	}
}

func TestBool(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src  string
		env  map[string]any
		want bool
	}{
		{`intent == "order_pizza"`, botEnv(), true},
		{`missing`, nil, false},
		{`user.name`, nil, false},
		{`v`, map[string]any{"v": false}, false},
		{`v`, map[string]any{"v": true}, true},
		{`v`, map[string]any{"v": 0}, false},
		{`v`, map[string]any{"v": 0.0}, false},
		{`v`, map[string]any{"v": 0.1}, true},
		{`v`, map[string]any{"v": -1}, true},
		{`v`, map[string]any{"v": ""}, false},
		{`v`, map[string]any{"v": "no"}, true},
		{`v`, map[string]any{"v": []any{}}, false},
		{`v`, map[string]any{"v": []any{0}}, true},
		{`v`, map[string]any{"v": map[string]any{}}, false},
		{`v`, map[string]any{"v": map[string]any{"a": 1}}, true},
		{`v`, map[string]any{"v": []string{}}, false},
		{`v`, map[string]any{"v": time.Time{}}, true},
		{`filter(items, # > 5)`, botEnv(), false},
		{`filter(items, # > 2)`, botEnv(), true},
		{`count`, botEnv(), true},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			p, err := Compile(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.Bool(tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Bool(%v) = %v, want %v", tt.env, got, tt.want)
			}
		})
	}
}

func TestSource(t *testing.T) {
	t.Parallel()
	const src = ` size == "large" `
	p, err := Compile(src)
	if err != nil {
		t.Fatal(err)
	}
	if p.Source() != src {
		t.Errorf("Source = %q, want %q", p.Source(), src)
	}
}

func TestEvalConcurrent(t *testing.T) {
	t.Parallel()
	p, err := Compile(`filter(items, # > n)`)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			env := map[string]any{"items": []any{1, 2, 3, 4, 5, 6, 7, 8}, "n": i}
			for range 200 {
				v, err := p.Eval(env)
				if err != nil {
					t.Error(err)
					return
				}
				if got := len(v.([]any)); got != 8-i {
					t.Errorf("n=%d: %d items, want %d", i, got, 8-i)
					return
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkEvalCondition(b *testing.B) {
	p, err := Compile(`intent == "order_pizza" && (size ?? "medium") in ["small", "large"] && confidence > 0.7 && attempts < 3`)
	if err != nil {
		b.Fatal(err)
	}
	env := botEnv()
	b.ReportAllocs()
	for b.Loop() {
		ok, err := p.Bool(env)
		if err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}
