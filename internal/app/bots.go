package app

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/confab/confab/internal/api"
	"github.com/confab/confab/internal/block"
	"github.com/confab/confab/internal/bot"
	"github.com/confab/confab/internal/flow"
	"github.com/confab/confab/internal/redact"
	"github.com/confab/confab/internal/store"
)

// maxVersions is how many versions of a bot Bots remembers.
const maxVersions = 50

// Bots are the bots a server runs, each with its engine. A bot's file can
// be read again while the server runs (Reload): the new version's engine
// serves the turns that start after it. Bots is safe for concurrent use:
// readers take the current table of engines with one atomic load, and a
// reload swaps in a new table.
type Bots struct {
	kinds   *block.Registry
	opts    flow.Options
	secrets *redact.Secrets
	now     func() time.Time

	mu    sync.Mutex // serialises reloads
	table atomic.Pointer[botTable]
}

// botTable is the bots served at one moment, by id. It is never changed
// once published: a reload publishes a new one.
type botTable map[string]*servedBot

// servedBot is a bot's current engine and the versions loaded since start,
// newest first.
type servedBot struct {
	engine   *flow.Engine
	versions []api.BotVersion
}

var _ api.BotRegistry = (*Bots)(nil)

// LoadBots loads and checks every bot file under dir. Warnings are
// returned with the bots; any error makes it fail.
func LoadBots(dir string, kinds *block.Registry, opts flow.Options) (*Bots, bot.Problems, error) {
	files, err := bot.Files([]string{dir}, bot.IsBotFile)
	if err != nil {
		return nil, nil, fmt.Errorf("loading bots from %s: %w", dir, err)
	}
	secrets := make([]string, 0, len(opts.Secrets))
	for _, v := range opts.Secrets {
		secrets = append(secrets, v)
	}
	b := &Bots{kinds: kinds, opts: opts, secrets: redact.New(secrets), now: time.Now}
	table := botTable{}
	var problems bot.Problems
	for _, f := range files {
		sb, b2, ps, err := b.load(f)
		if err != nil {
			return nil, problems, fmt.Errorf("loading bots from %s: %w", dir, err)
		}
		problems = append(problems, ps...)
		if sb == nil {
			continue
		}
		if other, dup := table[b2.ID]; dup {
			problems = append(problems, bot.Problem{File: f, Severity: bot.Error, Msg: fmt.Sprintf("bot id %q is also used by %s", b2.ID, other.versions[0].Source)})
			continue
		}
		table[b2.ID] = sb
	}
	if problems.HasErrors() {
		return nil, problems, fmt.Errorf("the bots in %s have errors:\n%s", dir, problems.Error())
	}
	b.table.Store(&table)
	return b, problems, nil
}

// load reads, checks and prepares one bot file. It returns nil (and the
// problems) when the file has errors; err only when it cannot be read.
func (b *Bots) load(file string) (*servedBot, *bot.Bot, bot.Problems, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, nil, err
	}
	bt, problems := bot.Parse(file, data, b.kinds)
	if bt == nil || problems.HasErrors() {
		return nil, nil, problems, nil
	}
	eng, err := flow.New(bt, b.kinds, b.opts)
	if err != nil {
		return nil, nil, append(problems, bot.Problem{File: file, Severity: bot.Error, Msg: err.Error()}), nil
	}
	sum := sha256.Sum256(data)
	v := api.BotVersion{Hash: hex.EncodeToString(sum[:]), LoadedAt: b.now().UTC(), Source: file}
	return &servedBot{engine: eng, versions: []api.BotVersion{v}}, bt, problems, nil
}

// Engine returns the engine of a bot's current version.
func (b *Bots) Engine(id string) (*flow.Engine, bool) {
	sb, ok := (*b.table.Load())[id]
	if !ok {
		return nil, false
	}
	return sb.engine, true
}

// Has reports whether the bot is served.
func (b *Bots) Has(id string) bool { _, ok := (*b.table.Load())[id]; return ok }

// IDs lists the bots served, sorted.
func (b *Bots) IDs() []string {
	t := *b.table.Load()
	out := make([]string, 0, len(t))
	for id := range t {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// Bots describes the bots served, sorted by id.
func (b *Bots) Bots() []api.BotInfo {
	t := *b.table.Load()
	out := make([]api.BotInfo, 0, len(t))
	for _, id := range b.IDs() {
		if sb, ok := t[id]; ok {
			out = append(out, sb.info())
		}
	}
	return out
}

// Bot describes one bot, with its versions.
func (b *Bots) Bot(id string) (api.BotInfo, bool) {
	sb, ok := (*b.table.Load())[id]
	if !ok {
		return api.BotInfo{}, false
	}
	return sb.info(), true
}

func (sb *servedBot) info() api.BotInfo {
	bt := sb.engine.Bot()
	return api.BotInfo{ID: bt.ID, Name: bt.Name, Description: bt.Description, Versions: sb.versions}
}

// Secrets returns the redactor of the secrets the bots see.
func (b *Bots) Secrets() *redact.Secrets { return b.secrets }

// Reload reads a served bot's file again (from where its current version
// was read). When the file loads, its engine serves the turns that start
// from now on, and conversations keep their state; when it has errors,
// they come back as bot.Problems and the current version keeps serving.
// A file whose content did not change leaves everything as it is
// (Changed is false). An id that is not served is store.ErrNotFound.
func (b *Bots) Reload(id string) (api.BotReload, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := *b.table.Load()
	cur, ok := t[id]
	if !ok {
		return api.BotReload{}, fmt.Errorf("bot %q: %w", id, store.ErrNotFound)
	}
	file := cur.versions[0].Source
	sb, bt, problems, err := b.load(file)
	switch {
	case err != nil:
		return api.BotReload{}, bot.Problems{{File: file, Severity: bot.Error, Msg: "the file cannot be read: " + err.Error()}}
	case sb == nil:
		return api.BotReload{}, problems
	case bt.ID != id:
		return api.BotReload{}, bot.Problems{{File: file, Severity: bot.Error,
			Msg: fmt.Sprintf("the file now declares the bot %q; a reload keeps the id %q (rename the bot with a restart)", bt.ID, id)}}
	}
	warnings := problems
	if sb.versions[0].Hash == cur.versions[0].Hash {
		return api.BotReload{Bot: cur.info(), Warnings: warnings}, nil
	}
	sb.versions = append(sb.versions, cur.versions[:min(len(cur.versions), maxVersions-1)]...)
	next := make(botTable, len(t))
	for k, v := range t {
		next[k] = v
	}
	next[id] = sb
	b.table.Store(&next)
	return api.BotReload{Bot: sb.info(), Changed: true, Warnings: warnings}, nil
}
