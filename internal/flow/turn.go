package flow

import (
	"fmt"
	"reflect"
	"strconv"
	"time"

	"github.com/confab/confab/internal/bot"
	"github.com/confab/confab/internal/expr"
	"github.com/confab/confab/internal/nlp"
)

// Outcome is what a block decides: go on to another block, or stop (the
// block waits, or the flow ended). Kinds make one with Turn's methods.
type Outcome struct{ next string }

var stop = Outcome{}

// Turn is one run of the engine over one event. Block kinds read and change
// the conversation through it. It is not safe for concurrent use.
type Turn struct {
	eng     *Engine
	st      *State
	ev      Event
	env     map[string]any
	effects []Effect
	trace   Trace
	block   *bot.Block
}

var emptyMap = map[string]any{}

func (e *Engine) newTurn(st State, ev Event) *Turn {
	if st.Vars == nil {
		st.Vars = make(map[string]any, len(e.bot.Variables))
	}
	// Declared variables the state lacks (a new conversation, variables
	// the host set first, a bot version that declares more) start at their
	// defaults.
	for _, v := range e.bot.Variables {
		if _, ok := st.Vars[v.Name]; !ok {
			st.Vars[v.Name] = v.Default
		}
	}
	t := &Turn{eng: e, st: &st, ev: ev, trace: make(Trace, 0, 16)}
	t.env = make(map[string]any, len(st.Vars)+len(bot.Reserved))
	for k, v := range st.Vars {
		t.env[k] = v
	}
	t.setLast()
	t.env["user"] = orEmpty(st.User)
	t.env["conversation"] = orEmpty(st.Conversation)
	t.env["channel"] = st.Channel
	t.env["now"] = ev.Time
	t.env["env"] = e.env
	t.env["secret"] = e.secrets
	return t
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return emptyMap
	}
	return m
}

func (t *Turn) setLast() {
	l := &t.st.Last
	t.env["input"] = l.Text
	t.env["intent"] = l.Intent
	t.env["confidence"] = l.Confidence
	t.env["entities"] = orEmpty(l.Entities)
}

// read runs the NLP over a user message and makes it the last input.
func (t *Turn) read(text string) {
	r := t.eng.parser.Parse(text, t.ev.Time)
	var ents map[string]any
	if len(r.Entities) > 0 {
		ents = make(map[string]any, len(r.Entities))
		for _, e := range r.Entities {
			if _, seen := ents[e.Name]; !seen {
				ents[e.Name] = e.Value
			}
		}
	}
	t.st.Last = Input{Text: text, Intent: r.Intent, Confidence: r.Confidence, Entities: ents}
	t.setLast()
	t.remember("user", text)
}

func (t *Turn) remember(from, text string) {
	if text == "" {
		return
	}
	r := t.st.Recent
	if len(r) >= RecentLimit {
		r = append(r[:0], r[len(r)-RecentLimit+1:]...)
	}
	t.st.Recent = append(r, Comment{From: from, Text: text, Time: t.ev.Time})
}

// reset forgets what the conversation waited for, before a (re)start.
func (t *Turn) reset() {
	t.st.Retries, t.st.Pending, t.st.Deadline = 0, nil, time.Time{}
}

func (t *Turn) step(s Step) { t.trace = append(t.trace, s) }

// Bot returns the bot being run.
func (t *Turn) Bot() *bot.Bot { return t.eng.bot }

// Event returns the event of this turn.
func (t *Turn) Event() Event { return t.ev }

// Now returns the time of the event.
func (t *Turn) Now() time.Time { return t.ev.Time }

// State returns the conversation state; kinds may read it and change
// Retries. Use Set to change variables.
func (t *Turn) State() *State { return t.st }

// Env returns the names expressions see: variables and reserved names.
// Callers must not modify it.
func (t *Turn) Env() map[string]any { return t.env }

// Matcher returns the bot's built-in NLP matcher (for entity extraction).
func (t *Turn) Matcher() *nlp.Matcher { return t.eng.matcher }

// Var returns a variable's value.
func (t *Turn) Var(name string) any { return t.st.Vars[name] }

// Set changes a variable and records the change in the trace.
func (t *Turn) Set(name string, v any) {
	old, had := t.st.Vars[name]
	if had && same(old, v) {
		return
	}
	t.st.Vars[name] = v
	t.env[name] = v
	t.step(Step{Kind: StepSet, Block: t.blockID(), Var: name, Old: old, New: v})
}

// Unset deletes a variable, or sets a variable the bot declares back to
// its default, and records the change in the trace; expressions see a
// deleted variable as nil.
func (t *Turn) Unset(name string) {
	for _, v := range t.eng.bot.Variables {
		if v.Name == name {
			t.Set(name, v.Default)
			return
		}
	}
	old, had := t.st.Vars[name]
	if !had {
		return
	}
	delete(t.st.Vars, name)
	t.env[name] = nil
	t.step(Step{Kind: StepSet, Block: t.blockID(), Var: name, Old: old})
}

func same(a, b any) bool {
	switch a.(type) {
	case nil, bool, string, int, int64, float64:
		return a == b
	}
	return reflect.DeepEqual(a, b)
}

