package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"time"

	"github.com/confab/confab/internal/store"
)

// insertTurnLog stores a turn's execution log in the turn's transaction.
func (db *DB) insertTurnLog(ctx context.Context, tx *txn, r store.TurnResult) error {
	_, err := tx.ExecContext(ctx, db.q(`INSERT INTO turn_logs (conversation_id, seq, at, trace) VALUES (?, ?, ?, ?)`),
		r.ConversationID, r.HandledSeq, ms(r.Now), r.Log)
	return err
}

// turnLogs is every execution log with its conversation, seq and time:
// those in turn_logs and those kept in their message's row (a turn that
// ran inside Accept on the shortest path, acceptGuessed).
const turnLogs = `(SELECT conversation_id, seq, at, trace FROM turn_logs
	UNION ALL SELECT conversation_id, seq, created_at AS at, trace FROM messages WHERE trace IS NOT NULL) AS l`

// ListTurnLogs returns a conversation's execution logs within p's bounds,
// in the order of their seq.
func (db *DB) ListTurnLogs(ctx context.Context, projectID, conversationID string, p store.LogPage) ([]store.TurnLog, error) {
	if err := db.ownConversation(ctx, projectID, conversationID); err != nil {
		return nil, err
	}
	query, args := pageQuery(`SELECT conversation_id, seq, at, trace FROM (
		SELECT conversation_id, seq, at, trace FROM turn_logs WHERE conversation_id = ?
		UNION ALL SELECT conversation_id, seq, created_at, trace FROM messages WHERE conversation_id = ? AND trace IS NOT NULL) AS l WHERE true`,
		"seq", conversationID, p.After, p.Before, p.Desc, p.Limit)
	args = append([]any{conversationID}, args...)
	rows, err := db.read(ctx, db.q(query), args...)
	if err != nil {
		return nil, db.err(err)
	}
	defer rows.Close()
	var out []store.TurnLog
	for rows.Next() {
		var l store.TurnLog
		var at int64
		if err := rows.Scan(&l.ConversationID, &l.Seq, &at, &l.Trace); err != nil {
			return nil, db.err(err)
		}
		l.At = fromMS(at)
		out = append(out, l)
	}
	return out, db.err(rows.Err())
}

// PruneTurnLogs deletes up to limit logs older than before, then (keep >
// 0) up to the rest of limit beyond the newest keep of their
// conversation. A log kept in its message's row is dropped from the row;
// the message stays.
//
// turn_logs rows are written in the order of their ids, so the old ones
// are at the start of the table: the first log (by id) that is not old
// bounds the search, which then costs about as much as the rows it
// deletes; old traces in messages are found through their partial index.
// Keeping the newest keep per conversation reads every log, so it is off
// unless asked for.
func (db *DB) PruneTurnLogs(ctx context.Context, before time.Time, keep, limit int) (int, error) {
	deleted := 0
	err := db.tx(ctx, func(tx *txn) error {
		deleted = 0
		run := func(query string, args ...any) error {
			if deleted >= limit {
				return nil
			}
			res, err := tx.ExecContext(ctx, db.q(query), append(args, limit-deleted)...)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			deleted += int(n)
			return err
		}
		cutoff := ms(before)
		var bound int64
		err := tx.QueryRowContext(ctx, db.q(`SELECT id FROM turn_logs WHERE at >= ? ORDER BY id LIMIT 1`), cutoff).Scan(&bound)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			bound = math.MaxInt64 // every log is old
		case err != nil:
			return err
		}
		if err := run(`DELETE FROM turn_logs WHERE id IN (SELECT id FROM turn_logs WHERE id < ? AND at < ? ORDER BY id LIMIT ?)`, bound, cutoff); err != nil {
			return err
		}
		if err := run(`UPDATE messages SET trace = NULL WHERE (conversation_id, seq) IN (
			SELECT conversation_id, seq FROM messages WHERE trace IS NOT NULL AND created_at < ? LIMIT ?)`, cutoff); err != nil {
			return err
		}
		if keep <= 0 {
			return nil
		}
		// Dropping logs older than a conversation's newest keep leaves
		// those newest as they are, so the second statement ranks the
		// same ones first.
		beyond := `SELECT conversation_id, seq FROM (SELECT conversation_id, seq, ROW_NUMBER() OVER (PARTITION BY conversation_id ORDER BY seq DESC) AS n FROM ` + turnLogs + `) AS ranked
			WHERE n > ? LIMIT ?`
		if err := run(`DELETE FROM turn_logs WHERE (conversation_id, seq) IN (`+beyond+`)`, keep); err != nil {
			return err
		}
		return run(`UPDATE messages SET trace = NULL WHERE trace IS NOT NULL AND (conversation_id, seq) IN (`+beyond+`)`, keep)
	})
	return deleted, err
}
