package bot

import (
	"fmt"
	"regexp"
	"sort"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/confab/confab/internal/nlp"
)

// Checker gives block kinds the whole bot for their semantic checks and
// collects the problems they find.
type Checker struct {
	d   *decoder
	bot *Bot
}

// Bot returns the bot being checked.
func (c *Checker) Bot() *Bot { return c.bot }

// Errorf reports an error at pos.
func (c *Checker) Errorf(pos Pos, format string, args ...any) { c.d.add(Error, pos, format, args...) }

// Warnf reports a warning at pos.
func (c *Checker) Warnf(pos Pos, format string, args ...any) { c.d.add(Warning, pos, format, args...) }

// Suggest returns a did-you-mean suffix for name among candidates, or "".
func (c *Checker) Suggest(name string, candidates []string) string { return suggest(name, candidates) }

// HasEntity reports whether name is a declared or system entity.
func (c *Checker) HasEntity(name string) bool {
	for _, e := range c.bot.Entities {
		if e.Name == name {
			return true
		}
	}
	return contains(nlp.SystemEntities(), name)
}

// EntityNames lists declared and system entity names.
func (c *Checker) EntityNames() []string {
	names := nlp.SystemEntities()
	for _, e := range c.bot.Entities {
		names = append(names, e.Name)
	}
	return names
}

var botIDRE = regexp.MustCompile(`^[a-z0-9_-]+$`)

// maxCallTimeout is the longest a call may wait for an answer.
const maxCallTimeout = 30 * time.Second

// check runs the checks that need the whole bot: the format version,
// references between blocks, reachability, functions, variables read but
// never set, and the checks block kinds asked for.
// root is the file's top-level mapping.
func check(d *decoder, b *Bot, root *yaml.Node) {
	c := &Checker{d: d, bot: b}
	if b.Format != 0 && b.Format != Format {
		d.errorf(valueOf(root, "confab"), "confab: %d is not a format this version reads; use confab: %d", b.Format, Format)
	}
	if b.ID != "" && !botIDRE.MatchString(b.ID) {
		d.errorf(valueOf(root, "id"), "bot id %q may hold only lower-case letters, digits, _ and -", b.ID)
	}
	ids := b.Blocks.IDs()
	for _, r := range d.refs {
		if b.Blocks.Get(r.ref.ID) == nil {
			d.add(Error, r.ref.Pos, "no block %q%s", r.ref.ID, suggest(r.ref.ID, ids))
		}
	}
	checkFunctions(c)
	for _, f := range d.checks {
		f(c)
	}
	for _, blk := range b.Blocks.List {
		if ck, ok := blk.Config.(Checkable); ok {
			ck.Check(c, blk)
		}
	}
	checkReachable(d, b)
	checkReads(d, b)
}

func checkFunctions(c *Checker) {
	for _, f := range c.bot.Functions {
		if f.Timeout != nil && f.Timeout.Duration > maxCallTimeout {
			c.Errorf(f.Timeout.Pos, "timeout of function %q is %s; the most is %s", f.Name, f.Timeout.Duration, maxCallTimeout)
		}
		for _, p := range f.Parameters {
			for _, v := range p.Enum {
				if !valueHasType(v, p.Type) {
					c.Errorf(p.Pos, "enum value %s of parameter %q is not a %s", showValue(v), p.Name, p.Type)
				}
			}
		}
	}
}

// showValue writes a plain YAML value as the bot file would: null, quoted
// text, numbers and booleans as they are.
func showValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("%q", v)
	}
	return fmt.Sprint(v)
}

// valueHasType reports whether v is a value of a function parameter type.
func valueHasType(v any, typ string) bool {
	switch v.(type) {
	case string:
		return typ == "string"
	case bool:
		return typ == "boolean"
	case int, int64, float64:
		return typ == "number"
	}
	return false
}

// checkReachable warns about blocks that no path from start, a keyword or
// not_understood reaches.
func checkReachable(d *decoder, b *Bot) {
	edges := map[string][]string{}
	var roots []string
	for _, r := range d.refs {
		if r.from == "" {
			roots = append(roots, r.ref.ID)
		} else {
			edges[r.from] = append(edges[r.from], r.ref.ID)
		}
	}
	seen := map[string]bool{}
	for len(roots) > 0 {
		id := roots[len(roots)-1]
		roots = roots[:len(roots)-1]
		if seen[id] {
			continue
		}
		seen[id] = true
		roots = append(roots, edges[id]...)
	}
	for _, blk := range b.Blocks.List {
		if !seen[blk.ID] {
			d.add(Warning, blk.Pos, "block %q is never reached from start, a keyword or not_understood", blk.ID)
		}
	}
}

// checkReads warns about names read by expressions that are neither
// reserved, declared, nor written by any block.
func checkReads(d *decoder, b *Bot) {
	known := map[string]bool{b.NotUnderstood.CounterName(): true, "callback_url": true, "error": true, "response": true}
	for _, n := range Reserved {
		known[n] = true
	}
	for _, v := range b.Variables {
		known[v.Name] = true
	}
	for _, w := range d.writes {
		known[w.name] = true
	}
	names := make([]string, 0, len(known))
	for n := range known {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, r := range d.reads {
		if !known[r.name] {
			d.add(Warning, r.pos, "%q is not a declared variable, nor set by any block%s", r.name, suggest(r.name, names))
		}
	}
}
