package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/confab/confab/internal/events"
	"github.com/confab/confab/internal/store"
)

// returnConversation is the RETURNING list of a statement that updates
// one conversation: the columns scanConversation reads, then last_seq.
const returnConversation = `id, project_id, channel_id, bot, user_id,
	COALESCE((SELECT sender_id FROM users u WHERE u.project_id = conversations.project_id AND u.id = conversations.user_id), ''),
	state, status, handled_seq, created_at, updated_at, last_seq`

// Accept stores an inbound message, its user, its conversation and its
// turn job in one transaction. The statement that takes the message's
// sequence number returns the conversation too, so that a turn leased
// here (in.Lease) runs without another read. It keeps the context's
// idempotent answer, with the Accepted as the effect's result.
func (db *DB) Accept(ctx context.Context, in store.Inbound) (store.Accepted, error) {
	acc, err := db.accept(ctx, in)
	if in.After != nil {
		in.After(acc, err)
	}
	return acc, err
}

func (db *DB) accept(ctx context.Context, in store.Inbound) (store.Accepted, error) {
	var acc store.Accepted
	now := ms(in.Now)
	var payload []byte
	if len(in.Attachments) > 0 {
		var err error
		if payload, err = json.Marshal(map[string]any{"attachments": in.Attachments}); err != nil {
			return acc, err
		}
	}
	owner, until := "", int64(0)
	if in.Lease != nil {
		owner, until = in.Lease.Owner, ms(in.Lease.Until)
	}
	// The events the message may raise (events.go): the project's
	// subscriptions, cached.
	subs, subErr := db.subscriptions(ctx, db.R, in.ProjectID)
	if subErr != nil {
		return acc, db.err(subErr)
	}
	raised := 0
	var c store.Conversation
	leased, queued := false, false
	scan := func(row interface{ Scan(...any) error }, extra ...any) error {
		var created, updated int64
		err := row.Scan(append([]any{&c.ID, &c.ProjectID, &c.ChannelID, &c.Bot, &c.UserID, &c.SenderID, &c.State, &c.Status, &c.HandledSeq, &created, &updated, &acc.Seq}, extra...)...)
		c.CreatedAt, c.UpdatedAt = fromMS(created), fromMS(updated)
		acc.ConversationID = c.ID
		return err
	}
	done := func() (store.Accepted, error) {
		if leased && in.Lease != nil {
			acc.Turn = &store.Turn{Conversation: c, Messages: []store.Message{{ConversationID: c.ID, Seq: acc.Seq, Direction: "in",
				Text: in.Text, Payload: payload, CreatedAt: fromMS(now)}}}
		}
		return acc, nil
	}
	if db.d.WritableCTE && in.UserID != nil && in.Run == nil && store.IdempotencyOf(ctx) == nil && !subs.wants(events.MessageReceived) {
		// One statement for a known user's conversation: next sequence
		// number, message and turn job together, atomically.
		acc.UserID = *in.UserID
		err := scan(db.W.QueryRowContext(ctx, db.q(`WITH c AS (
				UPDATE conversations SET last_seq = last_seq + 1, updated_at = ? WHERE channel_id = ? AND user_id = ? RETURNING `+returnConversation+`),
			m AS (INSERT INTO messages (conversation_id, seq, direction, text, payload, created_at) SELECT id, last_seq, 'in', ?, ?, ? FROM c),
			q AS (INSERT INTO turn_queue (conversation_id, lease_owner, lease_until, queued_at) SELECT id, ?, ?, ? FROM c ON CONFLICT (conversation_id) DO NOTHING RETURNING conversation_id)
			SELECT c.*, EXISTS (SELECT 1 FROM q) FROM c`), now, in.ChannelID, acc.UserID, in.Text, payload, now, owner, until, now), &leased)
		if err == nil {
			return done()
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return acc, db.err(err)
		}
	}
	err := db.tx(ctx, func(tx *txn) error {
		leased, raised = false, 0
		created := false
		if in.Guess != nil && in.Guess.LastSeq > 0 && in.UserID != nil && in.Run != nil {
			ran, n, err := db.acceptGuessed(ctx, tx, in, subs, payload, &c, &acc)
			if err != nil {
				return err
			}
			if ran {
				raised = n
				return db.keepAnswer(ctx, tx, acc)
			}
		}
		// The common case: a known user's conversation exists. Taking its
		// next sequence number is the only write to it (the update is
		// atomic and locks the row until commit, so concurrent messages of
		// one conversation get distinct, increasing numbers).
		next := db.q(`UPDATE conversations SET last_seq = last_seq + 1, updated_at = ? WHERE channel_id = ? AND user_id = ? RETURNING ` + returnConversation)
		found := false
		if in.UserID != nil {
			acc.UserID = *in.UserID
			err := scan(tx.QueryRowContext(ctx, next, now, in.ChannelID, acc.UserID))
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			found = err == nil
		}
		if !found {
			uid, err := db.user(ctx, tx, in, now)
			if err != nil {
				return err
			}
			acc.UserID = uid
			// Create the conversation on the user's first message here; a
			// concurrent first message makes the insert a no-op.
			res, err := tx.ExecContext(ctx, db.q(`INSERT INTO conversations (id, project_id, channel_id, bot, user_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (channel_id, user_id) DO NOTHING`),
				store.NewID("conv"), in.ProjectID, in.ChannelID, in.Bot, uid, now, now)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			created = n == 1
			if err := scan(tx.QueryRowContext(ctx, next, now, in.ChannelID, uid)); err != nil {
				return err
			}
		}
		// Whether a turn (or a command) of the conversation is queued or
		// running is read again by this later statement: on PostgreSQL the
		// RETURNING above sees other tables as they were when the update
		// started, before it waited for the conversation's row, and would
		// miss a turn job queued meanwhile.
		if err := tx.QueryRowContext(ctx, db.q(`INSERT INTO messages (conversation_id, seq, direction, text, payload, created_at) VALUES (?, ?, 'in', ?, ?, ?)
			RETURNING EXISTS (SELECT 1 FROM turn_queue WHERE conversation_id = ?)`),
			acc.ConversationID, acc.Seq, in.Text, payload, now, acc.ConversationID).Scan(&queued); err != nil {
			return err
		}
		if subs.wants(events.ConversationStarted) || subs.wants(events.MessageReceived) {
			m := store.Message{ConversationID: c.ID, Seq: acc.Seq, Direction: "in", Text: in.Text, Payload: payload, CreatedAt: fromMS(now)}
			n, err := db.acceptEvents(ctx, tx, subs, c, created, m)
			if err != nil {
				return err
			}
			raised += n
		}
		acc.Ran, acc.Outgoing = false, nil
		if in.Run != nil && !queued {
			// No other turn of the conversation is queued or running: this
			// one may run here, in order, when it needs no calls.
			m := store.Message{ConversationID: c.ID, Seq: acc.Seq, Direction: "in", Text: in.Text, Payload: payload, CreatedAt: fromMS(now)}
			if r, ok := in.Run(c, m); ok {
				r.ConversationID = c.ID
				ev := turnEvents{before: &c, set: subs}
				if err := db.writeTurnRaising(ctx, tx, r, &ev); err != nil {
					return err
				}
				raised += ev.raised
				acc.Ran, acc.Outgoing = true, r.Outgoing
				return db.keepAnswer(ctx, tx, acc)
			}
		}
		res, err := tx.ExecContext(ctx, db.q(`INSERT INTO turn_queue (conversation_id, lease_owner, lease_until, queued_at) VALUES (?, ?, ?, ?) ON CONFLICT (conversation_id) DO NOTHING`),
			acc.ConversationID, owner, until, now)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		leased = n == 1
		if err != nil {
			return err
		}
		return db.keepAnswer(ctx, tx, acc)
	})
	if err != nil {
		return acc, err
	}
	if raised > 0 {
		db.eventsWritten()
	}
	return done()
}

