package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/confab/confab/internal/store"
)

// CreateProject stores a new project.
func (db *DB) CreateProject(ctx context.Context, p store.Project) error {
	_, err := db.write(ctx, db.q(`INSERT INTO projects (id, name, created_at) VALUES (?, ?, ?)`), p.ID, p.Name, ms(p.CreatedAt))
	return db.err(err)
}

// FirstProject returns the oldest project.
func (db *DB) FirstProject(ctx context.Context) (store.Project, error) {
	var p store.Project
	var created int64
	err := db.readRow(ctx, `SELECT id, name, created_at FROM projects ORDER BY created_at, id LIMIT 1`).Scan(&p.ID, &p.Name, &created)
	p.CreatedAt = fromMS(created)
	return p, db.err(err)
}

const channelColumns = `id, project_id, bot, token_hash, webhook_url, webhook_secret, keywords, created_at, updated_at, previous_secret, previous_until, webhook_disabled, failing_since`

func scanChannel(row interface{ Scan(...any) error }) (store.Channel, error) {
	var c store.Channel
	var keywords string
	var created, updated, prevUntil, failing int64
	if err := row.Scan(&c.ID, &c.ProjectID, &c.Bot, &c.TokenHash, &c.WebhookURL, &c.WebhookSecret, &keywords, &created, &updated,
		&c.PreviousSecret, &prevUntil, &c.WebhookDisabled, &failing); err != nil {
		return c, err
	}
	c.CreatedAt, c.UpdatedAt = fromMS(created), fromMS(updated)
	if prevUntil != 0 {
		c.PreviousUntil = fromMS(prevUntil)
	}
	if failing != 0 {
		c.FailingSince = fromMS(failing)
	}
	if err := json.Unmarshal([]byte(keywords), &c.Keywords); err != nil {
		return c, err
	}
	return c, nil
}

func keywordsJSON(k []string) string {
	if k == nil {
		k = []string{}
	}
	data, _ := json.Marshal(k)
	return string(data)
}

// CreateChannel stores a new channel; ErrConflict when the id is taken.
// It keeps the context's idempotent answer.
func (db *DB) CreateChannel(ctx context.Context, c store.Channel) error {
	_, err := db.writeKeeping(ctx, db.q(`INSERT INTO channels (`+channelColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		c.ID, c.ProjectID, c.Bot, c.TokenHash, c.WebhookURL, c.WebhookSecret, keywordsJSON(c.Keywords), ms(c.CreatedAt), ms(c.UpdatedAt),
		c.PreviousSecret, msOrZero(c.PreviousUntil), c.WebhookDisabled, msOrZero(c.FailingSince))
	return db.err(err)
}

// GetChannel returns a channel of a project.
func (db *DB) GetChannel(ctx context.Context, projectID, id string) (store.Channel, error) {
	c, err := db.ChannelByID(ctx, id)
	if err == nil && c.ProjectID != projectID {
		return store.Channel{}, store.ErrNotFound
	}
	return c, err
}

// ChannelByID returns a channel by id alone.
func (db *DB) ChannelByID(ctx context.Context, id string) (store.Channel, error) {
	if c, ok := db.channels.get(id); ok {
		return c, nil
	}
	c, err := scanChannel(db.readRow(ctx, db.q(`SELECT `+channelColumns+` FROM channels WHERE id = ?`), id))
	if err != nil {
		return c, db.err(err)
	}
	db.channels.put(c)
	return c, nil
}

// ListChannels returns a project's channels, oldest first.
func (db *DB) ListChannels(ctx context.Context, projectID string) ([]store.Channel, error) {
	rows, err := db.read(ctx, db.q(`SELECT `+channelColumns+` FROM channels WHERE project_id = ? ORDER BY created_at, id`), projectID)
	if err != nil {
		return nil, db.err(err)
	}
	defer rows.Close()
	var out []store.Channel
	for rows.Next() {
		c, err := scanChannel(rows)
		if err != nil {
			return nil, db.err(err)
		}
		out = append(out, c)
	}
	return out, db.err(rows.Err())
}

// UpdateChannel replaces a channel's settings.
func (db *DB) UpdateChannel(ctx context.Context, c store.Channel) error {
	defer db.channels.drop(c.ID)
	res, err := db.write(ctx, db.q(`UPDATE channels SET bot = ?, token_hash = ?, webhook_url = ?, webhook_secret = ?, keywords = ?, updated_at = ?,
		previous_secret = ?, previous_until = ?, webhook_disabled = ?, failing_since = ? WHERE project_id = ? AND id = ?`),
		c.Bot, c.TokenHash, c.WebhookURL, c.WebhookSecret, keywordsJSON(c.Keywords), ms(c.UpdatedAt),
		c.PreviousSecret, msOrZero(c.PreviousUntil), c.WebhookDisabled, msOrZero(c.FailingSince), c.ProjectID, c.ID)
	return db.affected(res, err)
}

// DeleteChannel deletes a channel.
func (db *DB) DeleteChannel(ctx context.Context, projectID, id string) error {
	defer db.channels.drop(id)
	res, err := db.write(ctx, db.q(`DELETE FROM channels WHERE project_id = ? AND id = ?`), projectID, id)
	return db.affected(res, err)
}

// affected maps "no row changed" to ErrNotFound.
func (db *DB) affected(res sql.Result, err error) error {
	if err != nil {
		return db.err(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return db.err(err)
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// msOrZero is ms(t), or 0 for the zero time.
func msOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return ms(t)
}

// SetEndpointHealth records a channel webhook's failing time and disabled
// reason.
func (db *DB) SetEndpointHealth(ctx context.Context, channelID string, failingSince time.Time, disabled string) error {
	if disabled != "" {
		return db.disableEndpoint(ctx, channelID, failingSince, disabled, time.Now()) // raises an event (events.go)
	}
	defer db.channels.drop(channelID)
	res, err := db.write(ctx, db.q(`UPDATE channels SET failing_since = ?, webhook_disabled = ? WHERE id = ?`), msOrZero(failingSince), disabled, channelID)
	return db.affected(res, err)
}
