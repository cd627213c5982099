package bot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
)

// schemaID is the $id of the JSON Schema of bot files (format 1).
const schemaID = "https://confab.dev/schema/bot-1.json"

// SchemaKinds is what Schema needs of the block kinds.
type SchemaKinds interface {
	KindNames() []string
	Kind(name string) (Kind, bool)
}

// schemaer is implemented by the field types that decode themselves
// (nodeDecoder): they describe the YAML shapes their decodeNode accepts,
// as a JSON Schema.
type schemaer interface {
	jsonSchema() map[string]any
}

var schemaerType = reflect.TypeFor[schemaer]()

// schemaDefs names the types whose schema is shared in $defs; every use of
// such a type is a $ref to its definition.
var schemaDefs = map[reflect.Type]string{
	reflect.TypeFor[Message]():  "message",
	reflect.TypeFor[Choice]():   "choice",
	reflect.TypeFor[Button]():   "button",
	reflect.TypeFor[Card]():     "card",
	reflect.TypeFor[Next]():     "next",
	reflect.TypeFor[Branch]():   "branch",
	reflect.TypeFor[Ref]():      "ref",
	reflect.TypeFor[Template](): "template",
	reflect.TypeFor[Expr]():     "expression",
	reflect.TypeFor[VarName]():  "variable_name",
	reflect.TypeFor[Duration](): "duration",
}

// Schema returns the JSON Schema (draft 2020-12) of bot files for the given kinds, generated from the same Go structs the parser decodes into, so the two cannot disagree.
//
// The schema checks shapes: which keys exist, their types, enums and
// required keys, the "exactly one of" rules of messages, buttons and
// validate, and the names the parser checks with a regular expression. It
// does not check what needs the whole bot (that references name existing
// blocks, that functions are declared) nor compile expressions; confab
// validate does. Where the parser takes YAML null as "not given" for an
// optional field, the schema asks for the field to be left out instead.
func Schema(kinds SchemaKinds) map[string]any {
	defs := map[string]any{}
	for t, name := range schemaDefs {
		defs[name] = schemaBody(t)
	}

	names := []any{}
	var cases []any
	for _, name := range kinds.KindNames() {
		k, ok := kinds.Kind(name)
		if !ok {
			continue
		}
		def := "block_" + name
		if _, dup := defs[def]; dup {
			panic(fmt.Sprintf("bot: the schema definition %q of block type %q is taken", def, name))
		}
		defs[def] = kindSchema(name, k)
		names = append(names, name)
		cases = append(cases, map[string]any{
			"if": map[string]any{
				"properties": map[string]any{"type": map[string]any{"const": name}},
				"required":   []any{"type"},
			},
			"then": schemaRef(def),
		})
	}
	block := map[string]any{
		"description": "A block of the flow: its type, and the settings of that type.",
		"type":        "object",
		"properties": map[string]any{
			"type": map[string]any{"description": "The block's type.", "enum": names},
		},
		"required": []any{"type"},
	}
	if len(cases) > 0 {
		block["allOf"] = cases
	}
	defs["block"] = block

	s := structSchema(reflect.TypeFor[Bot]())
	props := s["properties"].(map[string]any)
	props["confab"].(map[string]any)["const"] = Format
	props["id"].(map[string]any)["pattern"] = botIDRE.String()
	s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	s["$id"] = schemaID
	s["title"] = "Confab bot file"
	s["description"] = fmt.Sprintf("A Confab bot (format %d): its intents, entities, variables, functions and the blocks of its flow.", Format)
	s["$defs"] = defs
	return s
}

// SchemaJSON returns Schema as indented JSON with a trailing newline, keys in a stable order (encoding/json sorts map keys).
func SchemaJSON(kinds SchemaKinds) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(Schema(kinds)); err != nil {
		panic(fmt.Sprintf("bot: encoding the schema: %v", err))
	}
	return buf.Bytes()
}

