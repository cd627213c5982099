package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"sync/atomic"
	"time"

	"github.com/confab/confab/internal/events"
	"github.com/confab/confab/internal/store"
	"github.com/confab/confab/internal/webhook"
)

// Events (package events) are written to the outbox in the transaction of
// what they describe, as one delivery per subscription that wants the
// event's type; a project without subscriptions pays one cache read per
// message. An event delivery's order key (deliveries.conversation_id) is
// "<subscription id>/<conversation id>": the events of one conversation
// reach one subscription one at a time, in the order they were raised
// (their seq counts up per key), and neither wait for the conversation's
// replies nor hold them up. An event about no conversation (a disabled
// webhook) is keyed by its own id and waits for nothing.

// The conversation statuses that raise events (flow.StatusPaused and
// flow.StatusEnded; the store keeps a conversation's status as the flow's
// text).
const (
	statusPaused = "paused"
	statusEnded  = "ended"
)

// typesOf returns the event types a subscription wants, "*" spelt out.
func typesOf(s store.Subscription) []string {
	if s.Wants(events.Any) {
		var all []string
		for _, typ := range events.Types {
			if s.Wants(typ) {
				all = append(all, typ)
			}
		}
		return all
	}
	return s.Events
}

// OnEvents sets f to be called after a transaction that wrote event
// deliveries has committed (the server wakes its deliverer with it, so
// that they go out at once rather than at its next poll). f must not
// block.
func (db *DB) OnEvents(f func()) { db.eventHook.Store(&f) }

// eventsWritten calls the OnEvents function, if there is one.
func (db *DB) eventsWritten() {
	if f := db.eventHook.Load(); f != nil {
		(*f)()
	}
}

// eventHook holds the OnEvents function.
type eventHook = atomic.Pointer[func()]