// acceptGuessed is Accept's shortest way: when the conversation's state
// and last sequence number are still in.Guess's (so nothing was accepted
// since that turn, and no other turn of it is queued or running), one
// statement takes the message's number and those of the turn's replies,
// writes the turn's state, and tells whether an older delivery waits; the
// message with the turn's log, and its replies, follow. It reports false,
// having written nothing, when the guess does not hold, and the caller
// goes the long way.
//
// On PostgreSQL, the guard is what makes this safe: an UPDATE that waited
// for the row's lock checks its WHERE again on the row as committed, but
// reads other tables (the turn queue, the deliveries) as they were when it
// started. While last_seq is unchanged, no turn of the conversation
// committed meanwhile, so what it read of them still holds.
func (db *DB) acceptGuessed(ctx context.Context, tx *txn, in store.Inbound, subs *subscriptionSet, payload []byte, c *store.Conversation, acc *store.Accepted) (bool, int, error) {
	g := in.Guess
	out := len(g.Result.Outgoing)
	owner, leaseNow, leaseUntil := "", int64(0), int64(0)
	if l := g.Result.DeliveryLease; l != nil {
		owner, leaseNow, leaseUntil = l.Owner, ms(l.Now), ms(l.Until)
	}
	now := ms(g.Result.Now)
	var id, projectID string
	var last int64
	var pending bool
	update := `UPDATE conversations SET last_seq = last_seq + ?, state = ?, status = ?, handled_seq = last_seq + 1, updated_at = ?, wait_until = ?
		WHERE channel_id = ? AND user_id = ? AND state = ? AND last_seq = ? AND NOT EXISTS (SELECT 1 FROM turn_queue q WHERE q.conversation_id = conversations.id)
		RETURNING id, project_id, last_seq, EXISTS (SELECT 1 FROM deliveries d WHERE d.conversation_id = conversations.id AND d.status = 'pending' AND NOT (d.lease_owner = ? AND d.lease_until > ?)) AS pending`
	args := []any{1 + out, g.Result.State, g.Result.Status, now, msOrZero(g.Result.WaitUntil), in.ChannelID, *in.UserID, g.Prior.State, g.LastSeq, owner, leaseNow}
	// The turn's log goes in its message's row (migration 0008).
	var trace any // NULL without a log
	if g.Result.Log != nil {
		trace = g.Result.Log
	}
	inbound := messageRow{direction: "in", text: in.Text, payload: payload, at: ms(in.Now), trace: trace}
	var err error
	if db.d.WritableCTE {
		// One round trip for the whole turn (PostgreSQL): the messages and
		// the deliveries are written by the same statement, from the guess;
		// Run below, called with the row locked, must agree with it.
		query, more := guessedWrites(update, inbound, g.Result, in.ChannelID, owner, leaseUntil)
		err = tx.QueryRowContext(ctx, db.q(query), append(args, more...)...).Scan(&id, &projectID, &last, &pending)
	} else {
		err = tx.QueryRowContext(ctx, db.q(update), args...).Scan(&id, &projectID, &last, &pending)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return false, 0, nil
	}
	if err != nil {
		return false, 0, err
	}
	seq := last - int64(out)
	*c = g.Prior
	c.ID, c.ProjectID, c.HandledSeq, c.UpdatedAt = id, projectID, seq-1, fromMS(now)
	acc.UserID, acc.ConversationID, acc.Seq = *in.UserID, id, seq
	m := store.Message{ConversationID: id, Seq: seq, Direction: "in", Text: in.Text, Payload: payload, CreatedAt: in.Now}
	raised := 0
	if subs.wants(events.ConversationStarted) || subs.wants(events.MessageReceived) {
		n, err := db.acceptEvents(ctx, tx, subs, *c, false, m)
		if err != nil {
			return false, 0, err
		}
		raised += n
	}
	// Run returns the guess when the conversation is as Prior says, as it
	// is here; anything else is a bug, and the transaction rolls back.
	r, ok := in.Run(*c, m)
	if !ok || !bytes.Equal(r.State, g.Result.State) || r.Status != g.Result.Status || !r.WaitUntil.Equal(g.Result.WaitUntil) || len(r.Outgoing) != out {
		return false, 0, fmt.Errorf("sqlstore: the turn of conversation %s differs from the one guessed before its transaction", id)
	}
	r.ConversationID = id
	ev := turnEvents{before: c, set: subs}
	inbound.seq = seq
	row := turnRow{projectID: c.ProjectID, channelID: in.ChannelID, last: seq, pending: &pending, inbound: &inbound, written: db.d.WritableCTE}
	if err := db.writeTurnOutput(ctx, tx, r, &ev, row); err != nil {
		return false, 0, err
	}
	acc.Ran, acc.Outgoing = true, r.Outgoing
	return true, raised + ev.raised, nil
}

