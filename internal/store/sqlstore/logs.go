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

// ListTurnLogs returns a conversation's execution logs within p's bounds.
func (db *DB) ListTurnLogs(ctx context.Context, projectID, conversationID string, p store.LogPage) ([]store.TurnLog, error) {
	if err := db.ownConversation(ctx, projectID, conversationID); err != nil {
		return nil, err
	}
	query, args := pageQuery(`SELECT id, conversation_id, seq, at, trace FROM turn_logs WHERE conversation_id = ?`,
		"id", conversationID, p.After, p.Before, p.Desc, p.Limit)
	rows, err := db.read(ctx, db.q(query), args...)
	if err != nil {
		return nil, db.err(err)
	}
	defer rows.Close()
	var out []store.TurnLog
	for rows.Next() {
		var l store.TurnLog
		var at int64
		if err := rows.Scan(&l.ID, &l.ConversationID, &l.Seq, &at, &l.Trace); err != nil {
			return nil, db.err(err)
		}
		l.At = fromMS(at)
		out = append(out, l)
	}
	return out, db.err(rows.Err())
}

// PruneTurnLogs deletes up to limit logs older than before, then (keep >
// 0) up to the rest of limit beyond the newest keep of their
// conversation.
//
// Logs are written in the order of their ids, so the old ones are at the
// start of the table: the first log (by id) that is not old bounds the
// search, which then costs about as much as the rows it deletes. Keeping
// the newest keep per conversation reads every log, so it is off unless
// asked for.
func (db *DB) PruneTurnLogs(ctx context.Context, before time.Time, keep, limit int) (int, error) {
	deleted := 0
	err := db.tx(ctx, func(tx *txn) error {
		deleted = 0
		cutoff := ms(before)
		var bound int64
		err := tx.QueryRowContext(ctx, db.q(`SELECT id FROM turn_logs WHERE at >= ? ORDER BY id LIMIT 1`), cutoff).Scan(&bound)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			bound = math.MaxInt64 // every log is old
		case err != nil:
			return err
		}
		res, err := tx.ExecContext(ctx, db.q(`DELETE FROM turn_logs WHERE id IN (SELECT id FROM turn_logs WHERE id < ? AND at < ? ORDER BY id LIMIT ?)`),
			bound, cutoff, limit)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		deleted = int(n)
		if keep <= 0 || deleted >= limit {
			return nil
		}
		res, err = tx.ExecContext(ctx, db.q(`DELETE FROM turn_logs WHERE id IN (
			SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY conversation_id ORDER BY id DESC) AS n FROM turn_logs) AS ranked
			WHERE n > ? LIMIT ?)`), keep, limit-deleted)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		deleted += int(n)
		return err
	})
	return deleted, err
}
