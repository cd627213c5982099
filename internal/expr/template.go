package expr

import (
	"slices"
	"strings"
)

// Template is a string with {{ expression }} parts; safe for concurrent use.
//
// The first "}}" after a "{{" closes the part, so an expression inside a
// template cannot contain "}}", not even in a string literal. A "}}" that
// closes nothing is literal text, and a literal "{{" can be written as
// {{ "{{" }}.
type Template struct {
	src   string
	parts []part
	// single is the only expression when the template is one {{ }} part
	// with nothing but white space around it.
	single *Program
	names  []string
	// size is the length of the literal text, a hint for Render.
	size int
	// static is set when there are no {{ }} parts.
	static bool
}

// part is literal text, or an expression when prog is set.
type part struct {
	text string
	prog *Program
}

// CompileTemplate compiles a template. An unterminated or empty {{ }} part
// and an expression that does not compile are *Error values whose Offset
// is a byte offset into src.
func CompileTemplate(src string) (*Template, error) {
	t := &Template{src: src}
	rest, pos := src, 0
	for {
		open := strings.Index(rest, "{{")
		if open < 0 {
			t.addText(rest)
			break
		}
		t.addText(rest[:open])
		start := pos + open // offset of "{{" in src
		inner := rest[open+2:]
		end := strings.Index(inner, "}}")
		if end < 0 {
			return nil, &Error{Offset: start, Msg: "unterminated {{: missing }}"}
		}
		code := inner[:end]
		if strings.TrimSpace(code) == "" {
			return nil, &Error{Offset: start, Msg: "empty expression in {{ }}"}
		}
		prog, err := compile(code, start+2)
		if err != nil {
			return nil, err
		}
		t.parts = append(t.parts, part{prog: prog})
		t.names = append(t.names, prog.names...)
		consumed := open + 2 + end + 2
		rest, pos = rest[consumed:], pos+consumed
	}
	slices.Sort(t.names)
	t.names = slices.Compact(t.names)
	t.single = t.singleExpression()
	t.static = !slices.ContainsFunc(t.parts, func(p part) bool { return p.prog != nil })
	return t, nil
}

// addText appends literal text as a part.
func (t *Template) addText(s string) {
	if s != "" {
		t.parts = append(t.parts, part{text: s})
		t.size += len(s)
	}
}

// singleExpression returns the template's expression if it is the only
// part apart from white space.
func (t *Template) singleExpression() *Program {
	var found *Program
	for _, p := range t.parts {
		switch {
		case p.prog == nil:
			if strings.TrimSpace(p.text) != "" {
				return nil
			}
		case found != nil:
			return nil
		default:
			found = p.prog
		}
	}
	return found
}

// Source returns the template text.
func (t *Template) Source() string {
	return t.src
}

// Static reports whether the template has no {{ }} parts.
func (t *Template) Static() bool {
	return t.static
}

// Render evaluates the expressions against env and returns the text with
// every {{ }} part replaced by Stringify of its value. A static template
// returns its source without allocating.
func (t *Template) Render(env map[string]any) (string, error) {
	if t.static {
		return t.src, nil
	}
	var b strings.Builder
	b.Grow(t.size + 16*len(t.parts))
	for _, p := range t.parts {
		if p.prog == nil {
			b.WriteString(p.text)
			continue
		}
		v, err := p.prog.Eval(env)
		if err != nil {
			return "", err
		}
		appendValue(&b, v)
	}
	return b.String(), nil
}

// Value returns the value of the expression itself, not stringified, when
// the whole template is one {{ expression }} with at most white space
// around it (so a body field "{{ order_no }}" stays a number); for any
// other template it returns Render's string.
func (t *Template) Value(env map[string]any) (any, error) {
	if t.single != nil {
		return t.single.Eval(env)
	}
	return t.Render(env)
}

// Names returns the union of the Names of the template's expressions,
// sorted.
func (t *Template) Names() []string {
	return append([]string{}, t.names...)
}
