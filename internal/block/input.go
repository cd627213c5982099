package block

import (
	"fmt"
	"strings"

	"github.com/confab/confab/internal/bot"
	"github.com/confab/confab/internal/flow"
)

// DefaultRetries is how many times an input block asks again after an
// answer that does not validate, when the block does not say.
const DefaultRetries = 2

// InputConfig is an input block: it asks (prompt), waits for the user's
// next message, validates it, saves it and routes on it.
type InputConfig struct {
	Prompt       *bot.Message  `yaml:"prompt" doc:"The question; sent when the block is entered."`
	Validate     *bot.Validate `yaml:"validate" doc:"What the answer must be: {type: text|number|email|phone|date|time|url|regex}, {entity: NAME} or {options: [...]}."`
	Save         bot.VarName   `yaml:"save" doc:"The variable the (validated) answer is saved in."`
	Retries      *int          `yaml:"retries" doc:"How many times to ask again after an answer that does not validate; default 2."`
	RetryMessage *bot.Message  `yaml:"retry_message" doc:"Sent after an answer that does not validate; default: a short apology and the prompt again."`
	OnFail       bot.Ref       `yaml:"on_fail" doc:"Where to go when the retries are used up; default: not_understood."`
	Next         bot.Next      `yaml:"next" doc:"Where to go with a valid answer; branches see the answer as input, intent and entities. If branches exist and none holds, the answer is not understood."`
}

type inputKind struct{}

func (inputKind) Doc() string {
	return "Asks a question, waits for the answer, validates and saves it, and routes on it."
}
func (inputKind) NewConfig() any { return &InputConfig{} }

// Check verifies the retry count.
func (c *InputConfig) Check(ck *bot.Checker, b *bot.Block) {
	if c.Retries != nil && (*c.Retries < 0 || *c.Retries > 10) {
		ck.Errorf(b.Pos, "retries of block %q must be between 0 and 10", b.ID)
	}
	if c.Validate == nil && (c.Retries != nil || c.RetryMessage != nil || !c.OnFail.IsZero()) {
		ck.Warnf(b.Pos, "block %q has retries, retry_message or on_fail but no validate: every answer is accepted", b.ID)
	}
}

func (inputKind) Enter(t *flow.Turn, b *bot.Block) flow.Outcome {
	c := b.Config.(*InputConfig)
	t.State().Retries = 0
	if c.Prompt != nil {
		if err := t.Say(c.Prompt); err != nil {
			return t.Fail(err, bot.Ref{})
		}
	}
	return t.AwaitInput()
}

func (inputKind) Resume(t *flow.Turn, b *bot.Block) flow.Outcome {
	c := b.Config.(*InputConfig)
	st := t.State()
	var value any = st.Last.Text
	if c.Validate != nil {
		v, ok := validate(t, c.Validate, st.Last.Text)
		if !ok {
			return retry(t, c)
		}
		value = v
	}
	st.Retries = 0
	if c.Save.Name != "" {
		t.Set(c.Save.Name, value)
	}
	out, matched, err := t.Follow(c.Next)
	if err != nil {
		return t.Fail(err, bot.Ref{})
	}
	if !matched {
		return t.NotUnderstood()
	}
	t.Understood()
	return out
}

// retry answers an answer that did not validate: ask again, or give up to
// on_fail (or not_understood) when the retries are used up.
func retry(t *flow.Turn, c *InputConfig) flow.Outcome {
	st := t.State()
	limit := DefaultRetries
	if c.Retries != nil {
		limit = *c.Retries
	}
	st.Retries++
	t.Note(flow.StepRetry, fmt.Sprintf("%q is not %s (attempt %d of %d)", st.Last.Text, describe(c.Validate), st.Retries, limit+1))
	if st.Retries > limit {
		st.Retries = 0
		if !c.OnFail.IsZero() {
			return t.Goto(c.OnFail.ID)
		}
		return t.NotUnderstood()
	}
	if c.RetryMessage != nil {
		if err := t.Say(c.RetryMessage); err != nil {
			return t.Fail(err, bot.Ref{})
		}
	} else {
		t.Send(flow.Message{Text: "Sorry, that is not " + describe(c.Validate) + "."})
		if c.Prompt != nil {
			if err := t.Say(c.Prompt); err != nil {
				return t.Fail(err, bot.Ref{})
			}
		}
	}
	return t.AwaitInput()
}

// describe names what a validation expects, for messages and the trace.
func describe(v *bot.Validate) string {
	switch {
	case v.Entity != "":
		return "a valid " + strings.ReplaceAll(v.Entity, "_", " ")
	case v.Options != nil:
		return "one of " + strings.Join(v.Options, ", ")
	}
	switch v.Type {
	case "email":
		return "an email address"
	case "phone":
		return "a phone number"
	case "url":
		return "a web address"
	case "regex":
		return "in the expected format"
	case "text":
		return "a text"
	}
	return "a " + v.Type
}

// validate checks an answer and returns the value to save.
func validate(t *flow.Turn, v *bot.Validate, text string) (any, bool) {
	text = strings.TrimSpace(text)
	switch {
	case v.Entity != "":
		e, ok := t.Matcher().Extract(v.Entity, text, t.Now())
		return e.Value, ok
	case v.Options != nil:
		for _, o := range v.Options {
			if strings.EqualFold(o, text) {
				return o, true
			}
		}
		return nil, false
	}
	switch v.Type {
	case "text":
		return text, text != ""
	case "regex":
		return text, v.Regexp != nil && v.Regexp.MatchString(text)
	case "number":
		e, ok := t.Matcher().Extract("number", text, t.Now())
		if !ok {
			return nil, false
		}
		n, _ := e.Value.(float64)
		if (v.Min != nil && n < *v.Min) || (v.Max != nil && n > *v.Max) {
			return nil, false
		}
		if n == float64(int64(n)) {
			return int(n), true
		}
		return n, true
	}
	e, ok := t.Matcher().Extract(v.Type, text, t.Now())
	return e.Value, ok
}
