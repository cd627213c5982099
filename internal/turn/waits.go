package turn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/confab/confab/internal/flow"
	"github.com/confab/confab/internal/store"
)

// Wait blocks on the server. A wait's callback (the API's POST
// /v1/callbacks/{token}) and its time-out (SweepWaits) are commands of
// the conversation (store.CommandCallback, store.CommandTimeout), carried
// out in its turns like the steering commands, so they never race a turn;
// both of one wait have one ID (store.WaitCommandID), so only the first
// is stored. See docs/decisions/0010-wait-callbacks.md.

// errWaitOver is the error of a callback or time-out whose wait the
// conversation no longer waits at.
var errWaitOver = errors.New("the conversation no longer waits at this wait")

// waitEvent is the flow event of a callback or time-out command cmd on
// the state st, at now: the callback's body, or the time-out, at the
// deadline when the clock is behind it (the sweep found it due).
func waitEvent(st flow.State, cmd store.Command, now time.Time) (flow.Event, error) {
	if st.Status != flow.StatusCallback || st.Calls != cmd.Wait {
		return flow.Event{}, fmt.Errorf("wait %d: %w", cmd.Wait, errWaitOver)
	}
	if cmd.Kind == store.CommandTimeout {
		if st.Deadline.IsZero() {
			return flow.Event{}, fmt.Errorf("wait %d has no time-out", cmd.Wait)
		}
		return flow.Event{Kind: flow.EventTimeout, Time: later(now, st.Deadline)}, nil
	}
	var data any
	if len(cmd.Data) > 0 {
		if err := json.Unmarshal(cmd.Data, &data); err != nil {
			return flow.Event{}, fmt.Errorf("the callback's body: %w", err)
		}
	}
	return flow.Event{Kind: flow.EventCallback, Data: data}, nil
}

func later(a, b time.Time) time.Time {
	if a.Before(b) {
		return b
	}
	return a
}

// endsWait says whether cmd, carried out on the state st, was the
// callback or time-out of the wait st waits at (whatever its outcome).
func endsWait(st flow.State, cmd store.Command) bool {
	return (cmd.Kind == store.CommandCallback || cmd.Kind == store.CommandTimeout) && st.Status == flow.StatusCallback && st.Calls == cmd.Wait
}

// waitUntil is when the wait st waits at times out (TurnResult.WaitUntil):
// zero without one, or when the turn carried out a callback or time-out
// of that wait (ended) that failed, so that the sweep does not find it
// again.
func waitUntil(st flow.State, ended int) time.Time {
	if st.Status != flow.StatusCallback || st.Calls == ended {
		return time.Time{}
	}
	return st.Deadline
}

// dueBatch is how many timed-out waits one look of SweepWaits takes.
const dueBatch = 100

// SweepWaits fires the time-outs of wait blocks until ctx is done: every
// `every`, it submits a time-out command to each conversation whose wait
// timed out (store.DueWaits). The command goes through the conversation's
// turns, and reaches the wait block's on_timeout unless the callback came
// first.
func (w *Worker) SweepWaits(ctx context.Context, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		w.timeOutWaits(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// timeOutWaits submits the time-outs due now, a batch at a time, at most
// ten batches per look (the rest wait for the next).
func (w *Worker) timeOutWaits(ctx context.Context) {
	for range 10 {
		due, err := w.store.DueWaits(ctx, w.now(), dueBatch)
		if err != nil {
			if ctx.Err() == nil {
				w.log.Error("looking for timed-out waits", "err", err)
			}
			return
		}
		for _, c := range due {
			if err := w.timeOut(ctx, c); err != nil && ctx.Err() == nil {
				w.log.Error("timing out a wait", "conversation", c.ID, "err", err)
			}
		}
		if len(due) < dueBatch {
			return
		}
	}
}

// timeOut submits the time-out of the wait that conversation c waits at.
func (w *Worker) timeOut(ctx context.Context, c store.Conversation) error {
	st, err := loadState(c)
	if err != nil {
		return err
	}
	if st.Status != flow.StatusCallback {
		return nil // a turn moved it on since
	}
	ch, err := w.store.ChannelByID(ctx, c.ChannelID)
	if err != nil {
		return fmt.Errorf("loading the channel %s: %w", c.ChannelID, err)
	}
	sub := store.Submission{Command: store.Command{ID: store.WaitCommandID(c.ID, st.Calls), ProjectID: c.ProjectID, ConversationID: c.ID,
		Kind: store.CommandTimeout, Wait: st.Calls, CreatedAt: w.now()}}
	w.PrepareCommand(&sub, ch)
	res, err := w.store.SubmitCommand(ctx, sub)
	if errors.Is(err, store.ErrConflict) {
		// The callback came first (or another node's sweep).
		w.log.Debug("a timed-out wait already ended", "conversation", c.ID, "wait", st.Calls)
		return nil
	}
	if err != nil {
		return err
	}
	w.Submitted(res)
	return nil
}
