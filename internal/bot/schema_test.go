package bot_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/confab/confab/internal/block"
	"github.com/confab/confab/internal/bot"
)

// repoRoot is the repository root, seen from this package's folder.
const repoRoot = "../.."

// compileSchema compiles SchemaJSON for the built-in kinds; compiling also
// checks the schema against the draft 2020-12 meta-schema.
func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(bot.SchemaJSON(block.Builtin())))
	if err != nil {
		t.Fatalf("SchemaJSON is not JSON: %v", err)
	}
	const url = "https://confab.dev/schema/bot-1.json"
	c := jsonschema.NewCompiler()
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		t.Fatalf("the schema does not compile: %v", err)
	}
	return sch
}

// yamlToJSON reads YAML into plain values and round-trips them through
// JSON, as an editor's YAML language server sees a file.
func yamlToJSON(t *testing.T, src string) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal([]byte(src), &v); err != nil {
		t.Fatalf("YAML: %v", err)
	}
	data, err := json.Marshal(jsonable(v))
	if err != nil {
		t.Fatalf("JSON: %v", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// jsonable turns mappings with non-string keys (`1: ...`) into JSON objects.
func jsonable(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			v[k] = jsonable(x)
		}
	case map[any]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[fmt.Sprint(k)] = jsonable(x)
		}
		return m
	case []any:
		for i, x := range v {
			v[i] = jsonable(x)
		}
	}
	return v
}

// parseErrors returns the errors (not warnings) the parser reports.
func parseErrors(src string) []string {
	_, problems := bot.Parse("test.yaml", []byte(src), block.Builtin())
	var out []string
	for _, p := range problems {
		if p.Severity == bot.Error {
			out = append(out, p.String())
		}
	}
	return out
}

