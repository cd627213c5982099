package bot

import (
	"go.yaml.in/yaml/v3"
)

// Ref names a block: the target of next, goto, on_error, on_fail,
// on_timeout, start, keywords and not_understood. Every Ref is checked to
// name a block of the bot.
type Ref struct {
	ID  string
	Pos Pos
}

// IsZero reports whether the reference is unset.
func (r Ref) IsZero() bool { return r.ID == "" }

func (r *Ref) decodeNode(d *decoder, n *yaml.Node) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.ScalarNode || n.Value == "" {
		d.errorf(n, "a block reference must be a block id, not %s", kindName(n))
		return
	}
	r.ID, r.Pos = n.Value, posOf(n)
	d.refs = append(d.refs, refUse{from: d.block, ref: r})
}

// Next is where the flow goes after a block: one block, or ordered
// branches of which the first whose condition holds is taken. A branch
// without `when` always holds.
type Next struct {
	Target   Ref
	Branches []Branch
	Pos      Pos
}

// IsZero reports whether no next was given: the flow ends after the block.
func (n Next) IsZero() bool { return n.Target.IsZero() && n.Branches == nil }

// Branch is one route of a Next: go to Goto when When holds (or always,
// when When is nil).
type Branch struct {
	When *Expr `yaml:"when" doc:"Condition expression; the first branch whose condition is true is taken. Omit it for the default route."`
	Goto Ref   `yaml:"goto" required:"true" doc:"The block to go to."`
	Pos  Pos
}

func (x *Next) decodeNode(d *decoder, n *yaml.Node) {
	x.Pos = posOf(n)
	switch {
	case isNull(n):
	case n.Kind == yaml.ScalarNode:
		x.Target.decodeNode(d, n)
	case n.Kind == yaml.SequenceNode:
		x.Branches = make([]Branch, len(n.Content))
		for i, item := range n.Content {
			item = resolve(item)
			x.Branches[i].Pos = posOf(item)
			d.decodeStruct(item, structValue(&x.Branches[i]), "a branch of next")
			if x.Branches[i].When == nil && i < len(n.Content)-1 {
				d.add(Warning, posOf(item), "this branch has no `when`, so the branches after it are never taken")
			}
		}
		if len(n.Content) == 0 {
			d.errorf(n, "next must name a block or list at least one branch")
		}
	default:
		d.errorf(n, "next must be a block id or a list of {when, goto} branches, not %s", kindName(n))
	}
}
