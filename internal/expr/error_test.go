package expr

import (
	"errors"
	"testing"

	"github.com/expr-lang/expr/file"
)

func TestErrorString(t *testing.T) {
	t.Parallel()
	e := &Error{Offset: 7, Msg: `unexpected token ")"`}
	if got, want := e.Error(), `unexpected token ")" (at offset 7)`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestWrapError(t *testing.T) {
	t.Parallel()
	plain := errors.New("boom")
	tests := []struct {
		name   string
		err    error
		src    string
		base   int
		offset int
		msg    string
	}{
		{"rune index to bytes", &file.Error{Location: file.Location{From: 3}, Message: "bad"}, "ééé!", 0, 6, "bad"},
		{"base added", &file.Error{Location: file.Location{From: 2}, Message: "bad"}, "a b", 10, 12, "bad"},
		{"end of input", &file.Error{Location: file.Location{From: 2}, Message: "unexpected token EOF"}, "1 +", 4, 7, "unexpected end of expression"},
		{"token cleaned", &file.Error{Message: `unexpected token Bracket(")")`}, ")", 0, 0, `unexpected token ")"`},
		{"not a file error", plain, "x", 5, 5, "boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := wrapError(tt.err, tt.src, tt.base)
			if got.Offset != tt.offset || got.Msg != tt.msg {
				t.Errorf("got offset %d msg %q, want offset %d msg %q", got.Offset, got.Msg, tt.offset, tt.msg)
			}
			if !errors.Is(got, tt.err) {
				t.Errorf("the *Error does not unwrap to the cause")
			}
		})
	}
}

func TestByteOffset(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src  string
		rune int
		want int
	}{
		{"abc", 0, 0},
		{"abc", 2, 2},
		{"abc", 3, 3},
		{"abc", 9, 3},
		{"héllo", 2, 3},
		{"日本語x", 3, 9},
		{"x", -1, 0},
	}
	for _, tt := range tests {
		if got := byteOffset(tt.src, tt.rune); got != tt.want {
			t.Errorf("byteOffset(%q, %d) = %d, want %d", tt.src, tt.rune, got, tt.want)
		}
	}
}

func TestCleanMessage(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{`unexpected token Bracket(")")`, `unexpected token ")"`},
		{`unexpected token Identifier("b")`, `unexpected token "b"`},
		{`unexpected token String("say \"hi\"")`, `unexpected token "say \"hi\""`},
		{`unexpected token EOF`, `unexpected end of expression`},
		{`unknown name Bracket("x")`, `unknown name Bracket("x")`}, // only token messages change
		{`invalid operation: <nil> + int`, `invalid operation: <nil> + int`},
	}
	for _, tt := range tests {
		if got := cleanMessage(tt.in); got != tt.want {
			t.Errorf("cleanMessage(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
