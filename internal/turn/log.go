package turn

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/confab/confab/internal/flow"
	"github.com/confab/confab/internal/redact"
)

// The execution log of a turn (store.TurnResult.Log, read back by GET
// /v1/conversations/{id}/logs) is a JSON array of the steps of the flow's
// trace, in order, each as flow.Step encodes it, with two additions:
//
//   - a call step carries how the call went: status (HTTP), latencyMs,
//     error;
//   - when a turn handled several messages (they came while a call ran),
//     each message's steps start with {"kind": "message", "seq": N}; the
//     steps of a steering command carried out in the turn start with its
//     own "command" step (commands.go).
//
// The values of secrets are replaced by redact.Mask wherever they appear.

// stepMessage marks where a message's steps begin in a turn of several.
const stepMessage flow.StepKind = "message"

// turnLog collects the steps of a turn's runs.
type turnLog struct {
	several bool
	steps   []any // flow.Step, callStep or messageStep
}

// messageStep starts a message's steps in a turn of several messages.
type messageStep struct {
	Kind flow.StepKind `json:"kind"`
	Seq  int64         `json:"seq"`
}

// callStep is a call step with how the call went.
type callStep struct {
	flow.Step
	Status    int     `json:"status,omitempty"`
	LatencyMs float64 `json:"latencyMs"`
	Error     string  `json:"error,omitempty"`
}

// callOutcome is how a call went. It travels to the log inside the trace,
// as the New of a flow.StepResult step that follows the call's step
// (recorder.weave), and becomes that call step's fields there.
type callOutcome struct {
	Status  int
	Latency time.Duration
	Error   string
}

// newTurnLog starts the log of a turn that handles msgs messages.
func newTurnLog(msgs int) *turnLog { return &turnLog{several: msgs > 1} }

// add records the trace of a message's run, or of a command's.
func (l *turnLog) add(seq int64, trace flow.Trace) {
	if l.several && (len(trace) == 0 || trace[0].Kind != stepCommand) {
		l.steps = append(l.steps, messageStep{Kind: stepMessage, Seq: seq})
	}
	for i := 0; i < len(trace); i++ {
		s := trace[i]
		if s.Kind == flow.StepCall && i+1 < len(trace) && trace[i+1].Kind == flow.StepResult {
			if o, ok := trace[i+1].New.(callOutcome); ok {
				l.steps = append(l.steps, callStep{Step: s, Status: o.Status, LatencyMs: float64(o.Latency.Microseconds()) / 1000, Error: o.Error})
				i++
				continue
			}
		}
		l.steps = append(l.steps, s)
	}
}

// encode returns the log as JSON, with the values of secrets replaced;
// nil when nothing was recorded.
func (l *turnLog) encode(secrets *redact.Secrets) []byte {
	if len(l.steps) == 0 {
		return nil
	}
	if secrets != nil {
		for i, s := range l.steps {
			switch s := s.(type) {
			case flow.Step:
				l.steps[i] = redactStep(secrets, s)
			case callStep:
				s.Step, s.Error = redactStep(secrets, s.Step), secrets.String(s.Error)
				l.steps[i] = s
			}
		}
	}
	data, err := json.Marshal(l.steps)
	if err != nil {
		// A variable holding a value JSON cannot encode: keep what can be.
		data, _ = json.Marshal([]flow.Step{{Kind: flow.StepError, Detail: "the execution log could not be encoded: " + err.Error()}})
	}
	return data
}

func redactStep(secrets *redact.Secrets, s flow.Step) flow.Step {
	s.Detail = secrets.String(s.Detail)
	s.Old, s.New = secrets.Value(s.Old), secrets.Value(s.New)
	return s
}

// secretsOf returns the redactor of the bots' secrets when bots has one.
func secretsOf(bots Bots) *redact.Secrets {
	if b, ok := bots.(interface{ Secrets() *redact.Secrets }); ok {
		return b.Secrets()
	}
	return nil
}

// recorder carries out calls through exec and keeps how each went, in
// order, for the execution log.
type recorder struct {
	exec  flow.Executor
	calls []callOutcome
}

// Execute carries out a call and records its outcome.
func (r *recorder) Execute(ctx context.Context, c *flow.Call) *flow.CallResult {
	start := time.Now()
	res := r.exec.Execute(ctx, c)
	o := callOutcome{Latency: time.Since(start)}
	if res != nil {
		if res.Latency > 0 {
			o.Latency = res.Latency
		}
		if res.HTTP != nil {
			o.Status = res.HTTP.Status
		}
		o.Error = res.Err
		if res.ErrClass != "" && res.Err != "" {
			o.Error = fmt.Sprintf("%s (%s)", res.Err, res.ErrClass)
		}
	}
	r.calls = append(r.calls, o)
	return res
}

// drive runs an event and the calls the flow makes, and puts the outcome
// of each call the recorder made into the trace, after the call's step.
// Drive carries out every call the flow asks for but the last one when it
// stops at MaxCallsPerTurn, so the n-th call step is the n-th call.
func (r *recorder) drive(ctx context.Context, eng *flow.Engine, st flow.State, ev flow.Event) flow.Result {
	r.calls = r.calls[:0]
	res := eng.Drive(ctx, st, ev, r)
	if len(r.calls) == 0 {
		return res
	}
	trace := make(flow.Trace, 0, len(res.Trace)+len(r.calls))
	n := 0
	for _, s := range res.Trace {
		trace = append(trace, s)
		if s.Kind == flow.StepCall && n < len(r.calls) {
			trace = append(trace, flow.Step{Kind: flow.StepResult, Block: s.Block, New: r.calls[n]})
			n++
		}
	}
	res.Trace = trace
	return res
}