func (t *Turn) blockID() string {
	if t.block == nil {
		return ""
	}
	return t.block.ID
}

// Note adds a free-form step to the trace.
func (t *Turn) Note(kind StepKind, detail string) {
	t.step(Step{Kind: kind, Block: t.blockID(), Detail: detail})
}

// Render fills in a template; a nil template renders as "".
func (t *Turn) Render(tpl *bot.Template) (string, error) {
	if tpl == nil || tpl.Template == nil {
		return "", nil
	}
	return tpl.Render(t.env)
}

// Eval evaluates an expression.
func (t *Turn) Eval(x *bot.Expr) (any, error) { return x.Eval(t.env) }

// Say renders a bot message and sends it.
func (t *Turn) Say(m *bot.Message) error {
	msg, err := t.render(m)
	if err != nil {
		return err
	}
	t.Send(msg)
	return nil
}

// Send sends a message that is already rendered.
func (t *Turn) Send(msg Message) {
	t.effects = append(t.effects, Send{Block: t.blockID(), Message: msg})
	t.step(Step{Kind: StepSend, Block: t.blockID(), Detail: summary(&msg)})
	t.remember("bot", summary(&msg))
}

func summary(m *Message) string {
	switch {
	case m.Text != "":
		return m.Text
	case len(m.Cards) == 1:
		return "[card] " + m.Cards[0].Title
	case len(m.Cards) > 1:
		return "[carousel of " + strconv.Itoa(len(m.Cards)) + " cards]"
	case m.Image != "":
		return "[image] " + m.Image
	case m.Gif != "":
		return "[gif] " + m.Gif
	case m.Dropdown != nil:
		return "[dropdown]"
	}
	return ""
}

// Goto continues the flow at block id.
func (t *Turn) Goto(id string) Outcome { return Outcome{next: id} }

// Follow takes a block's next: the target, or the first branch whose
// condition holds. matched is false when there are branches and none holds
// (the input was not understood); with no next at all the flow ends.
func (t *Turn) Follow(n bot.Next) (out Outcome, matched bool, err error) {
	if n.Branches == nil {
		if n.Target.IsZero() {
			return t.End(), true, nil
		}
		return t.Goto(n.Target.ID), true, nil
	}
	for i := range n.Branches {
		br := &n.Branches[i]
		if br.When != nil {
			ok, err := br.When.Bool(t.env)
			if err != nil {
				return stop, false, fmt.Errorf("branch %d (%s): %w", i+1, br.When.Source(), err)
			}
			if !ok {
				continue
			}
			t.step(Step{Kind: StepBranch, Block: t.blockID(), Detail: br.When.Source(), Goto: br.Goto.ID})
		} else {
			t.step(Step{Kind: StepBranch, Block: t.blockID(), Goto: br.Goto.ID})
		}
		return t.Goto(br.Goto.ID), true, nil
	}
	return stop, false, nil
}

// Fail records an error of the current block and goes to onError, or, when
// the block has none, tells the user (DefaultErrorMessage) and ends the
// conversation, with the error in the trace: the user is never left
// waiting for an answer that will not come.
func (t *Turn) Fail(err error, onError bot.Ref) Outcome {
	t.step(Step{Kind: StepError, Block: t.blockID(), Detail: err.Error(), Goto: onError.ID})
	t.Set("error", err.Error())
	if onError.IsZero() {
		t.Send(Message{Text: DefaultErrorMessage})
		return t.End()
	}
	return t.Goto(onError.ID)
}

// DefaultErrorMessage is sent when a block fails and has no on_error.
const DefaultErrorMessage = "Sorry, something went wrong on our side. Please try again later."

// AwaitInput stops the flow until the user's next message, which the
// current block's Resume receives.
func (t *Turn) AwaitInput() Outcome {
	t.st.Status, t.st.Block = StatusInput, t.blockID()
	t.step(Step{Kind: StepWait, Block: t.blockID(), Detail: "waiting for the user"})
	return stop
}

// Call stops the flow until the host answers the call with an
// EventResult, which the current block's Resume receives.
func (t *Turn) Call(c *Call) Outcome {
	t.st.Calls++
	c.ID = t.blockID() + "#" + strconv.Itoa(t.st.Calls)
	c.Block, c.Kind = t.blockID(), t.block.Type
	t.st.Status, t.st.Block, t.st.Pending = StatusCall, t.blockID(), c
	t.effects = append(t.effects, c)
	detail := c.Kind
	if c.HTTP != nil {
		detail = c.HTTP.Method + " " + c.HTTP.URL
	}
	t.step(Step{Kind: StepCall, Block: t.blockID(), Detail: detail})
	return stop
}

// CallResult returns the result the current event carries, once a call
// block resumes.
func (t *Turn) CallResult() *CallResult {
	t.st.Pending = nil
	return t.ev.Result
}

