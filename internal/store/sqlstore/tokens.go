package sqlstore

import (
	"context"
	"time"

	"github.com/confab/confab/internal/store"
)

const tokenColumns = `id, project_id, name, kind, prefix, hash, created_at, last_used_at, expires_at`

func scanToken(row interface{ Scan(...any) error }) (store.Token, error) {
	var t store.Token
	var created, used, expires int64
	if err := row.Scan(&t.ID, &t.ProjectID, &t.Name, &t.Kind, &t.Prefix, &t.Hash, &created, &used, &expires); err != nil {
		return t, err
	}
	t.CreatedAt = fromMS(created)
	if used != 0 {
		t.LastUsedAt = fromMS(used)
	}
	if expires != 0 {
		t.ExpiresAt = fromMS(expires)
	}
	return t, nil
}

// CreateToken stores a token's hash; ErrConflict when the id or the hash
// is taken. It keeps the context's idempotent answer.
func (db *DB) CreateToken(ctx context.Context, t store.Token) error {
	_, err := db.writeKeeping(ctx, db.q(`INSERT INTO tokens (`+tokenColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		t.ID, t.ProjectID, t.Name, t.Kind, t.Prefix, t.Hash, ms(t.CreatedAt), msOrZero(t.LastUsedAt), msOrZero(t.ExpiresAt))
	return db.err(err)
}

// TokenByHash finds a token by its hash.
func (db *DB) TokenByHash(ctx context.Context, hash []byte) (store.Token, error) {
	t, err := scanToken(db.readRow(ctx, db.q(`SELECT `+tokenColumns+` FROM tokens WHERE hash = ?`), hash))
	return t, db.err(err)
}

// ListTokens returns a project's tokens, oldest first.
func (db *DB) ListTokens(ctx context.Context, projectID string) ([]store.Token, error) {
	rows, err := db.read(ctx, db.q(`SELECT `+tokenColumns+` FROM tokens WHERE project_id = ? ORDER BY created_at, id`), projectID)
	if err != nil {
		return nil, db.err(err)
	}
	defer rows.Close()
	var out []store.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, db.err(err)
		}
		out = append(out, t)
	}
	return out, db.err(rows.Err())
}

// RevokeToken deletes a token of a project unless it is the project's
// last one that has not expired. The project's row is locked first (on
// PostgreSQL; SQLite's single writer already serialises), so that two
// tokens revoking each other at once cannot both go.
func (db *DB) RevokeToken(ctx context.Context, projectID, id string, now time.Time) error {
	return db.tx(ctx, func(tx *txn) error {
		var locked string
		if err := tx.QueryRowContext(ctx, db.q(`SELECT id FROM projects WHERE id = ? `+db.d.ForUpdate), projectID).Scan(&locked); err != nil {
			return err // no project: ErrNotFound
		}
		var expires int64
		if err := tx.QueryRowContext(ctx, db.q(`SELECT expires_at FROM tokens WHERE project_id = ? AND id = ?`), projectID, id).Scan(&expires); err != nil {
			return err
		}
		if live := expires == 0 || expires > ms(now); live {
			var others int
			if err := tx.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM tokens WHERE project_id = ? AND id <> ? AND (expires_at = 0 OR expires_at > ?)`),
				projectID, id, ms(now)).Scan(&others); err != nil {
				return err
			}
			if others == 0 {
				return store.ErrConflict
			}
		}
		_, err := tx.ExecContext(ctx, db.q(`DELETE FROM tokens WHERE project_id = ? AND id = ?`), projectID, id)
		return err
	})
}

// TouchToken records a token's use unless one was recorded less than
// every before at.
func (db *DB) TouchToken(ctx context.Context, id string, at time.Time, every time.Duration) error {
	_, err := db.write(ctx, db.q(`UPDATE tokens SET last_used_at = ? WHERE id = ? AND last_used_at <= ?`), ms(at), id, ms(at.Add(-every)))
	return db.err(err)
}
