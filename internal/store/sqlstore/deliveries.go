package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/confab/confab/internal/store"
)

const deliveryColumns = `id, project_id, COALESCE(channel_id, ''), conversation_id, seq, url, body, status, attempts, next_at, last_status, last_error, created_at,
	COALESCE(subscription_id, ''), event_id, event_type, delivered_at, delivered_by, delivered_latency_us, delivered_excerpt`

// scanDelivery reads deliveryColumns. History holds the successful
// attempt when the row keeps it (RecordAttempt), and nothing else.
func scanDelivery(row interface{ Scan(...any) error }) (store.Delivery, error) {
	var d store.Delivery
	var next, created int64
	var ok store.Attempt
	var okAt, okLatency int64
	err := row.Scan(&d.ID, &d.ProjectID, &d.ChannelID, &d.ConversationID, &d.Seq, &d.URL, &d.Body, &d.Status, &d.Attempts, &next, &d.LastStatus, &d.LastError, &created,
		&d.SubscriptionID, &d.EventID, &d.EventType, &okAt, &ok.Owner, &okLatency, &ok.Excerpt)
	d.NextAt, d.CreatedAt = fromMS(next), fromMS(created)
	if okAt > 0 {
		ok.DeliveryID, ok.At, ok.Status, ok.Latency = d.ID, fromMS(okAt), d.LastStatus, time.Duration(okLatency)*time.Microsecond
		d.History = []store.Attempt{ok}
	}
	return d, err
}