// allKindsBot uses every block kind, every message shape and every
// top-level field.
const allKindsBot = `
confab: 1
id: every-kind_1
name: Every kind
description: A bot that uses every block kind and message shape.
language: en
start: welcome
keywords:
  "#start": welcome
  help: menu
not_understood:
  block: fallback
  counter: misses
variables:
  size: null
  qty: 1
  price: 9.5
  vip: false
  tags: [a, b]
  address: { city: Ghent }
intents:
  order: ["I want to order", "order please"]
  track.status: ["where is my order"]
entities:
  size:
    values:
      small: [s, little]
      large: null
  order_no:
    pattern: '#?\d{4,8}'
functions:
  lookup:
    description: Look an order up.
    url: "{{ env.ORDERS_URL }}/functions"
    headers: { Authorization: "Bearer {{ secret.TOKEN }}" }
    timeout: 5s
    parameters:
      order_id: { type: number, description: The order number, required: true }
      detail: { type: string, enum: [short, full] }
      urgent: { type: boolean }
  nothing:
    description: Takes no parameters.
    url: https://example.com/f
    parameters: {}
blocks:
  welcome:
    type: message
    messages:
      - "Hi {{ user.name ?? 'there' }}!"
      - text: What would you like?
        quick_replies: [Order, { title: Track, payload: track }, 5]
      - text: Or press a button.
        buttons:
          - { title: Order, payload: order }
          - { title: Site, url: "https://example.com" }
          - { title: Track, webview: "https://example.com/track" }
      - image: https://example.com/a.png
      - gif: https://example.com/a.gif
      - card:
          title: A card
          subtitle: With everything
          image: https://example.com/c.png
          url: https://example.com
          buttons: [{ title: Go, payload: go }]
      - carousel:
          - { title: One }
          - { title: Two, buttons: [{ title: Pick, payload: two }] }
      - dropdown:
          placeholder: Choose
          options: [Small, { title: Large, payload: large }]
      - text: 42
    next: menu
  menu:
    type: input
    prompt:
      text: Pick one
      quick_replies: [order, track]
    save: choice
    retries: 2
    retry_message: Sorry?
    on_fail: fallback
    validate: { options: [order, track, 3] }
    next:
      - when: choice == "order"
        goto: ask_size
      - when: true
        goto: ask_no
  ask_size:
    type: input
    prompt: Which size?
    validate: { entity: size }
    save: size
    next: ask_qty
  ask_qty:
    type: input
    prompt: How many?
    validate: { type: number, min: 1, max: 10 }
    save: qty
    next: ask_no
  ask_no:
    type: input
    prompt: Your order number?
    validate: { type: regex, pattern: '#?\d+' }
    save: order_no
    next: route
  route:
    type: condition
    next:
      - when: qty > 5
        goto: compute
      - goto: call_api
  compute:
    type: set
    vars:
      total: qty * price
      big: "true"
    next: call_api
  call_api:
    type: api
    method: POST
    url: "https://example.com/orders/{{ order_no }}"
    headers: { Accept: application/json }
    query: { v: "2" }
    body: { order: "{{ order_no }}", qty: 3, rush: true, items: [a, 1, null] }
    encoding: json
    timeout: 2.5
    save: response
    map:
      status: response.status
    on_error: fallback
    next: call_function
  call_function:
    type: function
    function: lookup
    params: { order_id: order_no, detail: "'short'" }
    save: info
    on_error: fallback
    next: ask_ai
  ask_ai:
    type: ai
    instructions: "Answer about order {{ order_no }}."
    functions: [lookup, nothing]
    save: answer
    on_error: fallback
    next: run_code
  run_code:
    type: code
    script: |
      vars.count = (vars.count || 0) + 1
    timeout: 500ms
    on_error: fallback
    next: custom
  custom:
    type: custom_action
    url: https://example.com/action
    authorization: "Bearer {{ secret.TOKEN }}"
    timeout: 10s
    save: reply
    on_error: fallback
    next: pause
  pause:
    type: wait
    messages: ["Pay here: {{ callback_url }}"]
    save: payment
    timeout: 1h30m
    on_timeout: bye
    next: bye
  fallback:
    type: handover
    message: { text: Let me get a human. }
    next: bye
  bye:
    type: end
    messages: [Bye!]
`

// minimal is the smallest bot, to which the cases below add.
const minimal = "confab: 1\nid: t\nstart: a\nblocks:\n  a:\n    type: end\n"

// withBlock returns minimal with one more block b (indented YAML).
func withBlock(b string) string {
	return minimal + "  b:\n" + indent(b, "    ")
}

// indent prefixes every line of s with by.
func indent(s, by string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = by + l
	}
	return strings.Join(lines, "\n") + "\n"
}

