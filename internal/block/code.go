package block

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"time"

	"github.com/confab/confab/internal/bot"
	"github.com/confab/confab/internal/flow"
	"github.com/confab/confab/internal/jsbox"
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
	Script  string        `yaml:"script" required:"true" doc:"The JavaScript, run as the body of an async function. It sees vars (read/write), input, intent, confidence, entities, user, conversation, channel, env; it may call say(text or message), goto(block) and await fetch(url, options) (at most 5)."`
	Timeout *bot.Duration `yaml:"timeout" doc:"Wall-clock budget; default 1s, at most 10s."`
	OnError bot.Ref       `yaml:"on_error" doc:"Where to go on an exception, a time-out or another limit; vars.error holds the error."`
	Next    bot.Next      `yaml:"next" doc:"Where to go when the script did not call goto."`
}

type codeKind struct{}

func (codeKind) Doc() string    { return "Runs sandboxed JavaScript over the conversation's variables." }
func (codeKind) NewConfig() any { return &CodeConfig{} }

// Check verifies the timeout and that the script compiles (it is not
// run).
func (c *CodeConfig) Check(ck *bot.Checker, b *bot.Block) {
	checkTimeout(ck, c.Timeout, MaxCodeTimeout)
	var se *jsbox.SyntaxError
	switch err := jsbox.CheckSyntax(c.Script); {
	case errors.As(err, &se):
		ck.Errorf(b.Pos, "the script of block %q does not compile: %v", b.ID, se)
	case err != nil:
		ck.Warnf(b.Pos, "the script of block %q could not be checked: %v", b.ID, err)
	}
}

func (codeKind) Enter(t *flow.Turn, b *bot.Block) flow.Outcome {
	c := b.Config.(*CodeConfig)
	timeout := DefaultCodeTimeout
	if c.Timeout != nil {
		timeout = c.Timeout.Duration
	}
	st := t.State()
	env, _ := t.Env()["env"].(map[string]any)
	return t.Call(&flow.Call{Code: &flow.CodeRequest{
		Script:       c.Script,
		Timeout:      timeout,
		Vars:         customData(st),
		Input:        st.Last,
		User:         st.User,
		Conversation: st.Conversation,
		Channel:      st.Channel,
		Env:          env,
	}})
}

// Resume applies what the script did, all or nothing: when the run failed,
// the script chose a block that does not exist or set a variable whose
// name a bot may not use, the block fails (to on_error) and keeps none of
// it. Otherwise the variables the script changed are set, those it deleted
// are deleted (or reset to their declared default), its messages are
// sent, and the flow goes to the block it chose, else to next. Variables
// the script left alone are not touched, so a change made while the script
// ran (through the API) stays.
func (codeKind) Resume(t *flow.Turn, b *bot.Block) flow.Outcome {
	c := b.Config.(*CodeConfig)
	var before map[string]any
	if p := t.State().Pending; p != nil && p.Code != nil {
		before = p.Code.Vars
	}
	res := t.CallResult()
	if res == nil || res.Err != "" || res.Code == nil {
		return t.Fail(hostError(res, "code"), c.OnError)
	}
	out := res.Code
	if out.Goto != "" && t.Bot().Block(out.Goto) == nil {
		return t.Fail(errNoBlock(out.Goto), c.OnError)
	}
	var set, unset []string
	for k, v := range out.Vars {
		old, had := before[k]
		if had && sameValue(old, v) {
			continue
		}
		if !had {
			if err := checkScriptVar(k); err != nil {
				return t.Fail(err, c.OnError)
			}
		}
		set = append(set, k)
	}
	for k := range before {
		if _, ok := out.Vars[k]; !ok {
			unset = append(unset, k)
		}
	}
	sort.Strings(set)
	sort.Strings(unset)
	for _, k := range set {
		t.Set(k, out.Vars[k])
	}
	for _, k := range unset {
		t.Unset(k)
	}
	for _, m := range out.Say {
		t.Send(m)
	}
	if out.Goto != "" {
		return t.Goto(out.Goto)
	}
	return follow(t, c.Next, c.OnError)
}

// varNameRE is what a variable's name may be, as in bot files.
var varNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// checkScriptVar checks the name of a variable a script adds.
func checkScriptVar(name string) error {
	switch {
	case !varNameRE.MatchString(name):
		return fmt.Errorf("the script set vars[%q]; a variable name starts with a letter or _ and holds only letters, digits and _", name)
	case slices.Contains(bot.Reserved, name):
		return fmt.Errorf("the script set vars.%s, but %s is a reserved name, not a variable", name, name)
	}
	return nil
}

// sameValue reports whether two variable values are the same once written
// as JSON (a script's 3 is a float64, the bot's an int).
func sameValue(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
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
