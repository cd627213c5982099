package bot

import (
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/confab/confab/internal/expr"
)

// structValue returns the settable struct behind p, for decodeStruct.
func structValue(p any) reflect.Value { return reflect.ValueOf(p).Elem() }

// sourcePos maps a byte offset inside a scalar's text back to the file.
// It is exact for plain and quoted one-line scalars and for block scalars
// (| and >) whose lines keep their indentation; elsewhere it is the
// scalar's own position.
func (d *decoder) sourcePos(n *yaml.Node, offset int) Pos {
	p := posOf(n)
	text := n.Value
	if offset < 0 || offset > len(text) {
		return p
	}
	switch n.Style {
	case yaml.LiteralStyle, yaml.FoldedStyle:
		before := text[:offset]
		line := strings.Count(before, "\n")
		col := offset - (strings.LastIndexByte(before, '\n') + 1)
		indent := 0
		if l := n.Line + 1 + line; l-1 < len(d.lines) {
			indent = len(d.lines[l-1]) - len(strings.TrimLeft(d.lines[l-1], " "))
		}
		return Pos{Line: n.Line + 1 + line, Col: indent + col + 1}
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		if !strings.Contains(text, "\n") {
			return Pos{Line: p.Line, Col: p.Col + 1 + offset}
		}
	default:
		if !strings.Contains(text, "\n") {
			return Pos{Line: p.Line, Col: p.Col + offset}
		}
	}
	return p
}

// exprProblem reports a compile error of an expression or template at the
// place inside the scalar where it is.
func (d *decoder) exprProblem(n *yaml.Node, what string, err error) {
	offset := 0
	msg := err.Error()
	if e, ok := err.(*expr.Error); ok {
		offset, msg = e.Offset, e.Msg
	}
	d.add(Error, d.sourcePos(n, offset), "%s does not compile: %s", what, msg)
}

// Template is a text with {{ expression }} parts, compiled when the bot is
// loaded.
type Template struct {
	*expr.Template
	Pos Pos
}

func (t *Template) decodeNode(d *decoder, n *yaml.Node) {
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, "expected text, not %s", kindName(n))
		return
	}
	src := n.Value
	if isNull(n) {
		src = ""
	}
	t.Pos = posOf(n)
	c, err := expr.CompileTemplate(src)
	if err != nil {
		d.exprProblem(n, "template", err)
		c, _ = expr.CompileTemplate("")
	}
	t.Template = c
	if names := c.Names(); len(names) > 0 {
		d.reads = append(d.reads, readUse{names: names, pos: t.Pos, block: d.block})
	}
}

// Expr is an expression (a condition, a parameter, a set value), compiled
// when the bot is loaded.
type Expr struct {
	*expr.Program
	Pos Pos
}

func (x *Expr) decodeNode(d *decoder, n *yaml.Node) {
	if n.Kind != yaml.ScalarNode || isNull(n) || strings.TrimSpace(n.Value) == "" {
		d.errorf(n, "expected an expression, not %s", kindName(n))
		return
	}
	x.Pos = posOf(n)
	p, err := expr.Compile(n.Value)
	if err != nil {
		d.exprProblem(n, "expression", err)
		p, _ = expr.Compile("nil")
	}
	x.Program = p
	if names := p.Names(); len(names) > 0 {
		d.reads = append(d.reads, readUse{names: names, pos: x.Pos, block: d.block})
	}
}

// Reserved lists the names that are always in scope in expressions and
// templates; a bot variable may not take one of these names.
var Reserved = []string{"channel", "confidence", "conversation", "entities", "env", "input", "intent", "now", "secret", "user"}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// VarName is the name of a bot variable that a block writes (save, set,
// map). It must be an identifier and not a reserved name.
type VarName struct {
	Name string
	Pos  Pos
}

