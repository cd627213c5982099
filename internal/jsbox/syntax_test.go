package jsbox_test

import (
	"errors"
	"testing"

	"github.com/confab/confab/internal/jsbox"
)

func TestCheckSyntax(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		script string
		want   string // "" when the script compiles
	}{
		{`vars.total = vars.qty * 9.5`, ""},
		{"const r = await fetch(env.URL)\nreturn goto(\"x\")", ""},
		{`while (true) {}`, ""}, // compiled, never run
		{"let x = 1\nx +* 2", "line 2: SyntaxError: unexpected token in expression: '*'"},
		{"if (a {\n}", "line 1: SyntaxError: expecting ')'"},
		{"import os from 'os'", "line 1: SyntaxError: expecting '('"},
	} {
		err := jsbox.CheckSyntax(tt.script)
		if tt.want == "" {
			if err != nil {
				t.Errorf("%q: %v", tt.script, err)
			}
			continue
		}
		var se *jsbox.SyntaxError
		if !errors.As(err, &se) || err.Error() != tt.want {
			t.Errorf("%q: got %v, want %q", tt.script, err, tt.want)
		}
	}
}
