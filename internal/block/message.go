package block

import (
	"github.com/confab/confab/internal/bot"
	"github.com/confab/confab/internal/flow"
)

// MessageConfig is a message block: it sends its messages and moves on.
type MessageConfig struct {
	Messages []bot.Message `yaml:"messages" required:"true" doc:"The messages to send, in order."`
	Next     bot.Next      `yaml:"next" doc:"Where to go next: a block id, or branches. Without it the conversation ends."`
}

type messageKind struct{}

func (messageKind) Doc() string    { return "Sends one or more messages, then goes to next." }
func (messageKind) NewConfig() any { return &MessageConfig{} }

func (messageKind) Enter(t *flow.Turn, b *bot.Block) flow.Outcome {
	c := b.Config.(*MessageConfig)
	if err := sayAll(t, c.Messages); err != nil {
		return t.Fail(err, bot.Ref{})
	}
	return follow(t, c.Next, bot.Ref{})
}

// EndConfig is an end block: it sends its messages and ends the
// conversation; the next message starts the bot again.
type EndConfig struct {
	Messages []bot.Message `yaml:"messages" doc:"Messages to send before ending."`
}

type endKind struct{}

func (endKind) Doc() string    { return "Sends its messages and ends the conversation." }
func (endKind) NewConfig() any { return &EndConfig{} }

func (endKind) Enter(t *flow.Turn, b *bot.Block) flow.Outcome {
	if err := sayAll(t, b.Config.(*EndConfig).Messages); err != nil {
		return t.Fail(err, bot.Ref{})
	}
	return t.End()
}

// ConditionConfig is a condition block: it only routes, by the first branch
// of next whose `when` holds.
type ConditionConfig struct {
	Next bot.Next `yaml:"next" required:"true" doc:"Ordered branches {when, goto}; the first that holds is taken. End with a branch without when as the default."`
}

type conditionKind struct{}

func (conditionKind) Doc() string {
	return "Routes the conversation by conditions over variables, intent, entities, channel and time."
}
func (conditionKind) NewConfig() any { return &ConditionConfig{} }

func (conditionKind) Enter(t *flow.Turn, b *bot.Block) flow.Outcome {
	return follow(t, b.Config.(*ConditionConfig).Next, bot.Ref{})
}

// Check warns when a condition has no default branch.
func (c *ConditionConfig) Check(ck *bot.Checker, b *bot.Block) {
	if n := len(c.Next.Branches); n > 0 && c.Next.Branches[n-1].When != nil {
		ck.Warnf(c.Next.Pos, "condition %q has no default branch (one without when): when no branch holds the conversation ends", b.ID)
	}
}

// SetConfig is a set block: it sets variables to the values of expressions,
// in order.
type SetConfig struct {
	Vars bot.Assignments `yaml:"vars" required:"true" doc:"Variable → expression, set in order."`
	Next bot.Next        `yaml:"next" doc:"Where to go next."`
}

type setKind struct{}

func (setKind) Doc() string    { return "Sets variables to the values of expressions." }
func (setKind) NewConfig() any { return &SetConfig{} }

func (setKind) Enter(t *flow.Turn, b *bot.Block) flow.Outcome {
	c := b.Config.(*SetConfig)
	for i := range c.Vars {
		a := &c.Vars[i]
		v, err := t.Eval(&a.Value)
		if err != nil {
			return t.Fail(err, bot.Ref{})
		}
		t.Set(a.Name.Name, v)
	}
	return follow(t, c.Next, bot.Ref{})
}