// kindSchema describes a block of one kind: `type` and the fields of the
// kind's config struct, decoded like decodeBlock does.
func kindSchema(name string, k Kind) map[string]any {
	t := reflect.TypeOf(k.NewConfig())
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		panic(fmt.Sprintf("bot: the config of block type %q is %v, not a pointer to a struct", name, t))
	}
	s := structSchema(t.Elem())
	props := s["properties"].(map[string]any)
	if _, ok := props["type"]; ok {
		panic(fmt.Sprintf("bot: the config of block type %q has a field named type", name))
	}
	props["type"] = map[string]any{"const": name, "description": "The block's type."}
	req, _ := s["required"].([]any)
	s["required"] = append([]any{"type"}, req...)
	if d, ok := k.(interface{ Doc() string }); ok {
		s["description"] = d.Doc()
	}
	return s
}

// schemaRef refers to a definition in $defs.
func schemaRef(name string) map[string]any {
	return map[string]any{"$ref": "#/$defs/" + name}
}

// schemaFor returns the schema of a value of type t as the decoder reads
// it: a $ref for the types in schemaDefs, the type's own schema otherwise.
// Each call returns a fresh map that the caller may add to.
func schemaFor(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if name, ok := schemaDefs[t]; ok {
		return schemaRef(name)
	}
	return schemaBody(t)
}

// schemaBody mirrors decoder.decode: a type that decodes itself describes
// itself; other types are described by their kind.
func schemaBody(t reflect.Type) map[string]any {
	pt := reflect.PointerTo(t)
	if pt.Implements(schemaerType) {
		return reflect.New(t).Interface().(schemaer).jsonSchema()
	}
	if pt.Implements(nodeDecoderType) {
		panic(fmt.Sprintf("bot: %s decodes itself but has no jsonSchema method", t))
	}
	switch t.Kind() {
	case reflect.Pointer:
		return schemaFor(t)
	case reflect.Struct:
		return structSchema(t)
	case reflect.Slice:
		return map[string]any{"type": "array", "items": schemaFor(t.Elem())}
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			panic(fmt.Sprintf("bot: no schema for %s: map keys must be strings", t))
		}
		return map[string]any{"type": "object", "additionalProperties": schemaFor(t.Elem())}
	case reflect.String:
		return scalarSchema()
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64:
		return map[string]any{"type": "integer"}
	case reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Interface:
		return map[string]any{}
	}
	panic(fmt.Sprintf("bot: no schema for %s", t))
}

// scalarSchema accepts what the decoder reads as text: any scalar, so
// `title: 5` or `options: [1, 2, 3]` are text too.
func scalarSchema() map[string]any {
	return map[string]any{"type": []any{"string", "number", "boolean"}}
}

