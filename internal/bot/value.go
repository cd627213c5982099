package bot

import (
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/confab/confab/internal/expr"
)

// structValue returns the settable struct behind p, for decodeStruct.
func structValue(p any) reflect.Value { return reflect.ValueOf(p).Elem() }

// sourcePos maps a byte offset inside a scalar's value back to the file.
// It follows the scalar's style: the opening quote and the escapes of
// quoted scalars, the indentation of block scalars (| and >), and the lines
// that plain, quoted and folded scalars join into one. Where the value
// cannot be matched with the source, it is the scalar's own position.
func (d *decoder) sourcePos(n *yaml.Node, offset int) Pos {
	p := posOf(n)
	if offset < 0 || offset > len(n.Value) || n.Line < 1 || n.Line > len(d.lines) {
		return p
	}
	var (
		at Pos
		ok bool
	)
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		at, ok = d.blockScalarPos(n, offset)
	} else {
		at, ok = d.flowScalarPos(n, offset)
	}
	if !ok {
		return p
	}
	return at
}

// blockScalarPos finds offset in a | or > scalar, whose lines follow the
// header line, each indented like the first line that is not blank. Every
// line's text is in the value in order; only the line breaks between them
// may have become spaces (>).
func (d *decoder) blockScalarPos(n *yaml.Node, offset int) (Pos, bool) {
	indent := -1
	for _, line := range d.lines[n.Line:] {
		if strings.TrimSpace(line) != "" {
			indent = len(line) - len(strings.TrimLeft(line, " "))
			break
		}
	}
	if indent < 0 {
		return Pos{}, false
	}
	done := 0 // the value up to here is matched
	for i := n.Line; i < len(d.lines); i++ {
		line := strings.TrimRight(d.lines[i], "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		if len(line)-len(strings.TrimLeft(line, " ")) < indent {
			break
		}
		text := line[indent:]
		at := strings.Index(n.Value[done:], text)
		if at < 0 {
			return Pos{}, false
		}
		at += done
		if offset < at {
			// In the line breaks before this line.
			return Pos{Line: i + 1, Col: columnOf(line, indent)}, true
		}
		if offset <= at+len(text) {
			return Pos{Line: i + 1, Col: columnOf(line, indent+offset-at)}, true
		}
		done = at + len(text)
	}
	return Pos{}, false
}

// flowScalarPos finds offset in a plain, single- or double-quoted scalar by
// walking its source from the node's position, character by character.
func (d *decoder) flowScalarPos(n *yaml.Node, offset int) (Pos, bool) {
	double := n.Style&yaml.DoubleQuotedStyle != 0
	single := n.Style&yaml.SingleQuotedStyle != 0
	li := n.Line - 1
	line := d.lines[li]
	bi := byteIndex(line, n.Column)
	if n.Style&yaml.TaggedStyle != 0 && strings.HasPrefix(line[bi:], "!") {
		// Skip the tag (!!str) and the spaces after it.
		for bi < len(line) && line[bi] != ' ' {
			bi++
		}
		for bi < len(line) && line[bi] == ' ' {
			bi++
		}
	}
	if double || single {
		if bi >= len(line) || (line[bi] != '"' && line[bi] != '\'') {
			return Pos{}, false
		}
		bi++
	}
	value := n.Value
	for i := 0; ; {
		if i >= offset {
			return Pos{Line: li + 1, Col: columnOf(line, bi)}, true
		}
		rest := line[bi:]
		if double && strings.HasPrefix(rest, "\\") && strings.TrimSpace(rest[1:]) == "" {
			// An escaped line break joins the lines with nothing between.
			if li++; li >= len(d.lines) {
				return Pos{}, false
			}
			line = d.lines[li]
			bi = len(line) - len(strings.TrimLeft(line, " \t"))
			continue
		}
		if strings.TrimSpace(rest) == "" {
			// A line break is a space in the value, or a newline for each
			// blank line that follows it.
			blanks := 0
			for li++; li < len(d.lines) && strings.TrimSpace(d.lines[li]) == ""; li++ {
				blanks++
			}
			if li >= len(d.lines) {
				return Pos{}, false
			}
			line = d.lines[li]
			bi = len(line) - len(strings.TrimLeft(line, " \t"))
			sep := " "
			if blanks > 0 {
				sep = strings.Repeat("\n", blanks)
			}
			if !strings.HasPrefix(value[i:], sep) {
				return Pos{}, false
			}
			i += len(sep)
			continue
		}
		switch {
		case double && rest[0] == '\\':
			src, val := escapeLen(rest)
			if src == 0 {
				return Pos{}, false
			}
			if offset < i+val {
				// Inside the character the escape stands for.
				return Pos{Line: li + 1, Col: columnOf(line, bi)}, true
			}
			i, bi = i+val, bi+src
		case single && strings.HasPrefix(rest, "''"):
			i, bi = i+1, bi+2
		case rest[0] == value[i]:
			i, bi = i+1, bi+1
		default:
			return Pos{}, false
		}
	}
}

// escapeLen returns how many bytes the escape sequence at the start of s
// (a double-quoted scalar's source, from its backslash) takes in the source
// and in the value; 0, 0 when it is not one.
func escapeLen(s string) (src, val int) {
	if len(s) < 2 {
		return 0, 0
	}
	digits := 0
	switch s[1] {
	case 'x':
		digits = 2
	case 'u':
		digits = 4
	case 'U':
		digits = 8
	case 'N', '_':
		return 2, 2 // U+0085, U+00A0
	case 'L', 'P':
		return 2, 3 // U+2028, U+2029
	default:
		return 2, 1
	}
	if len(s) < 2+digits {
		return 0, 0
	}
	r, err := strconv.ParseUint(s[2:2+digits], 16, 32)
	if err != nil || utf8.RuneLen(rune(r)) < 0 {
		return 0, 0
	}
	return 2 + digits, utf8.RuneLen(rune(r))
}

// byteIndex returns the byte index of the col-th character (1-based, as
// YAML counts columns) of line.
func byteIndex(line string, col int) int {
	for i := range line {
		if col--; col <= 0 {
			return i
		}
	}
	return len(line)
}

// columnOf returns the 1-based column, in characters, of the byte index bi
// of line.
func columnOf(line string, bi int) int {
	return utf8.RuneCountInString(line[:min(bi, len(line))]) + 1
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
	d.addReads(n, c.Names(), true)
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
	d.addReads(n, p.Names(), false)
}

// addReads records the names that the expression or template in the
// scalar n reads, each where it is first read.
func (d *decoder) addReads(n *yaml.Node, names []string, template bool) {
	for _, name := range names {
		pos := posOf(n)
		if i := nameOffset(n.Value, name, template); i >= 0 {
			pos = d.sourcePos(n, i)
		}
		d.reads = append(d.reads, readUse{name: name, pos: pos, block: d.block})
	}
}

// nameOffset returns the byte offset in src of the first use of name: a
// whole word not after a dot (user.name does not read name), inside a {{ }}
// part when src is a template; -1 when there is none.
func nameOffset(src, name string, template bool) int {
	isWord := func(c byte) bool {
		return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
	}
	for from := 0; from < len(src); {
		i := strings.Index(src[from:], name)
		if i < 0 {
			return -1
		}
		i += from
		end := i + len(name)
		if (i == 0 || !isWord(src[i-1]) && src[i-1] != '.') && (end == len(src) || !isWord(src[end])) &&
			(!template || strings.LastIndex(src[:i], "{{") > strings.LastIndex(src[:i], "}}")) {
			return i
		}
		from = i + 1
	}
	return -1
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
