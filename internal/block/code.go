package block

import (
	"errors"
	"sort"
	"time"

	"github.com/confab/confab/internal/bot"
	"github.com/confab/confab/internal/flow"
)

// DefaultCodeTimeout and MaxCodeTimeout bound a code block's run.
const (
	DefaultCodeTimeout = time.Second
	MaxCodeTimeout     = 10 * time.Second
)

// CodeConfig is a code block: sandboxed JavaScript that reads and sets
// variables, sends messages and may choose the next block. The host runs
// it (a Call with a CodeRequest).
type CodeConfig struct {
	Script  string        `yaml:"script" required:"true" doc:"The JavaScript. It sees vars (read/write), input, intent, entities, user, conversation; it may call say(text), goto(block) and await fetch(url, opts)."`
	Timeout *bot.Duration `yaml:"timeout" doc:"Wall-clock budget; default 1s, at most 10s."`
	OnError bot.Ref       `yaml:"on_error" doc:"Where to go on an exception, a time-out or another limit; vars.error holds the error."`
	Next    bot.Next      `yaml:"next" doc:"Where to go when the script did not call goto."`
}

type codeKind struct{}

func (codeKind) Doc() string    { return "Runs sandboxed JavaScript over the conversation's variables." }
func (codeKind) NewConfig() any { return &CodeConfig{} }

// Check verifies the timeout.
func (c *CodeConfig) Check(ck *bot.Checker, b *bot.Block) {
	checkTimeout(ck, c.Timeout, MaxCodeTimeout)
}

func (codeKind) Enter(t *flow.Turn, b *bot.Block) flow.Outcome {
	c := b.Config.(*CodeConfig)
	timeout := DefaultCodeTimeout
	if c.Timeout != nil {
		timeout = c.Timeout.Duration
	}
	st := t.State()
	return t.Call(&flow.Call{Code: &flow.CodeRequest{Script: c.Script, Timeout: timeout, Vars: customData(st), Input: st.Last}})
}

func (codeKind) Resume(t *flow.Turn, b *bot.Block) flow.Outcome {
	c := b.Config.(*CodeConfig)
	res := t.CallResult()
	if res == nil || res.Err != "" || res.Code == nil {
		return t.Fail(hostError(res, "code"), c.OnError)
	}
	names := make([]string, 0, len(res.Code.Vars))
	for k := range res.Code.Vars {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		t.Set(k, res.Code.Vars[k])
	}
	for _, m := range res.Code.Say {
		t.Send(m)
	}
	if res.Code.Goto != "" {
		if t.Bot().Block(res.Code.Goto) == nil {
			return t.Fail(errNoBlock(res.Code.Goto), c.OnError)
		}
		return t.Goto(res.Code.Goto)
	}
	return follow(t, c.Next, c.OnError)
}

// hostError is the error of a code or ai call whose result failed or
// lacks the part the block needs (what: "code" or "AI"). callError alone
// does not do: it looks for an HTTP answer, and is nil for a 2xx one.
func hostError(r *flow.CallResult, what string) error {
	if r == nil || r.Err != "" {
		return callError(r)
	}
	return errors.New("the call has no " + what + " result")
}

type errNoBlock string

func (e errNoBlock) Error() string { return "goto: no block " + `"` + string(e) + `"` }

// AIConfig is an ai block: an LLM answers with the bot's functions as
// tools (or, with no LLM configured, the built-in NLP routes to them).
// The host runs it (a Call with an AIRequest).
type AIConfig struct {
	Instructions *bot.Template `yaml:"instructions" doc:"The system instructions; a template."`
	Functions    []string      `yaml:"functions" doc:"Declared functions the AI may call."`
	Save         bot.VarName   `yaml:"save" doc:"Variable for the answer's text."`
	OnError      bot.Ref       `yaml:"on_error" doc:"Where to go when the AI call fails."`
	Next         bot.Next      `yaml:"next" doc:"Where to go after the answer."`
}

type aiKind struct{}

func (aiKind) Doc() string    { return "Answers with an LLM that may call the bot's functions." }
func (aiKind) NewConfig() any { return &AIConfig{} }

// Check verifies that the functions are declared.
func (c *AIConfig) Check(ck *bot.Checker, b *bot.Block) {
	for _, name := range c.Functions {
		if ck.Bot().Functions.Get(name) == nil {
			ck.Errorf(b.Pos, "block %q lists function %q, which is not declared under functions%s", b.ID, name, ck.Suggest(name, ck.Bot().Functions.Names()))
		}
	}
}

func (aiKind) Enter(t *flow.Turn, b *bot.Block) flow.Outcome {
	c := b.Config.(*AIConfig)
	instr, err := t.Render(c.Instructions)
	if err != nil {
		return t.Fail(err, c.OnError)
	}
	return t.Call(&flow.Call{AI: &flow.AIRequest{Instructions: instr, Functions: c.Functions, Input: t.State().Last.Text}})
}

func (aiKind) Resume(t *flow.Turn, b *bot.Block) flow.Outcome {
	c := b.Config.(*AIConfig)
	res := t.CallResult()
	if res == nil || res.Err != "" || res.AI == nil {
		return t.Fail(hostError(res, "AI"), c.OnError)
	}
	text := ""
	for _, m := range res.AI.Messages {
		t.Send(m)
		if m.Text != "" {
			text = m.Text
		}
	}
	if c.Save.Name != "" {
		t.Set(c.Save.Name, text)
	}
	return follow(t, c.Next, c.OnError)
}