// guessedWrites extends the guarded UPDATE of acceptGuessed (its columns
// named, pending among them) into one data-modifying statement that also
// writes the turn's messages, numbered from the updated last_seq, and
// their deliveries, leased unless an older delivery waits. It returns the
// statement and the arguments that follow the UPDATE's.
func guessedWrites(update string, inbound messageRow, r store.TurnResult, channelID, owner string, until int64) (string, []any) {
	var b strings.Builder
	var args []any
	out := int64(len(r.Outgoing))
	b.WriteString("WITH c AS (" + update + "),\n")
	b.WriteString(`m AS (INSERT INTO messages (conversation_id, seq, direction, text, payload, created_at, trace)
		SELECT c.id, c.last_seq - ? + v.n, v.direction, v.text, v.payload, v.created_at, v.trace FROM c, (VALUES `)
	args = append(args, out)
	for i, m := range turnRows(&inbound, r, 0) {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS BYTEA), CAST(? AS BIGINT), CAST(? AS BYTEA))")
		args = append(args, int64(i), m.direction, m.text, m.payload, m.at, m.trace)
	}
	b.WriteString(") AS v(n, direction, text, payload, created_at, trace))")
	var deliveries []any
	n := 0
	for i, o := range r.Outgoing {
		if d := o.Delivery; d != nil {
			if n > 0 {
				b.WriteString(", ")
			} else {
				b.WriteString(`,
d AS (INSERT INTO deliveries (id, project_id, channel_id, conversation_id, seq, url, body, status, next_at, lease_owner, lease_until, created_at)
		SELECT v.id, c.project_id, ?, c.id, c.last_seq - ? + v.n, v.url, v.body, 'pending', ?,
			CASE WHEN c.pending THEN '' ELSE CAST(? AS TEXT) END, CASE WHEN c.pending THEN 0 ELSE CAST(? AS BIGINT) END, ? FROM c, (VALUES `)
				deliveries = append(deliveries, channelID, out, ms(r.Now), owner, until, ms(r.Now))
			}
			b.WriteString("(CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS BYTEA))")
			deliveries = append(deliveries, d.ID, int64(i+1), d.URL, d.Body)
			n++
		}
	}
	if n > 0 {
		b.WriteString(") AS v(id, n, url, body))")
	}
	b.WriteString("\nSELECT id, project_id, last_seq, pending FROM c")
	return b.String(), append(args, deliveries...)
}

