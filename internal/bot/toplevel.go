package bot

import (
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/confab/confab/internal/nlp"
)

func quote(s string) string { return fmt.Sprintf("%q", s) }

func joinNames(names []string) string { return strings.Join(names, ", ") }

// andList joins names as in "a, b and c".
func andList(names []string) string {
	if len(names) < 2 {
		return joinNames(names)
	}
	return joinNames(names[:len(names)-1]) + " and " + names[len(names)-1]
}

// Keyword is a message that (re)starts the bot at a block.
type Keyword struct {
	Text  string
	Block Ref
	Pos   Pos
}

// Keywords are matched whole, ignoring case and surrounding spaces.
type Keywords []Keyword

// Match returns the block a message starts, if the message is a keyword.
func (ks Keywords) Match(text string) (string, bool) {
	text = strings.TrimSpace(text)
	for _, k := range ks {
		if strings.EqualFold(k.Text, text) {
			return k.Block.ID, true
		}
	}
	return "", false
}

func (ks *Keywords) decodeNode(d *decoder, n *yaml.Node) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "keywords must be a mapping of keyword to block, not %s", kindName(n))
		return
	}
	seen := map[string]Keyword{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key := resolve(n.Content[i])
		text := strings.TrimSpace(key.Value)
		if key.Kind != yaml.ScalarNode || text == "" {
			d.errorf(key, "a keyword must be a non-empty string")
			continue
		}
		norm := strings.ToLower(text)
		if first, dup := seen[norm]; dup {
			if first.Text == text {
				d.errorf(key, "duplicate keyword %q (first at line %d)", text, first.Pos.Line)
			} else {
				d.errorf(key, "duplicate keyword %q: keywords ignore case, so it is the same as %q at line %d", text, first.Text, first.Pos.Line)
			}
			continue
		}
		k := Keyword{Text: text, Pos: posOf(key)}
		seen[norm] = k
		k.Block.decodeNode(d, resolve(n.Content[i+1]))
		*ks = append(*ks, k)
	}
}

// DefaultNotUnderstoodCounter is the variable that counts not-understood
// messages in a row when the bot does not name one.
const DefaultNotUnderstoodCounter = "not_understood_count"

// NotUnderstood says where input goes that no route takes, and which
// variable counts such messages in a row (reset when a route is taken).
type NotUnderstood struct {
	Block   Ref     `yaml:"block" doc:"The block to go to; without it the bot answers with a built-in reply and waits again."`
	Counter VarName `yaml:"counter" doc:"The variable counting not-understood messages in a row; default not_understood_count."`
	Pos     Pos
}

type notUnderstoodFields NotUnderstood

func (nu *NotUnderstood) decodeNode(d *decoder, n *yaml.Node) {
	nu.Pos = posOf(n)
	if n.Kind == yaml.ScalarNode {
		nu.Block.decodeNode(d, n)
	} else {
		d.decodeStruct(n, structValue((*notUnderstoodFields)(nu)), "not_understood")
	}
}

// CounterName is the counter variable's name.
func (nu NotUnderstood) CounterName() string {
	if nu.Counter.Name == "" {
		return DefaultNotUnderstoodCounter
	}
	return nu.Counter.Name
}

// Variable is a declared variable and its starting value.
type Variable struct {
	Name    string
	Default any
	Pos     Pos
}

// Variables are kept in file order.
type Variables []Variable

func (vs *Variables) decodeNode(d *decoder, n *yaml.Node) {
	for _, p := range d.pairs(n, "variables") {
		v := Variable{Name: p[0].Value, Default: nodeValue(p[1]), Pos: posOf(p[0])}
		d.checkVarName(v.Name, v.Pos)
		*vs = append(*vs, v)
	}
}

// Intent is an intent with its example expressions.
type Intent struct {
	Name     string
	Examples []string
	Pos      Pos
}

// Intents are kept in file order.
type Intents []Intent

var nameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*$`)

func (is *Intents) decodeNode(d *decoder, n *yaml.Node) {
	seen := map[string]string{}
	for _, p := range d.pairs(n, "intents") {
		it := Intent{Name: p[0].Value, Pos: posOf(p[0])}
		if !nameRE.MatchString(it.Name) {
			d.errorf(p[0], "intent name %q must start with a letter and hold only letters, digits, _, . and -", it.Name)
		}
		d.decode(p[1], structValue(&it.Examples), "the examples of intent "+quote(it.Name))
		if len(it.Examples) == 0 && resolve(p[1]).Kind == yaml.SequenceNode {
			d.errorf(p[1], "intent %q needs at least one example", it.Name)
		}
		for i, ex := range it.Examples {
			norm := strings.ToLower(strings.TrimSpace(ex))
			if other, dup := seen[norm]; dup {
				d.add(Warning, posOf(resolve(p[1]).Content[i]), "the example %q is also an example of intent %q", ex, other)
				continue
			}
			seen[norm] = it.Name
		}
		*is = append(*is, it)
	}
}

// Entity is a declared entity: a list of values with synonyms, or a
// regular expression.
type Entity struct {
	Name    string
	Values  []EntityValue
	Pattern string
	Pos     Pos
}

// EntityValue is one value of a list entity and the other ways to say it.
type EntityValue struct {
	Value    string
	Synonyms []string
}

// Entities are kept in file order.
type Entities []Entity

type entityFields struct {
	Values  yaml.Node `yaml:"values" doc:"Canonical value → synonyms."`
	Pattern string    `yaml:"pattern" doc:"A regular expression (Go syntax) whose match is the value."`
}

func (es *Entities) decodeNode(d *decoder, n *yaml.Node) {
	for _, p := range d.pairs(n, "entities") {
		e := Entity{Name: p[0].Value, Pos: posOf(p[0])}
		if !identRE.MatchString(e.Name) {
			d.errorf(p[0], "entity name %q must start with a letter or _ and hold only letters, digits and _", e.Name)
		}
		if contains(nlp.SystemEntities(), e.Name) {
			d.errorf(p[0], "entity %q has the name of a built-in entity; choose another name (the built-in %s needs no declaration)", e.Name, e.Name)
		}
		what := "entity " + quote(e.Name)
		body := resolve(p[1])
		if body.Kind != yaml.MappingNode {
			d.errorf(body, "%s must be a mapping with values or pattern, not %s", what, kindName(body))
			continue
		}
		for _, f := range d.pairs(body, what) {
			switch f[0].Value {
			case "values":
				for _, vp := range d.pairs(f[1], "values of "+what) {
					ev := EntityValue{Value: vp[0].Value}
					d.decode(vp[1], structValue(&ev.Synonyms), "the synonyms of "+quote(ev.Value))
					e.Values = append(e.Values, ev)
				}
				if len(e.Values) == 0 {
					d.errorf(f[1], "%s has no values", what)
				}
			case "pattern":
				d.decode(f[1], structValue(&e.Pattern), "pattern")
				if _, err := regexp.Compile(e.Pattern); err != nil {
					d.errorf(f[1], "the pattern of %s does not compile: %s", what, regexpError(err))
				}
			default:
				d.errorf(f[0], "unknown field %q in %s%s", f[0].Value, what, suggest(f[0].Value, []string{"values", "pattern"}))
			}
		}
		if (e.Values == nil) == (e.Pattern == "") {
			d.errorf(body, "%s needs exactly one of values or pattern", what)
		}
		*es = append(*es, e)
	}
}

// Function is a function the bot can call (seed 002, "Kai functions"):
// a POST to URL with typed parameters.
type Function struct {
	Name        string     `yaml:"-"`
	Description string     `yaml:"description" required:"true" doc:"What the function does; an AI block uses it to decide when to call it."`
	URL         *Template  `yaml:"url" required:"true" doc:"Where the POST goes; a template."`
	Headers     Templates  `yaml:"headers" doc:"Extra request headers; templates (use secret.NAME for tokens)."`
	Timeout     *Duration  `yaml:"timeout" doc:"How long to wait for an answer; default 10s, at most 30s."`
	Parameters  Parameters `yaml:"parameters" doc:"The parameters, by name."`
	Pos         Pos        `yaml:"-"`
}

// Param is one typed parameter of a function.
type Param struct {
	Name        string `yaml:"-"`
	Type        string `yaml:"type" required:"true" enum:"string,number,boolean" doc:"string, number or boolean."`
	Description string `yaml:"description" doc:"What the parameter is, to help an AI fill it in."`
	Enum        []any  `yaml:"enum" doc:"The only values allowed."`
	Required    bool   `yaml:"required" doc:"Whether a call must give it."`
	Pos         Pos    `yaml:"-"`
}

// Parameters are kept in file order.
type Parameters []Param

// Get returns the parameter with the given name.
func (ps Parameters) Get(name string) (Param, bool) {
	for _, p := range ps {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// Names lists the parameter names in order.
func (ps Parameters) Names() []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}

var funcNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (ps *Parameters) decodeNode(d *decoder, n *yaml.Node) {
	for _, p := range d.pairs(n, "parameters") {
		prm := Param{Name: p[0].Value, Pos: posOf(p[0])}
		if !funcNameRE.MatchString(prm.Name) {
			d.errorf(p[0], "parameter name %q may hold only letters, digits and _", prm.Name)
		}
		d.decodeStruct(resolve(p[1]), structValue(&prm), "parameter "+quote(prm.Name))
		*ps = append(*ps, prm)
	}
}

// Functions are kept in file order.
type Functions []*Function

// Get returns the function with the given name, or nil.
func (fs Functions) Get(name string) *Function {
	for _, f := range fs {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// Names lists the function names in order.
func (fs Functions) Names() []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Name
	}
	return out
}

func (fs *Functions) decodeNode(d *decoder, n *yaml.Node) {
	for _, p := range d.pairs(n, "functions") {
		f := &Function{Name: p[0].Value, Pos: posOf(p[0])}
		if !funcNameRE.MatchString(f.Name) {
			d.errorf(p[0], "function name %q may hold only letters, digits and _", f.Name)
		}
		d.decodeStruct(resolve(p[1]), structValue(f), "function "+quote(f.Name))
		*fs = append(*fs, f)
	}
}