// schemaCases are bots that the schema and the parser must agree on.
var schemaCases = []struct {
	name  string
	src   string
	valid bool
}{
	{"every kind and message shape", allKindsBot, true},
	{"minimal", minimal, true},
	{"not_understood as a block id", "not_understood: a\n" + minimal, true},
	{"numeric duration", withBlock("type: wait\ntimeout: 5"), true},
	{"quoted numeric duration", withBlock("type: wait\ntimeout: '0.5'"), true},
	{"choices as numbers", withBlock("type: message\nmessages: [{text: Rate us, quick_replies: [1, 2, 3]}]"), true},
	{"block ids as numbers", "confab: 1\nid: t\nstart: 1\nblocks:\n  1:\n    type: message\n    messages: [Hi]\n    next: 2\n  2:\n    type: end\n", true},

	{"unknown top-level field", "colour: red\n" + minimal, false},
	{"missing confab", strings.TrimPrefix(minimal, "confab: 1\n"), false},
	{"another format", strings.Replace(minimal, "confab: 1", "confab: 2", 1), false},
	{"bad bot id", strings.Replace(minimal, "id: t", "id: Pizza Bot", 1), false},
	{"no blocks", "confab: 1\nid: t\nstart: a\nblocks: {}\n", false},
	{"unknown block field", withBlock("type: message\nmessages: [Hi]\nnxt: a"), false},
	{"unknown block type", withBlock("type: mesage\nmessages: [Hi]"), false},
	{"block without type", withBlock("messages: [Hi]"), false},
	{"missing required block field", withBlock("type: condition"), false},
	{"retries not a number", withBlock("type: input\nvalidate: {type: text}\nretries: \"x\""), false},
	{"bad enum", withBlock("type: api\nurl: https://example.com\nmethod: FETCH"), false},
	{"button with an unknown key", withBlock("type: message\nmessages: [{text: Hi, buttons: [{title: A, payload: a, color: red}]}]"), false},
	{"button with payload and url", withBlock("type: message\nmessages: [{text: Hi, buttons: [{title: A, payload: a, url: 'https://x'}]}]"), false},
	{"button without an action", withBlock("type: message\nmessages: [{text: Hi, buttons: [{title: A}]}]"), false},
	{"button as a string", withBlock("type: message\nmessages: [{text: Hi, buttons: [A]}]"), false},
	{"message with nothing to show", withBlock("type: message\nmessages: [{buttons: [{title: A, payload: a}]}]"), false},
	{"quick replies without text", withBlock("type: message\nmessages: [{image: 'https://x', quick_replies: [A]}]"), false},
	{"choice without title", withBlock("type: message\nmessages: [{text: Hi, quick_replies: [{payload: a}]}]"), false},
	{"validate with two kinds", withBlock("type: input\nvalidate: {type: text, entity: number}"), false},
	{"validate regex without pattern", withBlock("type: input\nvalidate: {type: regex}"), false},
	{"validate pattern without regex", withBlock("type: input\nvalidate: {type: text, pattern: 'a+'}"), false},
	{"validate min without number", withBlock("type: input\nvalidate: {type: text, min: 1}"), false},
	{"reserved variable", withBlock("type: input\nsave: input"), false},
	{"variable not an identifier", withBlock("type: input\nsave: 2x"), false},
	{"empty next", withBlock("type: message\nmessages: [Hi]\nnext: []"), false},
	{"branch without goto", withBlock("type: condition\nnext: [{when: 'true'}]"), false},
	{"next a mapping", withBlock("type: message\nmessages: [Hi]\nnext: {goto: a}"), false},
	{"blank expression", withBlock("type: condition\nnext: [{when: ' ', goto: a}]"), false},
	{"bad duration", withBlock("type: wait\ntimeout: 5 parsecs"), false},
	{"zero duration", withBlock("type: wait\ntimeout: 0s"), false},
	{"negative duration", withBlock("type: wait\ntimeout: -5"), false},
	{"entity with values and pattern", "entities: {e: {values: {a: [b]}, pattern: x}}\n" + minimal, false},
	{"entity without values", "entities: {e: {values: {}}}\n" + minimal, false},
	{"intent without examples", "intents: {greet: []}\n" + minimal, false},
	{"bad parameter type", "functions: {f: {description: d, url: 'https://x', parameters: {p: {type: int}}}}\n" + minimal, false},
	{"function without url", "functions: {f: {description: d}}\n" + minimal, false},
	{"bad variable name", "variables: {my-var: 1}\n" + minimal, false},
}

// TestSchemaAgreesWithParser checks the schema accepts exactly the bots
// the parser accepts, case by case.
func TestSchemaAgreesWithParser(t *testing.T) {
	sch := compileSchema(t)
	for _, c := range schemaCases {
		t.Run(c.name, func(t *testing.T) {
			errs := parseErrors(c.src)
			if parsed := len(errs) == 0; parsed != c.valid {
				t.Fatalf("the parser says valid=%v, the case expects %v: %s", parsed, c.valid, strings.Join(errs, "; "))
			}
			err := sch.Validate(yamlToJSON(t, c.src))
			switch {
			case c.valid && err != nil:
				t.Errorf("the schema rejects a valid bot:\n%v", err)
			case !c.valid && err == nil:
				t.Errorf("the schema accepts a bot the parser rejects (%s)", strings.Join(errs, "; "))
			}
		})
	}
}

