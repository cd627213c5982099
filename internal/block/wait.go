package block

import (
	"time"

	"github.com/confab/confab/internal/bot"
	"github.com/confab/confab/internal/flow"
)

// WaitConfig is a wait block: the conversation pauses until a POST to its
// single-use callback URL (in vars.callback_url) or the time-out.
type WaitConfig struct {
	Messages  []bot.Message `yaml:"messages" doc:"Messages sent once callback_url is set (to show the user a link, say)."`
	Save      bot.VarName   `yaml:"save" doc:"Variable for the JSON body POSTed to the callback."`
	Timeout   *bot.Duration `yaml:"timeout" doc:"How long to wait; without it, the wait has no end."`
	OnTimeout bot.Ref       `yaml:"on_timeout" doc:"Where to go when the time-out passes; without it the conversation ends."`
	Next      bot.Next      `yaml:"next" doc:"Where to go when the callback comes."`
}

type waitKind struct{}

func (waitKind) Doc() string {
	return "Waits for a POST to a signed callback URL (or a time-out), then goes on."
}
func (waitKind) NewConfig() any { return &WaitConfig{} }

// Check warns about a time-out without somewhere to go.
func (c *WaitConfig) Check(ck *bot.Checker, b *bot.Block) {
	if c.Timeout == nil && !c.OnTimeout.IsZero() {
		ck.Warnf(c.OnTimeout.Pos, "on_timeout of block %q is never taken: the block has no timeout", b.ID)
	}
}

func (waitKind) Enter(t *flow.Turn, b *bot.Block) flow.Outcome {
	c := b.Config.(*WaitConfig)
	var deadline time.Time
	if c.Timeout != nil {
		deadline = t.Now().Add(c.Timeout.Duration)
	}
	url, out := t.AwaitCallback(deadline)
	t.Set("callback_url", url)
	if err := sayAll(t, c.Messages); err != nil {
		return t.Fail(err, bot.Ref{})
	}
	return out
}

func (waitKind) Resume(t *flow.Turn, b *bot.Block) flow.Outcome {
	c := b.Config.(*WaitConfig)
	t.State().Deadline = time.Time{}
	if t.Event().Kind == flow.EventTimeout {
		t.Note(flow.StepResult, "the wait timed out")
		if c.OnTimeout.IsZero() {
			return t.End()
		}
		return t.Goto(c.OnTimeout.ID)
	}
	t.Note(flow.StepResult, "the callback came")
	if c.Save.Name != "" {
		t.Set(c.Save.Name, t.Event().Data)
	}
	return follow(t, c.Next, bot.Ref{})
}

// HandoverConfig is a handover block: it sends its message, pauses the bot
// for a human, and resumes at next when unpaused.
type HandoverConfig struct {
	Message *bot.Message `yaml:"message" doc:"Sent before the bot pauses."`
	Next    bot.Next     `yaml:"next" doc:"Where the bot resumes when a human unpauses it."`
}

type handoverKind struct{}

func (handoverKind) Doc() string    { return "Hands the conversation to a human and pauses the bot." }
func (handoverKind) NewConfig() any { return &HandoverConfig{} }

func (handoverKind) Enter(t *flow.Turn, b *bot.Block) flow.Outcome {
	c := b.Config.(*HandoverConfig)
	if c.Message != nil {
		if err := t.Say(c.Message); err != nil {
			return t.Fail(err, bot.Ref{})
		}
	}
	return t.Pause()
}

func (handoverKind) Resume(t *flow.Turn, b *bot.Block) flow.Outcome {
	return follow(t, b.Config.(*HandoverConfig).Next, bot.Ref{})
}
