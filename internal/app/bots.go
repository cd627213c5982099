package app

import (
	"fmt"
	"sort"

	"github.com/confab/confab/internal/block"
	"github.com/confab/confab/internal/bot"
	"github.com/confab/confab/internal/flow"
)

// Bots are the bots a server runs, each with its engine.
type Bots struct {
	engines map[string]*flow.Engine
}

// LoadBots loads and checks every bot file under dir. Warnings are
// returned with the bots; any error makes it fail.
func LoadBots(dir string, kinds *block.Registry, opts flow.Options) (*Bots, bot.Problems, error) {
	set, err := bot.LoadSet([]string{dir}, kinds)
	if set == nil {
		return nil, nil, fmt.Errorf("loading bots from %s: %w", dir, err)
	}
	if err != nil {
		return nil, set.Problems, fmt.Errorf("the bots in %s have errors:\n%s", dir, set.Problems.Error())
	}
	b := &Bots{engines: map[string]*flow.Engine{}}
	for id, bt := range set.Bots {
		eng, err := flow.New(bt, kinds, opts)
		if err != nil {
			return nil, set.Problems, fmt.Errorf("bot %s: %w", id, err)
		}
		b.engines[id] = eng
	}
	return b, set.Problems, nil
}

// Engine returns the engine of a bot.
func (b *Bots) Engine(id string) (*flow.Engine, bool) {
	e, ok := b.engines[id]
	return e, ok
}

// Has reports whether the bot is served.
func (b *Bots) Has(id string) bool { _, ok := b.engines[id]; return ok }

// IDs lists the bots served, sorted.
func (b *Bots) IDs() []string {
	out := make([]string, 0, len(b.engines))
	for id := range b.engines {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}
