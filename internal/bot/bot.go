// Package bot reads bot files (format 1): it parses the YAML strictly,
// compiles every expression and template once, and checks the whole bot,
// reporting each problem with file:line:col. What it returns is an
// immutable, validated description that the flow engine runs.
//
// The per-kind settings of blocks are decoded into the config structs that
// the block kinds provide (see Kinds); this package knows the shape of a bot,
// not what blocks do.
package bot

import (
	"go.yaml.in/yaml/v3"
)

// Format is the bot file format this package reads.
const Format = 1

// Bot is one validated bot file.
type Bot struct {
	File          string        `yaml:"-"`
	Format        int           `yaml:"confab" required:"true" doc:"The bot file format version: 1."`
	ID            string        `yaml:"id" required:"true" doc:"The bot's id: lower-case letters, digits, _ and -; unique per server."`
	Name          string        `yaml:"name" doc:"A human name for the bot."`
	Description   string        `yaml:"description" doc:"What the bot is for."`
	Language      string        `yaml:"language" doc:"The bot's language as a BCP 47 tag (en, fr, nl-BE); default en."`
	Start         Ref           `yaml:"start" required:"true" doc:"The block a new conversation starts at."`
	Keywords      Keywords      `yaml:"keywords" doc:"Messages that (re)start the bot at a block, such as \"#pizza\": welcome. Matched whole, ignoring case and surrounding spaces."`
	NotUnderstood NotUnderstood `yaml:"not_understood" doc:"Where input goes that no route takes: a block id, or {block, counter}. Default: a built-in reply, then wait again."`
	Variables     Variables     `yaml:"variables" doc:"Variables with their starting values."`
	Intents       Intents       `yaml:"intents" doc:"Intents, each with example expressions."`
	Entities      Entities      `yaml:"entities" doc:"Entities: lists of values with synonyms, or regular expressions."`
	Functions     Functions     `yaml:"functions" doc:"Functions the bot may call from function and ai blocks and through the API."`
	Blocks        Blocks        `yaml:"blocks" required:"true" doc:"The blocks of the flow, by id."`
}

// Block returns the block with the given id, or nil.
func (b *Bot) Block(id string) *Block { return b.Blocks.Get(id) }

// Kind is what the bot package needs of a block kind: a fresh config to
// decode a block's settings into. The config is a pointer to a struct whose
// `yaml`-tagged fields are the block's settings (besides `type`).
type Kind interface {
	NewConfig() any
}

// Kinds looks block kinds up by their `type` name.
type Kinds interface {
	Kind(name string) (Kind, bool)
	KindNames() []string
}

// Checkable is implemented by block configs that check more than their
// fields' shapes once the whole bot is known (a function block checks its
// function exists and its parameters, for instance).
type Checkable interface {
	Check(c *Checker, b *Block)
}

// Block is one block of the flow.
type Block struct {
	ID     string
	Type   string
	Pos    Pos
	Config any // the kind's config, as returned by Kind.NewConfig
}

// Blocks keeps the bot's blocks in file order.
type Blocks struct {
	List  []*Block
	index map[string]*Block
}

// Get returns the block with the given id, or nil.
func (bs *Blocks) Get(id string) *Block { return bs.index[id] }

// IDs returns the block ids in file order.
func (bs *Blocks) IDs() []string {
	out := make([]string, len(bs.List))
	for i, b := range bs.List {
		out[i] = b.ID
	}
	return out
}

func (bs *Blocks) decodeNode(d *decoder, n *yaml.Node) {
	bs.index = map[string]*Block{}
	pairs := d.pairs(n, "blocks")
	if len(pairs) == 0 && n.Kind == yaml.MappingNode {
		d.errorf(n, "a bot needs at least one block")
	}
	for _, p := range pairs {
		b := &Block{ID: p[0].Value, Pos: posOf(p[0])}
		bs.List = append(bs.List, b)
		bs.index[b.ID] = b
		d.decodeBlock(p[1], b)
	}
}

// decodeBlock reads `type`, then decodes the other keys into the kind's
// config.
func (d *decoder) decodeBlock(n *yaml.Node, b *Block) {
	what := "block " + quote(b.ID)
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "%s must be a mapping with a type, not %s", what, kindName(n))
		return
	}
	rest := &yaml.Node{Kind: yaml.MappingNode, Line: n.Line, Column: n.Column}
	var typeNode *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := resolve(n.Content[i]); k.Kind == yaml.ScalarNode && k.Value == "type" {
			typeNode = resolve(n.Content[i+1])
			continue
		}
		rest.Content = append(rest.Content, n.Content[i], n.Content[i+1])
	}
	prev := d.block
	d.block = b.ID
	defer func() { d.block = prev }()
	if typeNode == nil {
		d.errorf(n, "%s has no type; add one of: %s", what, joinNames(d.kinds.KindNames()))
		d.decodeRoutes(rest)
		return
	}
	b.Type = typeNode.Value
	kind, ok := d.kinds.Kind(b.Type)
	if !ok {
		d.errorf(typeNode, "unknown block type %q%s; the types are: %s", b.Type, suggest(b.Type, d.kinds.KindNames()), joinNames(d.kinds.KindNames()))
		d.decodeRoutes(rest)
		return
	}
	b.Config = kind.NewConfig()
	d.decodeStruct(rest, structValue(b.Config), what)
}

// decodeRoutes reads only where a block whose type is missing or unknown
// leads (next, on_error, on_fail, on_timeout), so that the blocks it names
// are checked to exist and are not reported as never reached.
func (d *decoder) decodeRoutes(n *yaml.Node) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		v := resolve(n.Content[i+1])
		switch resolve(n.Content[i]).Value {
		case "next":
			new(Next).decodeNode(d, v)
		case "on_error", "on_fail", "on_timeout":
			new(Ref).decodeNode(d, v)
		}
	}
}