func (v *VarName) decodeNode(d *decoder, n *yaml.Node) {
	if n.Kind != yaml.ScalarNode || isNull(n) {
		d.errorf(n, "expected a variable name, not %s", kindName(n))
		return
	}
	v.Name, v.Pos = n.Value, posOf(n)
	d.checkVarName(v.Name, v.Pos)
	d.writes = append(d.writes, varUse{name: v.Name, pos: v.Pos, block: d.block})
}

func (d *decoder) checkVarName(name string, pos Pos) {
	switch {
	case !identRE.MatchString(name):
		d.add(Error, pos, "variable name %q must start with a letter or _ and hold only letters, digits and _", name)
	case contains(Reserved, name):
		d.add(Error, pos, "variable %q shadows the reserved name %q; choose another name", name, name)
	}
}

// Assignment sets one variable to the value of an expression.
type Assignment struct {
	Name  VarName
	Value Expr
}

// Assignments are ordered: later ones see the values set by earlier ones.
type Assignments []Assignment

func (a *Assignments) decodeNode(d *decoder, n *yaml.Node) {
	for _, p := range d.pairs(n, "vars") {
		var as Assignment
		as.Name.decodeNode(d, p[0])
		as.Value.decodeNode(d, p[1])
		*a = append(*a, as)
	}
}

// Duration is a length of time written as "500ms", "5s", "10m", "2h" or a
// number of seconds.
type Duration struct {
	time.Duration
	Pos Pos
}

func (x *Duration) decodeNode(d *decoder, n *yaml.Node) {
	x.Pos = posOf(n)
	if n.Kind != yaml.ScalarNode || isNull(n) {
		d.errorf(n, "expected a duration such as 5s or 10m, not %s", kindName(n))
		return
	}
	if secs, err := strconv.ParseFloat(n.Value, 64); err == nil {
		x.Duration = time.Duration(secs * float64(time.Second))
	} else if dur, err := time.ParseDuration(n.Value); err == nil {
		x.Duration = dur
	} else {
		d.errorf(n, "%q is not a duration: write it like 500ms, 5s, 10m or 2h", n.Value)
		return
	}
	if x.Duration <= 0 {
		d.errorf(n, "a duration must be more than zero, not %q", n.Value)
	}
}

// Tree is a YAML value (a request body, say) whose strings are templates.
// Render gives plain Go values with the templates filled in; a string that
// is exactly one {{ expression }} keeps the expression's type.
type Tree struct {
	Value any // nil, bool, int, float64, *Template, []any, map[string]any
	Pos   Pos
}

func (t *Tree) decodeNode(d *decoder, n *yaml.Node) {
	t.Pos = posOf(n)
	t.Value = d.tree(n)
}

func (d *decoder) tree(n *yaml.Node) any {
	n = resolve(n)
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		for _, p := range d.pairs(n, "the body") {
			m[p[0].Value] = d.tree(p[1])
		}
		return m
	case yaml.SequenceNode:
		s := make([]any, len(n.Content))
		for i, c := range n.Content {
			s[i] = d.tree(c)
		}
		return s
	}
	if n.ShortTag() == "!!str" {
		t := &Template{}
		t.decodeNode(d, n)
		return t
	}
	return nodeValue(n)
}

// Render fills in the templates of the tree with env.
func (t Tree) Render(env map[string]any) (any, error) { return renderTree(t.Value, env) }

func renderTree(v any, env map[string]any) (any, error) {
	switch v := v.(type) {
	case *Template:
		return v.Value(env)
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			r, err := renderTree(x, env)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			r, err := renderTree(x, env)
			if err != nil {
				return nil, fmt.Errorf("item %d: %w", i+1, err)
			}
			out[i] = r
		}
		return out, nil
	}
	return v, nil
}

// Templates is a map of names to templates (headers, query parameters).
type Templates map[string]*Template

// Render fills in every template; keys come back in sorted order.
func (ts Templates) Render(env map[string]any) ([][2]string, error) {
	keys := make([]string, 0, len(ts))
	for k := range ts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([][2]string, 0, len(keys))
	for _, k := range keys {
		s, err := ts[k].Render(env)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out = append(out, [2]string{k, s})
	}
	return out, nil
}