// user finds or creates the user of an inbound message.
func (db *DB) user(ctx context.Context, tx *txn, in store.Inbound, now int64) (int64, error) {
	if in.UserID != nil {
		id := *in.UserID
		// Move the project's counter past the given id first, as taking a
		// new id does (project row, then user row: no deadlock with a
		// concurrent new user that gets this id), and only when it is not
		// past it yet, so messages of existing users do not all queue on
		// the project row.
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE projects SET next_user_id = ? WHERE id = ? AND next_user_id <= ?`), id+1, in.ProjectID, id); err != nil {
			return 0, err
		}
		_, err := tx.ExecContext(ctx, db.q(`INSERT INTO users (project_id, id, created_at) VALUES (?, ?, ?) ON CONFLICT (project_id, id) DO NOTHING`), in.ProjectID, id, now)
		return id, err
	}
	if in.SenderID != "" {
		var id int64
		err := tx.QueryRowContext(ctx, db.q(`SELECT id FROM users WHERE project_id = ? AND sender_id = ?`), in.ProjectID, in.SenderID).Scan(&id)
		if err != sql.ErrNoRows {
			return id, err
		}
	}
	var id int64
	if err := tx.QueryRowContext(ctx, db.q(`UPDATE projects SET next_user_id = next_user_id + 1 WHERE id = ? RETURNING next_user_id - 1`), in.ProjectID).Scan(&id); err != nil {
		return 0, err
	}
	if in.SenderID == "" {
		_, err := tx.ExecContext(ctx, db.q(`INSERT INTO users (project_id, id, created_at) VALUES (?, ?, ?)`), in.ProjectID, id, now)
		return id, err
	}
	// A concurrent first message of the same sender may have created the
	// user meanwhile: then this insert does nothing (leaving a gap in the
	// numbers) and the sender's user is read back.
	if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO users (project_id, id, sender_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (project_id, sender_id) WHERE sender_id IS NOT NULL DO NOTHING`), in.ProjectID, id, in.SenderID, now); err != nil {
		return 0, err
	}
	err := tx.QueryRowContext(ctx, db.q(`SELECT id FROM users WHERE project_id = ? AND sender_id = ?`), in.ProjectID, in.SenderID).Scan(&id)
	return id, err
}

