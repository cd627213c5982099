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
//     error and errorClass, and the HTTP requests it made (one for an
//     api, custom_action or function call, one per fetch for a code
//     call), each with method, url, status, latencyMs, bytes (the size of
//     the answer's body) and errorClass;
//   - when a turn handled several messages (they came while a call ran),
//     each message's steps start with {"kind": "message", "seq": N}; the
//     steps of a steering command carried out in the turn start with its
//     own "command" step (commands.go).
//
// The values of secrets are replaced by redact.Mask wherever they appear,
// and so are the credentials of URLs (redact.URL).

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
	Status     int          `json:"status,omitempty"`
	LatencyMs  float64      `json:"latencyMs"`
	Error      string       `json:"error,omitempty"`
	ErrorClass string       `json:"errorClass,omitempty"`
	Requests   []requestLog `json:"requests,omitempty"`
}

// requestLog is one HTTP request of a call.
type requestLog struct {
	Method     string  `json:"method"`
	URL        string  `json:"url"`
	Status     int     `json:"status,omitempty"`
	LatencyMs  float64 `json:"latencyMs"`
	Bytes      int     `json:"bytes"`
	ErrorClass string  `json:"errorClass,omitempty"`
}

// callOutcome is how a call went. It travels to the log inside the trace,
// as the New of a flow.StepResult step that follows the call's step
// (recorder.weave), and becomes that call step's fields there.
type callOutcome struct {
	Status   int
	Latency  time.Duration
	Error    string
	ErrClass string
	Requests []flow.Request
}

// millis returns d in milliseconds, to the microsecond.
func millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

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
				cs := callStep{Step: s, Status: o.Status, LatencyMs: millis(o.Latency), Error: o.Error, ErrorClass: o.ErrClass}
				for _, r := range o.Requests {
					cs.Requests = append(cs.Requests, requestLog{Method: r.Method, URL: r.URL, Status: r.Status,
						LatencyMs: millis(r.Latency), Bytes: r.Bytes, ErrorClass: r.ErrClass})
				}
				l.steps = append(l.steps, cs)
				i++
				continue
			}
		}
		l.steps = append(l.steps, s)
	}
}

// encode returns the log as JSON, with the credentials of URLs and the
// values of secrets replaced; nil when nothing was recorded.
func (l *turnLog) encode(secrets *redact.Secrets) []byte {
	if len(l.steps) == 0 {
		return nil
	}
	for i, s := range l.steps {
		switch s := s.(type) {
		case flow.Step:
			l.steps[i] = redactStep(secrets, s)
		case callStep:
			s.Detail = redact.URL(s.Detail) // "METHOD URL" for an HTTP call
			s.Step, s.Error = redactStep(secrets, s.Step), secrets.String(s.Error)
			for j, r := range s.Requests {
				s.Requests[j].URL = secrets.String(redact.URL(r.URL))
			}
			l.steps[i] = s
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

// redactMessage returns msg with the values of secrets replaced in its
// texts (every string of its JSON form; keys are left alone), for a
// message on its way to the user.
func redactMessage(secrets *redact.Secrets, msg flow.Message) flow.Message {
	if secrets == nil {
		return msg
	}
	data, err := json.Marshal(msg)
	if err != nil || secrets.String(string(data)) == string(data) {
		return msg
	}
	var generic any
	if err := json.Unmarshal(data, &generic); err != nil {
		return flow.Message{Text: redact.Mask}
	}
	clean, err := json.Marshal(redactStrings(secrets, generic))
	var out flow.Message
	if err != nil || json.Unmarshal(clean, &out) != nil {
		return flow.Message{Text: redact.Mask}
	}
	return out
}

// redactRecent returns the recent messages with the values of secrets
// replaced (as the user got them), copied when one changes.
func redactRecent(secrets *redact.Secrets, recent []flow.Comment) []flow.Comment {
	var out []flow.Comment
	for i, c := range recent {
		if clean := secrets.String(c.Text); clean != c.Text {
			if out == nil {
				out = append([]flow.Comment(nil), recent...)
			}
			out[i].Text = clean
		}
	}
	if out == nil {
		return recent
	}
	return out
}

// redactStrings replaces secrets in the strings of a decoded JSON value,
// in place.
func redactStrings(secrets *redact.Secrets, v any) any {
	switch x := v.(type) {
	case string:
		return secrets.String(x)
	case []any:
		for i, e := range x {
			x[i] = redactStrings(secrets, e)
		}
	case map[string]any:
		for k, e := range x {
			x[k] = redactStrings(secrets, e)
		}
	}
	return v
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
		o.Error, o.ErrClass, o.Requests = res.Err, res.ErrClass, res.Requests
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