// emit writes an event's deliveries in tx, one per subscription of set
// that wants its type, keyed by subject (a conversation id, or the event's
// own id), and returns how many it wrote.
func (db *DB) emit(ctx context.Context, tx *txn, set *subscriptionSet, e events.Event, subject string) (int, error) {
	subs := set.wanting(e.Type)
	if len(subs) == 0 {
		return 0, nil
	}
	body := e.JSON()
	at := ms(e.CreatedAt)
	for _, s := range subs {
		key := s.ID + "/" + subject
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO deliveries (id, project_id, subscription_id, event_id, event_type, conversation_id, seq, url, body, status, next_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM deliveries WHERE conversation_id = ? AND subscription_id IS NOT NULL), ?, ?, 'pending', ?, ?)`),
			webhook.NewMessageID(e.CreatedAt), e.ProjectID, s.ID, e.ID, e.Type, key, key, s.URL, body, at, at); err != nil {
			return 0, err
		}
	}
	return len(subs), nil
}

// acceptEvents raises the events of an accepted message m of conversation
// c: conversation.started when the message made the conversation, then
// message.received.
func (db *DB) acceptEvents(ctx context.Context, tx *txn, set *subscriptionSet, c store.Conversation, created bool, m store.Message) (int, error) {
	conv := events.ConversationOf(c)
	n := 0
	if created {
		k, err := db.emit(ctx, tx, set, events.New(events.ConversationStarted, c.ProjectID, m.CreatedAt, events.ConversationData{Conversation: conv}), c.ID)
		if err != nil {
			return 0, err
		}
		n += k
	}
	k, err := db.emit(ctx, tx, set, events.New(events.MessageReceived, c.ProjectID, m.CreatedAt, events.MessageData{Conversation: conv, Message: events.MessageOf(m)}), c.ID)
	return n + k, err
}

// turnEvents is what writeTurnRaising knows to raise a turn's events, and
// what it raised.
type turnEvents struct {
	// before is the conversation before the turn; nil when unknown (it is
	// read when the turn may hand the conversation over or end its flow).
	before *store.Conversation
	// set is the project's subscriptions; nil to look them up.
	set *subscriptionSet
	// raised counts the event deliveries written.
	raised int
}

// turnBefore reads the conversation as it is before a turn, when the turn
// may hand it over or end its flow and the caller did not say.
func (db *DB) turnBefore(ctx context.Context, tx *txn, r store.TurnResult, ev *turnEvents) error {
	if ev.before != nil || (r.Status != statusPaused && r.Status != statusEnded) {
		return nil
	}
	c, err := scanConversation(tx.QueryRowContext(ctx, db.q(`SELECT `+conversationColumns+conversationFrom+` WHERE c.id = ?`), r.ConversationID))
	if err != nil {
		return err
	}
	ev.before = &c
	return nil
}

// flowState is what events read of a conversation's state (flow.State).
type flowState struct {
	Status string `json:"status"`
	Block  string `json:"block"`
	Held   bool   `json:"held"`
}

func readFlowState(state []byte) flowState {
	var st flowState
	if len(state) > 0 {
		_ = json.Unmarshal(state, &st) // a state that does not read is a new one
	}
	return st
}

// turnOutcome is what a turn did that raises events besides its messages.
type turnOutcome struct {
	handover bool   // the flow handed the conversation over
	block    string // at this block
	ended    bool   // the flow reached its end
}

// outcomeOf tells whether a turn, from the conversation before (nil:
// unknown), handed the conversation over or ended its flow. The stored
// status says "paused" for both an operator's hold and a handover, so the
// flow's own status (in the state) tells them apart: a handover is a flow
// that is paused after the turn and was not before (or was released by an
// unpause in the turn). The flow ended when the turn's execution log has
// an "end" step (flow.StepEnd; a flow may start again and end within one
// turn), or, for a turn without a log, when it is ended after the turn and
// was not before.
func outcomeOf(r store.TurnResult, before *store.Conversation) turnOutcome {
	var out turnOutcome
	if r.Status != statusPaused && r.Status != statusEnded {
		return out
	}
	after, prev := readFlowState(r.State), flowState{Status: "?"}
	if before != nil {
		prev = readFlowState(before.State)
	}
	if after.Status == statusPaused && (prev.Status != statusPaused || unpaused(r)) {
		out.handover, out.block = true, after.Block
	}
	if after.Status == statusEnded && !after.Held {
		if r.Log != nil {
			out.ended = endStep(r.Log)
		} else {
			out.ended = before != nil && prev.Status != statusEnded
		}
	}
	return out
}

// unpaused reports whether a turn carried out an unpause.
func unpaused(r store.TurnResult) bool {
	for _, cmd := range r.Commands {
		if cmd.Kind == store.CommandUnpause && cmd.Status == store.CommandDone {
			return true
		}
	}
	return false
}

// endStep reports whether an execution log (a JSON array of steps) has a
// step of kind "end".
func endStep(log []byte) bool {
	var steps []struct {
		Kind string `json:"kind"`
	}
	if json.Unmarshal(log, &steps) != nil {
		return false
	}
	for _, s := range steps {
		if s.Kind == "end" {
			return true
		}
	}
	return false
}

// raiseTurnEvents raises the events of a turn that writeTurnRaising wrote
// (first is its first message's sequence number).
func (db *DB) raiseTurnEvents(ctx context.Context, tx *txn, r store.TurnResult, ev *turnEvents, projectID string, first int64) error {
	set := ev.set
	if set == nil {
		var err error
		if set, err = db.subscriptions(ctx, tx, projectID); err != nil {
			return err
		}
	}
	if len(set.all) == 0 {
		return nil
	}
	out := outcomeOf(r, ev.before)
	if !turnWants(set, r, out) {
		return nil
	}
	var c store.Conversation
	if ev.before != nil && !ev.before.CreatedAt.IsZero() {
		c = *ev.before
		c.State, c.Status, c.UpdatedAt = r.State, r.Status, r.Now
	} else {
		var err error
		if c, err = scanConversation(tx.QueryRowContext(ctx, db.q(`SELECT `+conversationColumns+conversationFrom+` WHERE c.id = ?`), r.ConversationID)); err != nil {
			return err
		}
	}
	n, err := db.turnEvents(ctx, tx, set, c, r, out, first)
	ev.raised += n
	return err
}

// commandEvent returns the event type a command that a turn carried out
// raises, or "".
func commandEvent(cmd store.Command) string {
	if cmd.Status != store.CommandDone {
		return ""
	}
	switch cmd.Kind {
	case store.CommandPause:
		return events.ConversationPaused
	case store.CommandUnpause:
		return events.ConversationUnpaused
	}
	return ""
}

// turnWants reports whether a turn raises events that set wants:
// conversation.paused and conversation.unpaused for the commands it
// carried out, message.sent for its messages, handover.requested and
// conversation.ended for its outcome.
func turnWants(set *subscriptionSet, r store.TurnResult, out turnOutcome) bool {
	for _, cmd := range r.Commands {
		if typ := commandEvent(cmd); typ != "" && set.wants(typ) {
			return true
		}
	}
	return (len(r.Outgoing) > 0 && set.wants(events.MessageSent)) ||
		(out.handover && set.wants(events.HandoverRequested)) ||
		(out.ended && set.wants(events.ConversationEnded))
}

// turnEvents raises the events of a turn written to conversation c (as it
// is after the turn): conversation.paused or conversation.unpaused for
// each pause or unpause it carried out, message.sent for each message it
// sent (the first with sequence number first), then handover.requested or
// conversation.ended for its outcome.
func (db *DB) turnEvents(ctx context.Context, tx *txn, set *subscriptionSet, c store.Conversation, r store.TurnResult, out turnOutcome, first int64) (int, error) {
	conv := events.ConversationOf(c)
	n := 0
	raise := func(e events.Event) error {
		k, err := db.emit(ctx, tx, set, e, c.ID)
		n += k
		return err
	}
	for _, cmd := range r.Commands {
		if typ := commandEvent(cmd); typ != "" && set.wants(typ) {
			if err := raise(events.New(typ, c.ProjectID, r.Now, events.ConversationData{Conversation: conv})); err != nil {
				return 0, err
			}
		}
	}
	if set.wants(events.MessageSent) {
		for i, o := range r.Outgoing {
			m := store.Message{ConversationID: c.ID, Seq: first + int64(i), Direction: "out", Text: o.Text, Payload: o.Payload, CreatedAt: r.Now}
			if err := raise(events.New(events.MessageSent, c.ProjectID, r.Now, events.MessageData{Conversation: conv, Message: events.MessageOf(m)})); err != nil {
				return 0, err
			}
		}
	}
	if out.handover && set.wants(events.HandoverRequested) {
		if err := raise(events.New(events.HandoverRequested, c.ProjectID, r.Now, events.HandoverData{Conversation: conv, Block: out.block})); err != nil {
			return 0, err
		}
	}
	if out.ended && set.wants(events.ConversationEnded) {
		if err := raise(events.New(events.ConversationEnded, c.ProjectID, r.Now, events.ConversationData{Conversation: conv})); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// recordDead records an attempt that dead-letters a delivery (as
// RecordAttempt does) and, when it was a bot message's delivery to a
// channel, raises delivery.failed in the same transaction.
func (db *DB) recordDead(ctx context.Context, a store.Attempt, next store.DeliveryUpdate) error {
	raised := 0
	err := db.tx(ctx, func(tx *txn) error {
		raised = 0
		var n int
		var projectID, channelID, conversationID string
		err := tx.QueryRowContext(ctx, db.q(`UPDATE deliveries SET attempts = attempts + 1, status = ?, next_at = ?, last_status = ?, last_error = ?, lease_owner = '', lease_until = 0
			WHERE id = ? AND (lease_owner = '' OR lease_owner = ?) RETURNING attempts, project_id, COALESCE(channel_id, ''), conversation_id`),
			next.Status, ms(next.NextAt), a.Status, a.Error, a.DeliveryID, a.Owner).Scan(&n, &projectID, &channelID, &conversationID)
		if err != nil {
			return db.attemptMissed(ctx, tx, a.DeliveryID, err)
		}
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO delivery_attempts (delivery_id, n, owner, at, status, latency_us, error, excerpt) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
			a.DeliveryID, n, a.Owner, ms(a.At), a.Status, a.Latency.Microseconds(), a.Error, a.Excerpt); err != nil {
			return err
		}
		if channelID == "" {
			return nil // an event's delivery: its failure raises nothing
		}
		set, err := db.subscriptions(ctx, tx, projectID)
		if err != nil || !set.wants(events.DeliveryFailed) {
			return err
		}
		// Hold the conversation's row, as its turns do, so that the event
		// is ordered after the conversation's earlier ones.
		if db.d.ForUpdate != "" {
			if _, err := tx.ExecContext(ctx, db.q(`SELECT 1 FROM conversations WHERE id = ? `+db.d.ForUpdate), conversationID); err != nil {
				return err
			}
		}
		data := events.DeliveryFailedData{Reason: events.ReasonDeadLetter, ChannelID: channelID, DeliveryID: a.DeliveryID, ConversationID: conversationID,
			Attempts: n, LastStatus: a.Status, LastError: a.Error}
		raised, err = db.emit(ctx, tx, set, events.New(events.DeliveryFailed, projectID, a.At, data), conversationID)
		return err
	})
	if err == nil && raised > 0 {
		db.eventsWritten()
	}
	return err
}

// attemptMissed tells why an attempt's update of delivery id changed no
// row (err is sql.ErrNoRows then): ErrNotFound when it does not exist,
// ErrConflict when another worker holds its lease.
func (db *DB) attemptMissed(ctx context.Context, tx *txn, id string, err error) error {
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	var exists int
	if err := tx.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM deliveries WHERE id = ?`), id).Scan(&exists); err != nil {
		return err
	}
	if exists == 0 {
		return store.ErrNotFound
	}
	return store.ErrConflict
}

