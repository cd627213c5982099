package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/confab/confab/internal/store"
)

// Answers kept for Idempotency-Keys live in idempotency_keys, one row per
// scope and key. A row is written only in the transaction of the effect it
// answers (keepAnswer), never on its own: there is no row for a request in
// flight, so a process that dies mid-request leaves nothing behind that
// could hold its key. Concurrent requests with one key each write their
// effect, and only the first to commit keeps its row: the others find the
// key taken (PostgreSQL waits for the first to commit or roll back), roll
// back their effect and get store.ErrKeyUsed. An expired row is replaced
// in place, so that the sweep is never needed for correctness.

// keepAnswer writes the answer that ctx carries (store.WithIdempotency), if
// any, in tx: result is what the effect made (see store.Idempotency). It
// returns store.ErrKeyUsed when the scope holds a live answer for the key.
func (db *DB) keepAnswer(ctx context.Context, tx *txn, result any) error {
	rec := store.IdempotencyOf(ctx)
	if rec == nil {
		return nil
	}
	a, err := rec.Answer(result)
	if err != nil {
		return err
	}
	header, err := json.Marshal(a.Header)
	if err != nil {
		return err
	}
	now := ms(rec.Now)
	res, err := tx.ExecContext(ctx, db.q(`INSERT INTO idempotency_keys (scope, idem_key, request_hash, answer_status, answer_header, answer_body, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (scope, idem_key) DO UPDATE SET request_hash = excluded.request_hash, answer_status = excluded.answer_status,
			answer_header = excluded.answer_header, answer_body = excluded.answer_body, created_at = excluded.created_at, expires_at = excluded.expires_at
		WHERE idempotency_keys.expires_at <= excluded.created_at`),
		rec.Scope, rec.Key, rec.Hash, a.Status, string(header), a.Body, now, ms(rec.Now.Add(store.KeptAnswerTTL)))
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrKeyUsed
	}
	return nil
}

// writeKeeping runs one statement as write does and, when ctx carries an
// answer to keep and the statement changed a row, keeps it in the same
// transaction. A statement that changed nothing made no effect: nothing is
// kept then.
func (db *DB) writeKeeping(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if store.IdempotencyOf(ctx) == nil {
		return db.write(ctx, query, args...)
	}
	var res sql.Result
	err := db.tx(ctx, func(tx *txn) error {
		var err error
		if res, err = tx.ExecContext(ctx, query, args...); err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return db.keepAnswer(ctx, tx, nil)
	})
	return res, err
}

// KeptAnswer returns the live answer kept for key in scope.
func (db *DB) KeptAnswer(ctx context.Context, scope, key string, now time.Time) (store.KeptAnswer, error) {
	var a store.KeptAnswer
	var header string
	var created, expires int64
	err := db.readRow(ctx, db.q(`SELECT request_hash, answer_status, answer_header, answer_body, created_at, expires_at
		FROM idempotency_keys WHERE scope = ? AND idem_key = ? AND expires_at > ?`), scope, key, ms(now)).
		Scan(&a.Hash, &a.Status, &header, &a.Body, &created, &expires)
	if err != nil {
		return a, db.err(err)
	}
	a.CreatedAt, a.ExpiresAt = fromMS(created), fromMS(expires)
	if err := json.Unmarshal([]byte(header), &a.Header); err != nil {
		return a, err
	}
	return a, nil
}

// DeleteExpiredAnswers deletes up to limit answers that expired at now.
func (db *DB) DeleteExpiredAnswers(ctx context.Context, now time.Time, limit int) (int, error) {
	res, err := db.write(ctx, db.q(`DELETE FROM idempotency_keys WHERE (scope, idem_key) IN
		(SELECT scope, idem_key FROM idempotency_keys WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)`), ms(now), limit)
	if err != nil {
		return 0, db.err(err)
	}
	n, err := res.RowsAffected()
	return int(n), db.err(err)
}
