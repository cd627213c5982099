// Package flow is the conversation engine. It is pure and deterministic:
//
//	(bot, state, event) → (new state, effects, trace)
//
// with no clock, network or database inside; time comes in with the event,
// and everything that reaches the outside world leaves as an Effect for the
// host (the server, `confab chat`, `confab test`) to carry out. That is why
// the server, the terminal emulator and conversation tests all run the same
// code and agree.
//
// What a block does is up to its kind (package block); the engine moves
// between blocks, keeps variables, reads messages through the NLP and keeps
// the trace.
package flow

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/confab/confab/internal/bot"
	"github.com/confab/confab/internal/nlp"
)

// Runner is what a block kind does when the flow arrives at one of its
// blocks.
type Runner interface {
	Enter(t *Turn, b *bot.Block) Outcome
}

// Resumer is implemented by kinds whose blocks wait: input, call blocks,
// wait and handover. Resume runs when the event the block waits for comes.
type Resumer interface {
	Resume(t *Turn, b *bot.Block) Outcome
}

// Kinds looks up the runner of a block type.
type Kinds interface {
	Runner(typ string) (Runner, bool)
}

// Options are what the host gives the engine besides the bot.
type Options struct {
	// Env is the allow-listed environment, seen as env.NAME.
	Env map[string]string
	// Secrets are seen as secret.NAME; they are never put in the trace.
	Secrets map[string]string
	// CallbackURL makes the URL a wait block's callback is POSTed to; id is
	// the wait's call id. Nil makes "confab:callback/<id>".
	CallbackURL func(st *State, id string) string
	// MaxSteps caps the blocks one turn may enter (default 200), so that a
	// loop without input ends with an error instead of spinning.
	MaxSteps int
	// Parser reads user messages; nil builds the bot's built-in matcher.
	Parser nlp.Parser
}

// Engine runs conversations of one bot version. It is safe for concurrent
// use: all per-conversation data is in State.
type Engine struct {
	bot     *bot.Bot
	kinds   Kinds
	matcher *nlp.Matcher
	parser  nlp.Parser
	opts    Options
	env     map[string]any
	secrets map[string]any
}

// New prepares a validated bot for running.
func New(b *bot.Bot, kinds Kinds, opts Options) (*Engine, error) {
	m, err := NewMatcher(b)
	if err != nil {
		return nil, err
	}
	for _, blk := range b.Blocks.List {
		if _, ok := kinds.Runner(blk.Type); !ok {
			return nil, fmt.Errorf("block %q: no runner for type %q", blk.ID, blk.Type)
		}
	}
	if opts.MaxSteps == 0 {
		opts.MaxSteps = 200
	}
	e := &Engine{bot: b, kinds: kinds, matcher: m, parser: opts.Parser, opts: opts,
		env: stringMap(opts.Env), secrets: stringMap(opts.Secrets)}
	if e.parser == nil {
		e.parser = m
	}
	return e, nil
}

// NewMatcher builds the built-in NLP matcher from a bot's intents and
// entities.
func NewMatcher(b *bot.Bot) (*nlp.Matcher, error) {
	intents := make([]nlp.Intent, len(b.Intents))
	for i, it := range b.Intents {
		intents[i] = nlp.Intent{Name: it.Name, Examples: it.Examples}
	}
	entities := make([]nlp.EntityDef, len(b.Entities))
	for i, e := range b.Entities {
		d := nlp.EntityDef{Name: e.Name, Pattern: e.Pattern}
		for _, v := range e.Values {
			d.Values = append(d.Values, nlp.ListValue{Value: v.Value, Synonyms: v.Synonyms})
		}
		entities[i] = d
	}
	return nlp.New(intents, entities, nlp.Options{})
}