const conversationColumns = `c.id, c.project_id, c.channel_id, c.bot, c.user_id, COALESCE(u.sender_id, ''), c.state, c.status, c.handled_seq, c.created_at, c.updated_at`

const conversationFrom = ` FROM conversations c LEFT JOIN users u ON u.project_id = c.project_id AND u.id = c.user_id`

func scanConversation(row interface{ Scan(...any) error }) (store.Conversation, error) {
	var c store.Conversation
	var created, updated int64
	err := row.Scan(&c.ID, &c.ProjectID, &c.ChannelID, &c.Bot, &c.UserID, &c.SenderID, &c.State, &c.Status, &c.HandledSeq, &created, &updated)
	c.CreatedAt, c.UpdatedAt = fromMS(created), fromMS(updated)
	return c, err
}

// ClaimTurns leases conversations with unhandled messages.
func (db *DB) ClaimTurns(ctx context.Context, lease store.Lease, limit int) ([]store.Turn, error) {
	var turns []store.Turn
	err := db.tx(ctx, func(tx *txn) error {
		rows, err := tx.QueryContext(ctx, db.q(`SELECT conversation_id FROM turn_queue WHERE lease_until <= ? ORDER BY queued_at LIMIT ? `+db.d.SkipLocked), ms(lease.Now), limit)
		if err != nil {
			return err
		}
		ids, err := scanStrings(rows)
		if err != nil || len(ids) == 0 {
			return err
		}
		args := []any{lease.Owner, ms(lease.Until)}
		for _, id := range ids {
			args = append(args, id)
		}
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE turn_queue SET lease_owner = ?, lease_until = ? WHERE conversation_id IN (`+marks(len(ids))+`)`), args...); err != nil {
			return err
		}
		for _, id := range ids {
			c, err := scanConversation(tx.QueryRowContext(ctx, db.q(`SELECT `+conversationColumns+conversationFrom+` WHERE c.id = ?`), id))
			if err != nil {
				return err
			}
			msgs, err := db.messages(ctx, tx, `SELECT conversation_id, seq, direction, text, payload, created_at FROM messages WHERE conversation_id = ? AND direction = 'in' AND seq > ? ORDER BY seq`, id, c.HandledSeq)
			if err != nil {
				return err
			}
			turns = append(turns, store.Turn{Conversation: c, Messages: msgs})
		}
		cmds, err := db.pendingCommands(ctx, tx, ids)
		for i := range turns {
			turns[i].Commands = cmds[turns[i].Conversation.ID]
		}
		return err
	})
	return turns, err
}

func hasDeliveries(out []store.Outgoing) bool {
	for _, o := range out {
		if o.Delivery != nil {
			return true
		}
	}
	return false
}

func marks(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

func scanStrings(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (db *DB) messages(ctx context.Context, q querier, query string, args ...any) ([]store.Message, error) {
	rows, err := q.QueryContext(ctx, db.q(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Message
	for rows.Next() {
		var m store.Message
		var created int64
		if err := rows.Scan(&m.ConversationID, &m.Seq, &m.Direction, &m.Text, &m.Payload, &created); err != nil {
			return nil, err
		}
		m.CreatedAt = fromMS(created)
		out = append(out, m)
	}
	return out, rows.Err()
}

// CompleteTurn commits a turn: state, outgoing messages, their deliveries,
// the handled mark, and the release (or removal) of the turn job.
func (db *DB) CompleteTurn(ctx context.Context, r store.TurnResult) (requeued bool, err error) {
	raised := 0
	err = db.tx(ctx, func(tx *txn) error {
		requeued, raised = false, 0
		var owner string
		err := tx.QueryRowContext(ctx, db.q(`SELECT lease_owner FROM turn_queue WHERE conversation_id = ? `+db.d.ForUpdate), r.ConversationID).Scan(&owner)
		if err == sql.ErrNoRows || (err == nil && owner != r.Owner) {
			return store.ErrConflict
		}
		if err != nil {
			return err
		}
		var ev turnEvents
		if err := db.writeTurnRaising(ctx, tx, r, &ev); err != nil {
			return err
		}
		raised = ev.raised
		// Remove the job unless messages or commands came meanwhile; then
		// release it.
		res, err := tx.ExecContext(ctx, db.q(`DELETE FROM turn_queue WHERE conversation_id = ? AND NOT EXISTS (SELECT 1 FROM messages WHERE conversation_id = ? AND direction = 'in' AND seq > ?)
			AND NOT EXISTS (SELECT 1 FROM commands WHERE conversation_id = ? AND status = 'pending')`),
			r.ConversationID, r.ConversationID, r.HandledSeq, r.ConversationID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
		requeued = true
		_, err = tx.ExecContext(ctx, db.q(`UPDATE turn_queue SET lease_owner = '', lease_until = 0 WHERE conversation_id = ?`), r.ConversationID)
		return err
	})
	if err == nil && raised > 0 {
		db.eventsWritten()
	}
	return requeued, err
}

// writeTurn writes a turn's outcome: the conversation's new state, the
// messages the bot sent and their deliveries (filled in, and leased when
// r.DeliveryLease asks and nothing older of the conversation waits), and
// the turn's execution log (r.Log).
func (db *DB) writeTurn(ctx context.Context, tx *txn, r store.TurnResult) error {
	return db.writeTurnRaising(ctx, tx, r, nil)
}

// writeTurnRaising is writeTurn that also raises the turn's events
// (events.go), told what ev knows (nil: nothing) and counting them in ev.
func (db *DB) writeTurnRaising(ctx context.Context, tx *txn, r store.TurnResult, ev *turnEvents) error {
	if ev == nil {
		ev = &turnEvents{}
	}
	if err := db.turnBefore(ctx, tx, r, ev); err != nil {
		return err
	}
	now := ms(r.Now)
	// Write the new state and reserve the sequence numbers of the
	// outgoing messages atomically (an inbound message may be accepted
	// at the same moment).
	var projectID, channelID string
	var last int64
	if err := tx.QueryRowContext(ctx, db.q(`UPDATE conversations SET last_seq = last_seq + ?, state = ?, status = ?, handled_seq = ?, updated_at = ?, wait_until = ? WHERE id = ? RETURNING project_id, channel_id, last_seq`),
		len(r.Outgoing), r.State, r.Status, r.HandledSeq, now, msOrZero(r.WaitUntil), r.ConversationID).Scan(&projectID, &channelID, &last); err != nil {
		return err
	}
	return db.writeTurnOutput(ctx, tx, r, ev, turnRow{projectID: projectID, channelID: channelID, last: last - int64(len(r.Outgoing))})
}

// turnRow is what writeTurnOutput needs of the conversation's row as the
// turn left it.
type turnRow struct {
	projectID, channelID string
	last                 int64 // the sequence number before the turn's first message
	// pending, when not nil, already tells whether an older delivery of
	// the conversation waits (but those held by the delivery lease's
	// owner).
	pending *bool
	// inbound, when set, is the turn's message, written with the replies
	// and holding the turn's log (which then goes nowhere else).
	inbound *messageRow
	// written says the messages and deliveries are in the database
	// already (guessedWrites); they are only filled in.
	written bool
}

// messageRow is a row of messages.
type messageRow struct {
	seq             int64
	direction, text string
	payload         []byte
	at              int64
	trace           any // the turn's log or nil
}

// turnRows is a turn's messages as rows: its user's message when given,
// then its replies, numbered after last.
func turnRows(inbound *messageRow, r store.TurnResult, last int64) []messageRow {
	rows := make([]messageRow, 0, 1+len(r.Outgoing))
	if inbound != nil {
		rows = append(rows, *inbound)
	}
	for i, o := range r.Outgoing {
		rows = append(rows, messageRow{seq: last + 1 + int64(i), direction: "out", text: o.Text, payload: o.Payload, at: ms(r.Now)})
	}
	return rows
}

// insertMessages writes a conversation's messages in one statement.
func (db *DB) insertMessages(ctx context.Context, tx *txn, conversationID string, rows []messageRow) error {
	if len(rows) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO messages (conversation_id, seq, direction, text, payload, created_at, trace) VALUES `)
	args := make([]any, 0, 7*len(rows))
	for i, m := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?)")
		args = append(args, conversationID, m.seq, m.direction, m.text, m.payload, m.at, m.trace)
	}
	_, err := tx.ExecContext(ctx, db.q(b.String()), args...)
	return err
}