// structSchema describes a struct decoded by decodeStruct: a closed
// mapping of its `yaml`-tagged fields.
func structSchema(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []any
	for _, f := range fieldsOf(t) {
		ft := t.Field(f.index).Type
		p := schemaFor(ft)
		if f.doc != "" {
			p["description"] = f.doc
		}
		// decodeStruct checks enums of string fields only.
		if f.enum != nil && ft.Kind() == reflect.String {
			enum := make([]any, len(f.enum))
			for i, e := range f.enum {
				enum[i] = e
			}
			p["type"] = "string"
			p["enum"] = enum
		}
		props[f.name] = p
		if f.required {
			required = append(required, f.name)
		}
	}
	s := map[string]any{"type": "object", "additionalProperties": false, "properties": props}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

// fieldDoc returns the doc tag of the field of t that the format names name.
func fieldDoc(t reflect.Type, name string) string {
	f, _ := findField(fieldsOf(t), name)
	return f.doc
}

// oneRequired is a list of schemas each requiring one of names, for the
// "exactly one of" (oneOf) and "at least one of" (anyOf) rules.
func oneRequired(names ...string) []any {
	out := make([]any, len(names))
	for i, n := range names {
		out[i] = map[string]any{"required": []any{n}}
	}
	return out
}

// stringList turns names into a JSON array.
func stringList(names []string) []any {
	out := make([]any, len(names))
	for i, n := range names {
		out[i] = n
	}
	return out
}

// jsonSchema describes a Ref: a non-empty scalar, the id of a block.
func (*Ref) jsonSchema() map[string]any {
	s := scalarSchema()
	s["description"] = "The id of a block of this bot."
	s["minLength"] = 1
	return s
}

// jsonSchema describes a Next: a block id or a non-empty list of branches.
func (*Next) jsonSchema() map[string]any {
	return map[string]any{
		"description": "Where the flow goes next: a block id, or ordered branches {when, goto} of which the first whose condition holds is taken.",
		"oneOf": []any{
			schemaFor(reflect.TypeFor[Ref]()),
			map[string]any{"type": "array", "minItems": 1, "items": schemaFor(reflect.TypeFor[Branch]())},
		},
	}
}

// jsonSchema describes a Template: any scalar, read as text.
func (*Template) jsonSchema() map[string]any {
	s := scalarSchema()
	s["description"] = "Text in which {{ expression }} parts are filled in."
	return s
}

// jsonSchema describes an Expr: a scalar that is not blank.
func (*Expr) jsonSchema() map[string]any {
	s := scalarSchema()
	s["description"] = "An expression over the conversation's variables, input, intent, entities and more."
	s["pattern"] = `\S`
	return s
}

// jsonSchema describes a VarName: an identifier that is not reserved.
func (*VarName) jsonSchema() map[string]any {
	return map[string]any{
		"description": "The name of a bot variable: a letter or _, then letters, digits and _; not a reserved name.",
		"type":        "string",
		"pattern":     identRE.String(),
		"not":         map[string]any{"enum": stringList(Reserved)},
	}
}

// durationPattern matches the strings Duration.decodeNode reads: a number
// of seconds or a Go duration such as 1h30m, without a sign. The second
// pattern (a digit other than 0) keeps zero out.
const durationPattern = `^\+?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:ns|us|µs|μs|ms|s|m|h))+)$`

// jsonSchema describes a Duration: a positive number of seconds or a duration string.
func (*Duration) jsonSchema() map[string]any {
	return map[string]any{
		"description": "A length of time: 500ms, 5s, 10m, 2h, 1h30m, or a number of seconds; more than zero.",
		"oneOf": []any{
			map[string]any{"type": "number", "exclusiveMinimum": 0},
			map[string]any{"type": "string", "allOf": []any{
				map[string]any{"pattern": durationPattern},
				map[string]any{"pattern": "[1-9]"},
			}},
		},
	}
}

// jsonSchema describes Assignments: a mapping of variable names to expressions.
func (*Assignments) jsonSchema() map[string]any {
	return map[string]any{
		"description":          "Variable → expression, set in order.",
		"type":                 "object",
		"propertyNames":        schemaFor(reflect.TypeFor[VarName]()),
		"additionalProperties": schemaFor(reflect.TypeFor[Expr]()),
	}
}

// jsonSchema describes a Tree: any value.
func (*Tree) jsonSchema() map[string]any {
	return map[string]any{"description": "Any value; its strings are templates."}
}

// jsonSchema describes a Message: a text, or a mapping of its fields with something to show.
func (*Message) jsonSchema() map[string]any {
	m := structSchema(reflect.TypeFor[messageFields]())
	m["anyOf"] = oneRequired("text", "image", "gif", "card", "carousel", "dropdown")
	m["dependentRequired"] = map[string]any{"quick_replies": []any{"text"}}
	return map[string]any{
		"description": "A message: a text (a template), or a mapping with text, quick replies, buttons, an image or gif, a card, a carousel or a drop-down.",
		"oneOf":       []any{schemaFor(reflect.TypeFor[Template]()), m},
	}
}

// jsonSchema describes a Choice: a title, or a mapping of title and payload.
func (*Choice) jsonSchema() map[string]any {
	return map[string]any{
		"description": "A quick reply or drop-down option: a title that is also sent back, or {title, payload}.",
		"oneOf":       []any{schemaFor(reflect.TypeFor[Template]()), structSchema(reflect.TypeFor[choiceFields]())},
	}
}

// jsonSchema describes a Button: a mapping with a title and exactly one action.
func (*Button) jsonSchema() map[string]any {
	s := structSchema(reflect.TypeFor[buttonFields]())
	s["description"] = "A button: a title and exactly one of payload, url or webview."
	s["oneOf"] = oneRequired("payload", "url", "webview")
	return s
}

// jsonSchema describes a Validate mapping and the rules between its fields.
func (*Validate) jsonSchema() map[string]any {
	s := structSchema(reflect.TypeFor[validateFields]())
	s["description"] = "What an input block accepts: exactly one of type, entity or options."
	s["oneOf"] = oneRequired("type", "entity", "options")
	typeIs := func(name string) map[string]any {
		return map[string]any{
			"properties": map[string]any{"type": map[string]any{"const": name}},
			"required":   []any{"type"},
		}
	}
	s["allOf"] = []any{
		map[string]any{
			"if":   typeIs("regex"),
			"then": map[string]any{"required": []any{"pattern"}},
			"else": map[string]any{"properties": map[string]any{"pattern": false}},
		},
		map[string]any{
			"if":   typeIs("number"),
			"else": map[string]any{"properties": map[string]any{"min": false, "max": false}},
		},
	}
	return s
}

// jsonSchema describes Keywords: a mapping of non-blank keywords to block ids.
func (*Keywords) jsonSchema() map[string]any {
	return map[string]any{
		"type":                 "object",
		"propertyNames":        map[string]any{"pattern": `\S`},
		"additionalProperties": schemaFor(reflect.TypeFor[Ref]()),
	}
}

// jsonSchema describes a NotUnderstood: a block id, or {block, counter}.
func (*NotUnderstood) jsonSchema() map[string]any {
	return map[string]any{
		"oneOf": []any{
			schemaFor(reflect.TypeFor[Ref]()),
			structSchema(reflect.TypeFor[notUnderstoodFields]()),
		},
	}
}

// jsonSchema describes Variables: a mapping of variable names to any starting value.
func (*Variables) jsonSchema() map[string]any {
	return map[string]any{
		"type":                 "object",
		"propertyNames":        schemaFor(reflect.TypeFor[VarName]()),
		"additionalProperties": map[string]any{"description": "The starting value: any YAML value."},
	}
}

// jsonSchema describes Intents: a mapping of intent names to non-empty lists of examples.
func (*Intents) jsonSchema() map[string]any {
	return map[string]any{
		"type":          "object",
		"propertyNames": map[string]any{"pattern": nameRE.String()},
		"additionalProperties": map[string]any{
			"description": "Example expressions of the intent.",
			"type":        "array",
			"minItems":    1,
			"items":       schemaFor(reflect.TypeFor[string]()),
		},
	}
}

// jsonSchema describes Entities: a mapping of entity names to {values} or {pattern}.
func (*Entities) jsonSchema() map[string]any {
	ef := reflect.TypeFor[entityFields]()
	pattern := schemaFor(reflect.TypeFor[string]())
	pattern["description"] = fieldDoc(ef, "pattern")
	pattern["minLength"] = 1
	synonyms := schemaFor(reflect.TypeFor[[]string]())
	synonyms["type"] = []any{"array", "null"}
	synonyms["description"] = "Other ways to say the value."
	return map[string]any{
		"type":          "object",
		"propertyNames": map[string]any{"pattern": identRE.String()},
		"additionalProperties": map[string]any{
			"description":          "An entity: exactly one of values (a list of values with synonyms) or pattern (a regular expression).",
			"type":                 "object",
			"additionalProperties": false,
			"properties": map[string]any{
				"values": map[string]any{
					"description":          fieldDoc(ef, "values"),
					"type":                 "object",
					"minProperties":        1,
					"additionalProperties": synonyms,
				},
				"pattern": pattern,
			},
			"oneOf": oneRequired("values", "pattern"),
		},
	}
}

// jsonSchema describes Functions: a mapping of function names to their declarations.
func (*Functions) jsonSchema() map[string]any {
	return map[string]any{
		"type":                 "object",
		"propertyNames":        map[string]any{"pattern": funcNameRE.String()},
		"additionalProperties": schemaFor(reflect.TypeFor[Function]()),
	}
}

// jsonSchema describes Parameters: a mapping of parameter names to their declarations.
func (*Parameters) jsonSchema() map[string]any {
	return map[string]any{
		"type":                 "object",
		"propertyNames":        map[string]any{"pattern": funcNameRE.String()},
		"additionalProperties": schemaFor(reflect.TypeFor[Param]()),
	}
}

// jsonSchema describes Blocks: a non-empty mapping of block ids to blocks.
func (*Blocks) jsonSchema() map[string]any {
	return map[string]any{
		"type":                 "object",
		"minProperties":        1,
		"additionalProperties": schemaRef("block"),
	}
}