// ClaimDeliveries leases due deliveries, only the oldest pending one of
// each conversation.
func (db *DB) ClaimDeliveries(ctx context.Context, lease store.Lease, limit int) ([]store.Delivery, error) {
	var out []store.Delivery
	now := ms(lease.Now)
	err := db.tx(ctx, func(tx *txn) error {
		rows, err := tx.QueryContext(ctx, db.q(`SELECT `+deliveryColumns+` FROM deliveries d
			WHERE status = 'pending' AND next_at <= ? AND lease_until <= ?
			  AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.conversation_id = d.conversation_id AND e.status = 'pending' AND e.seq < d.seq)
			ORDER BY next_at, seq LIMIT ? `+db.d.SkipLocked), now, now, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanDelivery(rows)
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		for _, d := range out {
			if _, err := tx.ExecContext(ctx, db.q(`UPDATE deliveries SET lease_owner = ?, lease_until = ? WHERE id = ?`), lease.Owner, ms(lease.Until), d.ID); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// RecordAttempt logs one attempt and moves the delivery on. A dead letter
// may raise an event (recordDead).
func (db *DB) RecordAttempt(ctx context.Context, a store.Attempt, next store.DeliveryUpdate) error {
	switch next.Status {
	case store.DeliveryDead:
		return db.recordDead(ctx, a, next)
	case store.DeliveryDelivered:
		// One statement: the success is kept in the delivery's row, which
		// it leaves for good (a delivered delivery is never attempted
		// again), so no delivery_attempts row is needed.
		res, err := db.write(ctx, db.q(`UPDATE deliveries SET attempts = attempts + 1, status = 'delivered', next_at = ?, last_status = ?, last_error = ?, lease_owner = '', lease_until = 0,
				delivered_at = ?, delivered_by = ?, delivered_latency_us = ?, delivered_excerpt = ?
			WHERE id = ? AND (lease_owner = '' OR lease_owner = ?)`),
			ms(next.NextAt), a.Status, a.Error, ms(a.At), a.Owner, a.Latency.Microseconds(), a.Excerpt, a.DeliveryID, a.Owner)
		if err := db.affected(res, err); !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return db.attemptRefused(ctx, a.DeliveryID)
	}
	if db.d.WritableCTE {
		// One statement: move the delivery on and log the attempt.
		res, err := db.W.ExecContext(ctx, db.q(`WITH d AS (
				UPDATE deliveries SET attempts = attempts + 1, status = ?, next_at = ?, last_status = ?, last_error = ?, lease_owner = '', lease_until = 0
				WHERE id = ? AND (lease_owner = '' OR lease_owner = ?) RETURNING id, attempts)
			INSERT INTO delivery_attempts (delivery_id, n, owner, at, status, latency_us, error, excerpt)
			SELECT id, attempts, ?, ?, ?, ?, ?, ? FROM d`),
			next.Status, ms(next.NextAt), a.Status, a.Error, a.DeliveryID, a.Owner,
			a.Owner, ms(a.At), a.Status, a.Latency.Microseconds(), a.Error, a.Excerpt)
		if err := db.affected(res, err); !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return db.attemptRefused(ctx, a.DeliveryID)
	}
	return db.tx(ctx, func(tx *txn) error {
		// Move the delivery on only while a.Owner holds its lease (or no one
		// does); the attempt number comes back for the log.
		var n int
		err := tx.QueryRowContext(ctx, db.q(`UPDATE deliveries SET attempts = attempts + 1, status = ?, next_at = ?, last_status = ?, last_error = ?, lease_owner = '', lease_until = 0
			WHERE id = ? AND (lease_owner = '' OR lease_owner = ?) RETURNING attempts`),
			next.Status, ms(next.NextAt), a.Status, a.Error, a.DeliveryID, a.Owner).Scan(&n)
		if errors.Is(err, sql.ErrNoRows) {
			var exists int
			if err := tx.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM deliveries WHERE id = ?`), a.DeliveryID).Scan(&exists); err != nil {
				return err
			}
			if exists == 0 {
				return store.ErrNotFound
			}
			return store.ErrConflict // the lease ran out and another worker holds it now
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, db.q(`INSERT INTO delivery_attempts (delivery_id, n, owner, at, status, latency_us, error, excerpt) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
			a.DeliveryID, n, a.Owner, ms(a.At), a.Status, a.Latency.Microseconds(), a.Error, a.Excerpt)
		return err
	})
}

// attemptRefused says why an attempt's update found no delivery it may
// move on: there is none (ErrNotFound), or its lease ran out and another
// worker holds it now (ErrConflict).
func (db *DB) attemptRefused(ctx context.Context, id string) error {
	var exists int
	if err := db.readRow(ctx, db.q(`SELECT COUNT(*) FROM deliveries WHERE id = ?`), id).Scan(&exists); err != nil {
		return db.err(err)
	}
	if exists == 0 {
		return store.ErrNotFound
	}
	return store.ErrConflict
}

// ListDeliveries returns a channel's deliveries with their attempts,
// newest first.
func (db *DB) ListDeliveries(ctx context.Context, projectID, channelID string, limit int) ([]store.Delivery, error) {
	return db.listDeliveries(ctx, `channel_id = ? ORDER BY created_at DESC, seq DESC`, projectID, channelID, limit)
}

// listDeliveries returns a project's deliveries that match where (a
// condition on one column with its ORDER BY), at most limit, each with its
// attempts.
func (db *DB) listDeliveries(ctx context.Context, where, projectID, key string, limit int) ([]store.Delivery, error) {
	rows, err := db.read(ctx, db.q(`SELECT `+deliveryColumns+` FROM deliveries WHERE project_id = ? AND `+where+` LIMIT ?`), projectID, key, limit)
	if err != nil {
		return nil, db.err(err)
	}
	var out []store.Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			rows.Close()
			return nil, db.err(err)
		}
		out = append(out, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, db.err(err)
	}
	for i := range out {
		logged, err := db.attempts(ctx, out[i].ID)
		if err != nil {
			return nil, db.err(err)
		}
		out[i].History = append(logged, out[i].History...) // the row's success comes last
	}
	return out, nil
}

func (db *DB) attempts(ctx context.Context, id string) ([]store.Attempt, error) {
	rows, err := db.read(ctx, db.q(`SELECT owner, at, status, latency_us, error, excerpt FROM delivery_attempts WHERE delivery_id = ? ORDER BY n`), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Attempt
	for rows.Next() {
		a := store.Attempt{DeliveryID: id}
		var at, lat int64
		if err := rows.Scan(&a.Owner, &at, &a.Status, &lat, &a.Error, &a.Excerpt); err != nil {
			return nil, err
		}
		a.At, a.Latency = fromMS(at), time.Duration(lat)*time.Microsecond
		out = append(out, a)
	}
	return out, rows.Err()
}

// ReplayDelivery makes a dead delivery pending again. It keeps the
// context's idempotent answer.
func (db *DB) ReplayDelivery(ctx context.Context, projectID, id string, now time.Time) error {
	res, err := db.writeKeeping(ctx, db.q(`UPDATE deliveries SET status = 'pending', next_at = ?, lease_owner = '', lease_until = 0 WHERE project_id = ? AND id = ? AND status = 'dead'`), ms(now), projectID, id)
	if err := db.affected(res, err); err != store.ErrNotFound {
		return err
	}
	var status string
	if err := db.readRow(ctx, db.q(`SELECT status FROM deliveries WHERE project_id = ? AND id = ?`), projectID, id).Scan(&status); err != nil {
		return db.err(err)
	}
	return store.ErrConflict
}

// RenewDelivery extends a delivery's lease while its owner still holds it.
func (db *DB) RenewDelivery(ctx context.Context, id, owner string, until time.Time) error {
	res, err := db.write(ctx, db.q(`UPDATE deliveries SET lease_until = ? WHERE id = ? AND lease_owner = ?`), ms(until), id, owner)
	if err := db.affected(res, err); errors.Is(err, store.ErrNotFound) {
		return store.ErrConflict
	} else {
		return err
	}
}