// writeTurnOutput writes what a turn leaves besides the conversation's
// row: its log, its messages numbered after row.last, their deliveries
// and the turn's events and commands.
func (db *DB) writeTurnOutput(ctx context.Context, tx *txn, r store.TurnResult, ev *turnEvents, row turnRow) error {
	now := ms(r.Now)
	projectID, channelID, last, pending := row.projectID, row.channelID, row.last, row.pending
	if r.Log != nil && row.inbound == nil {
		if err := db.insertTurnLog(ctx, tx, r); err != nil {
			return err
		}
	}
	first := last + 1 // the first outgoing message's sequence number
	// Per-conversation FIFO: when something older waits to be delivered,
	// nothing may go out before it, so the new deliveries queue, unless
	// all that waits is held by the lease's owner, which sends the new
	// ones after those.
	leaseOwner, leaseUntil := "", int64(0)
	if l := r.DeliveryLease; l != nil && hasDeliveries(r.Outgoing) {
		if pending == nil {
			pending = new(bool)
			if err := tx.QueryRowContext(ctx, db.q(`SELECT EXISTS (SELECT 1 FROM deliveries WHERE conversation_id = ? AND status = 'pending' AND NOT (lease_owner = ? AND lease_until > ?))`),
				r.ConversationID, l.Owner, ms(l.Now)).Scan(pending); err != nil {
				return err
			}
		}
		if !*pending {
			leaseOwner, leaseUntil = l.Owner, ms(l.Until)
		}
	}
	if !row.written {
		if err := db.insertMessages(ctx, tx, r.ConversationID, turnRows(row.inbound, r, last)); err != nil {
			return err
		}
	}
	for _, o := range r.Outgoing {
		last++
		d := o.Delivery
		if d == nil {
			continue
		}
		if !row.written {
			if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO deliveries (id, project_id, channel_id, conversation_id, seq, url, body, status, next_at, lease_owner, lease_until, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)`),
				d.ID, projectID, channelID, r.ConversationID, last, d.URL, d.Body, now, leaseOwner, leaseUntil, now); err != nil {
				return err
			}
		}
		d.ProjectID, d.ChannelID, d.ConversationID, d.Seq = projectID, channelID, r.ConversationID, last
		d.Status, d.Attempts, d.NextAt, d.CreatedAt = store.DeliveryPending, 0, fromMS(now), fromMS(now)
		d.LeasedUntil = time.Time{}
		if leaseOwner != "" {
			d.LeasedUntil = fromMS(leaseUntil)
		}
	}
	if err := db.raiseTurnEvents(ctx, tx, r, ev, projectID, first); err != nil {
		return err
	}
	if len(r.Commands) > 0 {
		return db.finishCommands(ctx, tx, r)
	}
	return nil
}

// Messages returns a conversation's messages in order.
func (db *DB) Messages(ctx context.Context, projectID, conversationID string) ([]store.Message, error) {
	if _, err := db.GetConversation(ctx, projectID, conversationID); err != nil {
		return nil, err
	}
	msgs, err := db.messages(ctx, db.R, `SELECT conversation_id, seq, direction, text, payload, created_at FROM messages WHERE conversation_id = ? ORDER BY seq`, conversationID)
	return msgs, db.err(err)
}

// GetConversation returns a conversation of a project.
func (db *DB) GetConversation(ctx context.Context, projectID, id string) (store.Conversation, error) {
	c, err := scanConversation(db.readRow(ctx, db.q(`SELECT `+conversationColumns+conversationFrom+` WHERE c.project_id = ? AND c.id = ?`), projectID, id))
	return c, db.err(err)
}

// RenewTurn extends a turn's lease while its owner still holds it.
func (db *DB) RenewTurn(ctx context.Context, conversationID, owner string, until time.Time) error {
	res, err := db.write(ctx, db.q(`UPDATE turn_queue SET lease_until = ? WHERE conversation_id = ? AND lease_owner = ?`), ms(until), conversationID, owner)
	if err := db.affected(res, err); errors.Is(err, store.ErrNotFound) {
		return store.ErrConflict
	} else {
		return err
	}
}

// ReleaseLeases drops every lease (see store.Store).
func (db *DB) ReleaseLeases(ctx context.Context) error {
	return db.tx(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `UPDATE turn_queue SET lease_owner = '', lease_until = 0 WHERE lease_until > 0`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE deliveries SET lease_owner = '', lease_until = 0 WHERE lease_until > 0`)
		return err
	})
}
