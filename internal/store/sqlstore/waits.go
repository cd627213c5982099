package sqlstore

import (
	"context"
	"time"

	"github.com/confab/confab/internal/store"
)

// ServerKey returns the server's key of a name, storing fresh when there
// is none yet (see store.Store).
func (db *DB) ServerKey(ctx context.Context, name string, fresh []byte) ([]byte, error) {
	var key []byte
	err := db.tx(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO server_keys (name, key, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`),
			name, fresh, ms(time.Now())); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, db.q(`SELECT key FROM server_keys WHERE name = ?`), name).Scan(&key)
	})
	return key, err
}

// DueWaits returns conversations whose wait timed out and that have no
// command pending (see store.Store).
func (db *DB) DueWaits(ctx context.Context, now time.Time, limit int) ([]store.Conversation, error) {
	rows, err := db.read(ctx, db.q(`SELECT `+conversationColumns+conversationFrom+` WHERE c.wait_until > 0 AND c.wait_until <= ?
		AND NOT EXISTS (SELECT 1 FROM commands m WHERE m.conversation_id = c.id AND m.status = 'pending') ORDER BY c.wait_until LIMIT ?`), ms(now), limit)
	if err != nil {
		return nil, db.err(err)
	}
	defer rows.Close()
	var out []store.Conversation
	for rows.Next() {
		c, err := scanConversation(rows)
		if err != nil {
			return nil, db.err(err)
		}
		out = append(out, c)
	}
	return out, db.err(rows.Err())
}
