// Package block holds the block kinds of the bot format: each kind decodes
// its own settings (a config struct whose fields are the block's YAML keys),
// checks them once the whole bot is known, and runs its blocks in the flow
// engine. Kinds are registered explicitly in a Registry value: no init()
// side effects.
package block

import (
	"sort"

	"github.com/confab/confab/internal/bot"
	"github.com/confab/confab/internal/flow"
)

// Kind is a block kind: the bot package decodes blocks with NewConfig, the
// engine runs them with Enter (and Resume when they wait).
type Kind interface {
	bot.Kind
	flow.Runner
	// Doc says in a sentence what blocks of this kind do.
	Doc() string
}

// Registry maps block type names to kinds. The zero value is empty; use
// Builtin for the kinds of format 1.
type Registry struct {
	kinds map[string]Kind
}

// Add registers a kind under a type name, replacing any kind of that name.
func (r *Registry) Add(name string, k Kind) {
	if r.kinds == nil {
		r.kinds = map[string]Kind{}
	}
	r.kinds[name] = k
}

// Kind implements bot.Kinds.
func (r *Registry) Kind(name string) (bot.Kind, bool) {
	k, ok := r.kinds[name]
	return k, ok
}

// Runner implements flow.Kinds.
func (r *Registry) Runner(name string) (flow.Runner, bool) {
	k, ok := r.kinds[name]
	return k, ok
}

// Lookup returns the kind of a type name.
func (r *Registry) Lookup(name string) (Kind, bool) {
	k, ok := r.kinds[name]
	return k, ok
}

// KindNames lists the type names, sorted.
func (r *Registry) KindNames() []string {
	out := make([]string, 0, len(r.kinds))
	for n := range r.kinds {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Builtin returns a registry of every block kind of format 1.
func Builtin() *Registry {
	r := &Registry{}
	r.Add("message", messageKind{})
	r.Add("input", inputKind{})
	r.Add("condition", conditionKind{})
	r.Add("set", setKind{})
	r.Add("end", endKind{})
	r.Add("api", apiKind{})
	r.Add("custom_action", customActionKind{})
	r.Add("function", functionKind{})
	r.Add("code", codeKind{})
	r.Add("ai", aiKind{})
	r.Add("wait", waitKind{})
	r.Add("handover", handoverKind{})
	return r
}

var (
	_ bot.Kinds  = (*Registry)(nil)
	_ flow.Kinds = (*Registry)(nil)
)

// follow takes a block's next; when branches exist and none holds, the
// flow ends with a note in the trace (a non-input block has no user
// message to call not understood).
func follow(t *flow.Turn, n bot.Next, onError bot.Ref) flow.Outcome {
	out, matched, err := t.Follow(n)
	if err != nil {
		return t.Fail(err, onError)
	}
	if !matched {
		t.Note(flow.StepError, "no branch of next holds: the flow ends")
		return t.End()
	}
	return out
}

// sayAll sends messages in order.
func sayAll(t *flow.Turn, ms []bot.Message) error {
	for i := range ms {
		if err := t.Say(&ms[i]); err != nil {
			return err
		}
	}
	return nil
}