// disableEndpoint records that a channel's webhook is disabled (as
// SetEndpointHealth does) and, when it was not disabled before, raises
// delivery.failed in the same transaction.
func (db *DB) disableEndpoint(ctx context.Context, channelID string, failingSince time.Time, disabled string, now time.Time) error {
	defer db.channels.drop(channelID)
	raised := 0
	err := db.tx(ctx, func(tx *txn) error {
		raised = 0
		var projectID, was string
		if err := tx.QueryRowContext(ctx, db.q(`SELECT project_id, webhook_disabled FROM channels WHERE id = ? `+db.d.ForUpdate), channelID).Scan(&projectID, &was); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE channels SET failing_since = ?, webhook_disabled = ? WHERE id = ?`), msOrZero(failingSince), disabled, channelID); err != nil {
			return err
		}
		if was != "" {
			return nil
		}
		set, err := db.subscriptions(ctx, tx, projectID)
		if err != nil || !set.wants(events.DeliveryFailed) {
			return err
		}
		e := events.New(events.DeliveryFailed, projectID, now, events.DeliveryFailedData{Reason: events.ReasonEndpointDisabled, ChannelID: channelID, Disabled: disabled})
		raised, err = db.emit(ctx, tx, set, e, e.ID)
		return err
	})
	if err == nil && raised > 0 {
		db.eventsWritten()
	}
	return db.err(err)
}