func stringMap(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Bot returns the bot this engine runs.
func (e *Engine) Bot() *bot.Bot { return e.bot }

// Matcher returns the bot's built-in NLP matcher.
func (e *Engine) Matcher() *nlp.Matcher { return e.matcher }

// Result is the outcome of one turn.
type Result struct {
	State   State
	Effects []Effect
	Trace   Trace
	// Err is set when the turn could not run as the bot says (an event
	// that does not fit the state, a loop without input). The state is
	// then the state before the event.
	Err error
}

// Messages returns the messages the turn sends, in order.
func (r *Result) Messages() []Message {
	var out []Message
	for _, e := range r.Effects {
		if s, ok := e.(Send); ok {
			out = append(out, s.Message)
		}
	}
	return out
}

// Call returns the call the turn waits for, or nil.
func (r *Result) Call() *Call {
	if r.State.Status == StatusCall {
		return r.State.Pending
	}
	return nil
}

// ErrNoCall is the error of a result event that answers no pending call.
var ErrNoCall = errors.New("no call is pending")

// Prepare returns a turn over st at now that runs no block, for hosts
// that build a block's call outside a flow (the API's function call).
// Blocks are not run and its effects are dropped. It does not modify st.
func (e *Engine) Prepare(st State, now time.Time) *Turn {
	return e.newTurn(st.Clone(), Event{Time: now})
}

// Run moves a conversation by one event. It does not modify st.
func (e *Engine) Run(st State, ev Event) Result {
	t := e.newTurn(st.Clone(), ev)
	out, err := t.dispatch()
	if err == nil {
		err = t.run(out)
	}
	if err != nil {
		t.step(Step{Kind: StepError, Block: t.st.Block, Detail: err.Error()})
		return Result{State: st, Trace: t.trace, Err: err}
	}
	return Result{State: *t.st, Effects: t.effects, Trace: t.trace}
}

// dispatch decides where an event enters the flow.
func (t *Turn) dispatch() (Outcome, error) {
	st, ev := t.st, t.ev
	switch ev.Kind {
	case EventMessage:
		if st.Held {
			t.step(Step{Kind: StepWait, Block: st.Block, Detail: "paused by an operator: the message is kept, the bot does not read it"})
			return stop, nil
		}
		t.read(ev.Text)
		if st.Status == StatusPaused {
			t.step(Step{Kind: StepWait, Block: st.Block, Detail: "paused for a human: the bot does not answer"})
			return stop, nil
		}
		if id, ok := t.eng.bot.Keywords.Match(ev.Text); ok {
			t.step(Step{Kind: StepKeyword, Detail: ev.Text, Goto: id})
			t.reset()
			return t.Goto(id), nil
		}
		switch st.Status {
		case StatusNew, StatusEnded:
			t.reset()
			return t.Goto(t.eng.bot.Start.ID), nil
		case StatusInput:
			return t.resume()
		case StatusCallback:
			t.step(Step{Kind: StepWait, Block: st.Block, Detail: "waiting for a callback: the message is kept, the bot does not answer"})
			return stop, nil
		}
		return stop, fmt.Errorf("a message came while the bot waits for a call from block %q", st.Block)
	case EventResult:
		if st.Status != StatusCall || st.Pending == nil || ev.Result == nil || ev.Result.ID != st.Pending.ID {
			return stop, ErrNoCall
		}
		return t.resume()
	case EventCallback, EventTimeout:
		if st.Status != StatusCallback {
			return stop, fmt.Errorf("no wait block is waiting")
		}
		if ev.Kind == EventTimeout && (st.Deadline.IsZero() || ev.Time.Before(st.Deadline)) {
			return stop, fmt.Errorf("the wait in block %q has not timed out", st.Block)
		}
		return t.resume()
	case EventResume:
		if st.Status != StatusPaused {
			return stop, fmt.Errorf("the conversation is not paused")
		}
		return t.resume()
	case EventTrigger:
		return t.trigger()
	case EventSet:
		t.setVars()
		return stop, nil
	}
	return stop, fmt.Errorf("unknown event kind %d", ev.Kind)
}

// trigger sets the event's variables and jumps to its block, forgetting
// what the conversation waited for (as a keyword does).
func (t *Turn) trigger() (Outcome, error) {
	id := t.ev.Block
	if t.eng.bot.Block(id) == nil {
		return stop, fmt.Errorf("no block %q in bot %q", id, t.eng.bot.ID)
	}
	t.step(Step{Kind: StepTrigger, Block: t.st.Block, Detail: "jump to " + id, Goto: id})
	t.setVars()
	t.reset()
	return t.Goto(id), nil
}

// setVars sets the event's variables in the order of their names.
func (t *Turn) setVars() {
	for _, name := range slices.Sorted(maps.Keys(t.ev.Vars)) {
		if v := t.ev.Vars[name]; v != nil {
			t.Set(name, v)
		} else {
			t.Unset(name)
		}
	}
}

func (t *Turn) resume() (Outcome, error) {
	b := t.eng.bot.Block(t.st.Block)
	if b == nil {
		return stop, fmt.Errorf("the conversation waits at block %q, which this bot version does not have", t.st.Block)
	}
	r, _ := t.eng.kinds.Runner(b.Type)
	res, ok := r.(Resumer)
	if !ok {
		return stop, fmt.Errorf("block %q (%s) does not wait", b.ID, b.Type)
	}
	t.block = b
	return res.Resume(t, b), nil
}

// run follows the flow from an outcome until a block waits or the flow
// ends.
func (t *Turn) run(out Outcome) error {
	for steps := 0; out.next != ""; steps++ {
		if steps >= t.eng.opts.MaxSteps {
			return t.loopError(steps, out.next)
		}
		b := t.eng.bot.Block(out.next)
		if b == nil {
			return fmt.Errorf("no block %q", out.next)
		}
		r, _ := t.eng.kinds.Runner(b.Type)
		t.block = b
		t.step(Step{Kind: StepEnter, Block: b.ID, Type: b.Type})
		out = r.Enter(t, b)
	}
	return nil
}

// loopError explains a turn that entered too many blocks. When next was
// entered before in this turn, it names the loop's blocks from there.
func (t *Turn) loopError(steps int, next string) error {
	var loop []string
	for i := len(t.trace) - 1; i >= 0; i-- {
		s := &t.trace[i]
		if s.Kind != StepEnter {
			continue
		}
		loop = append(loop, s.Block)
		if s.Block == next {
			slices.Reverse(loop)
			return fmt.Errorf("the flow went through %d blocks without waiting for the user: it loops through %s → %s", steps, strings.Join(loop, " → "), next)
		}
	}
	return fmt.Errorf("the flow went through %d blocks without waiting for the user; is there a loop? (last block %q)", steps, next)
}
