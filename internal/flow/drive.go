package flow

import (
	"context"
	"fmt"
)

// Executor carries out the calls a flow makes (HTTP, scripts, AI). Hosts
// provide one: the server's reaches the network through the safe client,
// `confab test`'s answers from the test's fixtures.
type Executor interface {
	Execute(ctx context.Context, c *Call) *CallResult
}

// MaxCallsPerTurn caps the calls Drive makes for one event.
const MaxCallsPerTurn = 50

// Drive runs one event and then every call the flow asks for, feeding each
// result back, until the conversation waits for the user, a callback or a
// human, or ends. The results of all the runs are joined in order; on an
// error the state is the last good one.
func (e *Engine) Drive(ctx context.Context, st State, ev Event, ex Executor) Result {
	res := e.Run(st, ev)
	for calls := 0; res.Err == nil; calls++ {
		c := res.Call()
		if c == nil {
			return res
		}
		if calls >= MaxCallsPerTurn {
			res.Err = fmt.Errorf("more than %d calls in one turn", MaxCallsPerTurn)
			return res
		}
		r := ex.Execute(ctx, c)
		if r == nil {
			r = &CallResult{Err: "the host returned no result", ErrClass: "internal"}
		}
		r.ID = c.ID
		next := e.Run(res.State, Event{Kind: EventResult, Time: ev.Time, Result: r})
		next.Effects = append(res.Effects, next.Effects...)
		next.Trace = append(res.Trace, next.Trace...)
		if next.Err != nil {
			next.State = res.State
		}
		res = next
	}
	return res
}
