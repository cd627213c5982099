package bot

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// nodeDecoder is implemented by field types that decode themselves from a
// YAML node (templates, expressions, block references, messages ...).
// Problems go to d; the method never panics on bad input.
type nodeDecoder interface {
	decodeNode(d *decoder, n *yaml.Node)
}

// decoder turns YAML nodes into the typed bot model strictly: unknown keys,
// duplicate keys and wrong scalar types become problems with the node's
// position. It also records what the semantic checks need afterwards
// (references between blocks, variables written, names read).
type decoder struct {
	file     string
	lines    []string // the source, for positions inside block scalars
	problems Problems
	block    string // id of the block being decoded, "" at top level
	kinds    Kinds

	refs   []refUse
	writes []varUse
	reads  []readUse
	checks []func(c *Checker)
}

// refUse is one reference to a block, from the block `from` ("" when it
// comes from the top level of the file).
type refUse struct {
	from string
	ref  *Ref
}

// varUse is a variable written by a block (save, set, map ...).
type varUse struct {
	name  string
	pos   Pos
	block string
}

// readUse is a name an expression or template reads, and where.
type readUse struct {
	name  string
	pos   Pos
	block string
}

func posOf(n *yaml.Node) Pos { return Pos{Line: n.Line, Col: n.Column} }

func (d *decoder) add(sev Severity, pos Pos, format string, args ...any) {
	d.problems = append(d.problems, Problem{File: d.file, Pos: pos, Severity: sev, Msg: fmt.Sprintf(format, args...)})
}

func (d *decoder) errorf(n *yaml.Node, format string, args ...any) {
	d.add(Error, posOf(n), format, args...)
}

// later queues a check that needs the whole bot (declared entities,
// functions, blocks) and runs once decoding is done.
func (d *decoder) later(f func(c *Checker)) { d.checks = append(d.checks, f) }

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "null"
		case "!!bool":
			return "a boolean"
		case "!!int", "!!float":
			return "a number"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "nothing"
}

// pairs returns the key/value pairs of a mapping node, reporting duplicate
// keys and keys that are not scalars. It returns nil (and a problem) when n is
// not a mapping.
func (d *decoder) pairs(n *yaml.Node, what string) [][2]*yaml.Node {
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "%s must be a mapping, not %s", what, kindName(n))
		return nil
	}
	seen := make(map[string]*yaml.Node, len(n.Content)/2)
	out := make([][2]*yaml.Node, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, "keys of %s must be plain strings", what)
			continue
		}
		if k.Value == "<<" {
			d.errorf(k, "YAML merge keys (<<) are not supported; write the fields out")
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.errorf(k, "duplicate key %q (first at line %d)", k.Value, first.Line)
			continue
		}
		seen[k.Value] = k
		out = append(out, [2]*yaml.Node{k, v})
	}
	return out
}

// valueOf returns the value of key in the mapping n, or n itself when n is
// not a mapping or has no such key, so that a problem about one field can
// point at the field.
func valueOf(n *yaml.Node, key string) *yaml.Node {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		return n
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := resolve(n.Content[i]); k.Kind == yaml.ScalarNode && k.Value == key {
			return resolve(n.Content[i+1])
		}
	}
	return n
}

// field describes one struct field as the bot format sees it.
type field struct {
	name     string
	index    int
	required bool
	enum     []string
	doc      string
}

var fieldCache sync.Map // reflect.Type -> []field

// fieldsOf lists the `yaml`-tagged fields of a struct type. A field tagged
// `yaml:"-"` or without a yaml tag is not part of the format.
func fieldsOf(t reflect.Type) []field {
	if f, ok := fieldCache.Load(t); ok {
		return f.([]field)
	}
	var out []field
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		f := field{name: name, index: i, required: sf.Tag.Get("required") == "true", doc: sf.Tag.Get("doc")}
		if e := sf.Tag.Get("enum"); e != "" {
			f.enum = strings.Split(e, ",")
		}
		out = append(out, f)
	}
	fieldCache.Store(t, out)
	return out
}

var nodeDecoderType = reflect.TypeFor[nodeDecoder]()