// AwaitCallback stops the flow at a wait block until its callback is
// POSTed or the deadline (if not zero) passes. It returns the callback
// URL.
func (t *Turn) AwaitCallback(deadline time.Time) (url string, out Outcome) {
	t.st.Calls++
	id := t.blockID() + "#" + strconv.Itoa(t.st.Calls)
	if f := t.eng.opts.CallbackURL; f != nil {
		url = f(t.st, id)
	} else {
		url = "confab:callback/" + id
	}
	t.st.Status, t.st.Block, t.st.Deadline = StatusCallback, t.blockID(), deadline
	t.effects = append(t.effects, Wait{Block: t.blockID(), Deadline: deadline})
	t.step(Step{Kind: StepWait, Block: t.blockID(), Detail: "waiting for the callback " + url})
	return url, stop
}

// Pause hands the conversation to a human until an EventResume.
func (t *Turn) Pause() Outcome {
	t.st.Status, t.st.Block = StatusPaused, t.blockID()
	t.effects = append(t.effects, Handover{Block: t.blockID()})
	t.step(Step{Kind: StepWait, Block: t.blockID(), Detail: "handed over to a human: paused"})
	return stop
}

// End ends the flow; the next message starts the bot again.
func (t *Turn) End() Outcome {
	t.st.Status, t.st.Block, t.st.Deadline = StatusEnded, "", time.Time{}
	t.effects = append(t.effects, End{Block: t.blockID()})
	t.step(Step{Kind: StepEnd, Block: t.blockID()})
	return stop
}

// NotUnderstood counts a message no route took and goes to the bot's
// not_understood block, or answers with the built-in reply and waits
// again at the current input block.
func (t *Turn) NotUnderstood() Outcome {
	nu := t.eng.bot.NotUnderstood
	counter := nu.CounterName()
	t.Set(counter, toInt(t.st.Vars[counter])+1)
	t.step(Step{Kind: StepNotUnderstood, Block: t.blockID(), Detail: t.st.Last.Text, Goto: nu.Block.ID})
	if !nu.Block.IsZero() {
		return t.Goto(nu.Block.ID)
	}
	t.Send(Message{Text: DefaultNotUnderstood})
	return t.AwaitInput()
}

// Understood resets the not-understood counter after a route was taken.
func (t *Turn) Understood() {
	counter := t.eng.bot.NotUnderstood.CounterName()
	if v, ok := t.st.Vars[counter]; ok && toInt(v) != 0 {
		t.Set(counter, 0)
	}
}

// DefaultNotUnderstood is the reply to a message no route takes when the
// bot has no not_understood block.
const DefaultNotUnderstood = "Sorry, I did not understand that."

func toInt(v any) int {
	switch n := v.(type) {
	case int:
		return n
	case int64:
		return int(n)
	case float64:
		return int(n)
	}
	return 0
}

// render fills in every template of a bot message.
func (t *Turn) render(m *bot.Message) (Message, error) {
	var out Message
	var err error
	r := func(tpl *bot.Template) string {
		if err != nil || tpl == nil {
			return ""
		}
		var s string
		s, err = t.Render(tpl)
		return s
	}
	out.Text = r(m.Text)
	out.Image = r(m.Image)
	out.Gif = r(m.Gif)
	if len(m.QuickReplies) > 0 {
		out.QuickReplies = make([]QuickReply, len(m.QuickReplies))
		for i := range m.QuickReplies {
			out.QuickReplies[i] = renderChoice(&m.QuickReplies[i], r)
		}
	}
	out.Buttons = renderButtons(m.Buttons, r)
	if m.Card != nil {
		out.Cards = []Card{renderCard(m.Card, r)}
	}
	if len(m.Carousel) > 0 {
		out.Carousel = true
		out.Cards = make([]Card, len(m.Carousel))
		for i := range m.Carousel {
			out.Cards[i] = renderCard(&m.Carousel[i], r)
		}
	}
	if m.Dropdown != nil {
		dd := &Dropdown{Placeholder: r(m.Dropdown.Placeholder), Options: make([]QuickReply, len(m.Dropdown.Options))}
		for i := range m.Dropdown.Options {
			dd.Options[i] = renderChoice(&m.Dropdown.Options[i], r)
		}
		out.Dropdown = dd
	}
	if err != nil {
		return Message{}, fmt.Errorf("message at line %d: %w", m.Pos.Line, err)
	}
	return out, nil
}

func renderChoice(c *bot.Choice, r func(*bot.Template) string) QuickReply {
	q := QuickReply{Title: r(c.Title)}
	if c.Payload != nil {
		q.Payload = r(c.Payload)
	} else {
		q.Payload = q.Title
	}
	return q
}

func renderButtons(bs []bot.Button, r func(*bot.Template) string) []Button {
	if len(bs) == 0 {
		return nil
	}
	out := make([]Button, len(bs))
	for i := range bs {
		b := &bs[i]
		out[i] = Button{Title: r(b.Title), Payload: r(b.Payload), URL: r(b.URL), Webview: r(b.Webview)}
	}
	return out
}

func renderCard(c *bot.Card, r func(*bot.Template) string) Card {
	return Card{Title: r(c.Title), Subtitle: r(c.Subtitle), Image: r(c.Image), URL: r(c.URL), Buttons: renderButtons(c.Buttons, r)}
}

// Stringify formats a value as a template would.
func Stringify(v any) string { return expr.Stringify(v) }