// TestSchemaEveryKind checks allKindsBot really covers every kind, so that
// the schema of each kind is tried.
func TestSchemaEveryKind(t *testing.T) {
	b, _ := bot.Parse("all.yaml", []byte(allKindsBot), block.Builtin())
	if b == nil {
		t.Fatal("allKindsBot does not parse")
	}
	used := map[string]bool{}
	for _, blk := range b.Blocks.List {
		used[blk.Type] = true
	}
	for _, k := range block.Builtin().KindNames() {
		if !used[k] {
			t.Errorf("allKindsBot has no %s block; add one", k)
		}
	}
}

// TestSchemaBotFiles validates the bots of the repository's bots folder,
// or the valid inline bots when there is no such folder yet.
func TestSchemaBotFiles(t *testing.T) {
	sch := compileSchema(t)
	files := map[string]string{}
	err := filepath.WalkDir(filepath.Join(repoRoot, "bots"), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".yaml") && !strings.HasSuffix(path, ".test.yaml") {
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			files[path] = string(data)
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Log("no bot files under bots/; validating the inline bots")
		for _, c := range schemaCases {
			if c.valid {
				files[c.name] = c.src
			}
		}
	}
	for name, src := range files {
		if err := sch.Validate(yamlToJSON(t, src)); err != nil {
			t.Errorf("%s does not match the schema:\n%v", name, err)
		}
	}
}

// TestSchemaFileFresh checks the shipped schema is the generated one.
func TestSchemaFileFresh(t *testing.T) {
	const hint = "run `go run ./cmd/confab schema > schema/bot.schema.json` at the repository root"
	got, err := os.ReadFile(filepath.Join(repoRoot, "schema", "bot.schema.json"))
	if err != nil {
		t.Fatalf("reading the shipped schema: %v; %s", err, hint)
	}
	if want := bot.SchemaJSON(block.Builtin()); !bytes.Equal(got, want) {
		t.Fatalf("schema/bot.schema.json is out of date with the Go structs; %s", hint)
	}
}

// TestSchemaShape spot-checks the generated document.
func TestSchemaShape(t *testing.T) {
	s := bot.Schema(block.Builtin())
	if s["$schema"] != "https://json-schema.org/draft/2020-12/schema" || s["$id"] != "https://confab.dev/schema/bot-1.json" {
		t.Errorf("$schema = %v, $id = %v", s["$schema"], s["$id"])
	}
	defs := s["$defs"].(map[string]any)
	for _, name := range []string{"message", "choice", "button", "card", "next", "branch", "template", "expression", "duration", "block"} {
		if defs[name] == nil {
			t.Errorf("no $defs/%s", name)
		}
	}
	for _, k := range block.Builtin().KindNames() {
		def, ok := defs["block_"+k].(map[string]any)
		if !ok {
			t.Errorf("no $defs/block_%s", k)
			continue
		}
		kind, _ := block.Builtin().Lookup(k)
		if def["description"] != kind.Doc() {
			t.Errorf("block_%s: description %q, want the kind's Doc %q", k, def["description"], kind.Doc())
		}
	}
	props := s["properties"].(map[string]any)
	if c := props["confab"].(map[string]any)["const"]; c != bot.Format {
		t.Errorf("confab const = %v", c)
	}
	if d := props["start"].(map[string]any)["description"]; d != "The block a new conversation starts at." {
		t.Errorf("start has description %q; want its doc tag", d)
	}
	if !bytes.HasSuffix(bot.SchemaJSON(block.Builtin()), []byte("}\n")) {
		t.Error("SchemaJSON does not end with a newline")
	}
}
