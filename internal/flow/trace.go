package flow

import (
	"fmt"
	"strings"

	"github.com/confab/confab/internal/expr"
)

// StepKind says what a trace step records.
type StepKind string

// The kinds of trace step.
const (
	StepEnter         StepKind = "enter"          // the flow entered a block
	StepBranch        StepKind = "branch"         // a route was chosen, and why
	StepSet           StepKind = "set"            // a variable changed
	StepSend          StepKind = "send"           // a message was sent
	StepWait          StepKind = "wait"           // the flow stopped to wait
	StepCall          StepKind = "call"           // a call was asked for
	StepResult        StepKind = "result"         // a call's result came back
	StepRetry         StepKind = "retry"          // an answer was not valid
	StepKeyword       StepKind = "keyword"        // a keyword restarted the bot
	StepTrigger       StepKind = "trigger"        // an operator made the flow jump to a block
	StepNotUnderstood StepKind = "not_understood" // no route took the input
	StepError         StepKind = "error"          // something failed
	StepEnd           StepKind = "end"            // the flow ended
)

// Step is one entry of a turn's trace.
type Step struct {
	Kind   StepKind `json:"kind"`
	Block  string   `json:"block,omitempty"`
	Type   string   `json:"type,omitempty"`   // block type, on enter
	Detail string   `json:"detail,omitempty"` // what happened, for people; for a branch, the condition that held
	Goto   string   `json:"goto,omitempty"`   // on branch, the block chosen
	Var    string   `json:"var,omitempty"`    // on set
	Old    any      `json:"old,omitempty"`
	New    any      `json:"new,omitempty"`
}

// String formats a step for a terminal, e.g. `set size: nil → "large"`.
func (s Step) String() string {
	switch s.Kind {
	case StepEnter:
		return fmt.Sprintf("→ %s (%s)", s.Block, s.Type)
	case StepSet:
		return fmt.Sprintf("  set %s: %s → %s", s.Var, show(s.Old), show(s.New))
	case StepBranch:
		if s.Detail == "" {
			return fmt.Sprintf("  branch: → %s", s.Goto)
		}
		return fmt.Sprintf("  branch: %s → %s", s.Detail, s.Goto)
	}
	if s.Detail == "" {
		return "  " + string(s.Kind)
	}
	return fmt.Sprintf("  %s: %s", s.Kind, s.Detail)
}

func show(v any) string {
	if v == nil {
		return "nil"
	}
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return expr.Stringify(v)
}

// Trace is what happened in one turn, in order.
type Trace []Step

// Blocks returns the ids of the blocks entered, in order.
func (t Trace) Blocks() []string {
	var out []string
	for _, s := range t {
		if s.Kind == StepEnter {
			out = append(out, s.Block)
		}
	}
	return out
}

// String prints one step per line.
func (t Trace) String() string {
	var b strings.Builder
	for _, s := range t {
		b.WriteString(s.String())
		b.WriteByte('\n')
	}
	return b.String()
}