// decode fills v (which must be settable) from n. what names the value in
// messages ("block \"menu\"", "field \"retries\"").
func (d *decoder) decode(n *yaml.Node, v reflect.Value, what string) {
	n = resolve(n)
	if n == nil {
		return
	}
	if v.CanAddr() && v.Addr().Type().Implements(nodeDecoderType) {
		v.Addr().Interface().(nodeDecoder).decodeNode(d, n)
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if isNull(n) {
			return
		}
		p := reflect.New(v.Type().Elem())
		d.decode(n, p.Elem(), what)
		v.Set(p)
	case reflect.Struct:
		d.decodeStruct(n, v, what)
	case reflect.Slice:
		if isNull(n) {
			return
		}
		if n.Kind != yaml.SequenceNode {
			d.errorf(n, "%s must be a list, not %s", what, kindName(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			d.decode(item, s.Index(i), fmt.Sprintf("item %d of %s", i+1, what))
		}
		v.Set(s)
	case reflect.Map:
		ps := d.pairs(n, what)
		if ps == nil {
			return
		}
		m := reflect.MakeMapWithSize(v.Type(), len(ps))
		for _, p := range ps {
			val := reflect.New(v.Type().Elem()).Elem()
			d.decode(p[1], val, fmt.Sprintf("%q", p[0].Value))
			m.SetMapIndex(reflect.ValueOf(p[0].Value).Convert(v.Type().Key()), val)
		}
		v.Set(m)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.errorf(n, "%s must be a string, not %s", what, kindName(n))
			return
		}
		if !isNull(n) {
			v.SetString(n.Value)
		}
	case reflect.Bool:
		b, ok := scalarBool(n)
		if !ok {
			d.errorf(n, "%s must be true or false, not %s", what, kindName(n))
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64:
		i, err := strconv.ParseInt(n.Value, 10, 64)
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || err != nil {
			d.errorf(n, "%s must be a whole number, not %s", what, kindName(n))
			return
		}
		v.SetInt(i)
	case reflect.Float64:
		f, err := strconv.ParseFloat(n.Value, 64)
		if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!float") || err != nil {
			d.errorf(n, "%s must be a number, not %s", what, kindName(n))
			return
		}
		v.SetFloat(f)
	case reflect.Interface:
		if x := nodeValue(n); x != nil { // null leaves v nil; reflect cannot Set a nil
			v.Set(reflect.ValueOf(x))
		}
	default:
		panic(fmt.Sprintf("bot: no decoding for %s", v.Type()))
	}
}

func scalarBool(n *yaml.Node) (bool, bool) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
		return false, false
	}
	b, err := strconv.ParseBool(strings.ToLower(n.Value))
	return b, err == nil
}

// decodeStruct decodes a mapping into a struct, field by field, reporting
// unknown keys with a did-you-mean and missing required fields.
func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, what string) {
	fields := fieldsOf(v.Type())
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "%s must be a mapping, not %s", what, kindName(n))
		return
	}
	set := make(map[string]bool, len(fields))
	for _, p := range d.pairs(n, what) {
		key := p[0].Value
		f, ok := findField(fields, key)
		if !ok {
			d.errorf(p[0], "unknown field %q in %s%s", key, what, suggest(key, fieldNames(fields)))
			continue
		}
		set[key] = true
		fv := v.Field(f.index)
		d.decode(p[1], fv, fmt.Sprintf("%q", key))
		if f.enum != nil && fv.Kind() == reflect.String && fv.String() != "" && !contains(f.enum, fv.String()) {
			d.errorf(p[1], "%q must be one of %s, not %q%s", key, strings.Join(f.enum, ", "), fv.String(), suggest(fv.String(), f.enum))
		}
	}
	for _, f := range fields {
		if f.required && !set[f.name] {
			d.errorf(n, "%s is missing the required field %q", what, f.name)
		}
	}
}

func findField(fields []field, name string) (field, bool) {
	for _, f := range fields {
		if f.name == name {
			return f, true
		}
	}
	return field{}, false
}

func fieldNames(fields []field) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = f.name
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// nodeValue converts a YAML node to plain Go values: nil, bool, int,
// float64, string, []any and map[string]any.
func nodeValue(n *yaml.Node) any {
	n = resolve(n)
	if n == nil {
		return nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[resolve(n.Content[i]).Value] = nodeValue(n.Content[i+1])
		}
		return m
	case yaml.SequenceNode:
		s := make([]any, len(n.Content))
		for i, c := range n.Content {
			s[i] = nodeValue(c)
		}
		return s
	case yaml.DocumentNode:
		if len(n.Content) > 0 {
			return nodeValue(n.Content[0])
		}
		return nil
	}
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		b, _ := scalarBool(n)
		return b
	case "!!int":
		if i, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
			return int(i)
		}
	case "!!float":
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return f
		}
	}
	return n.Value
}
