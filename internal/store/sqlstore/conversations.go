package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/confab/confab/internal/store"
)

// ListConversations returns a project's conversations that match f, most
// recently updated first. The order (updated_at DESC, id DESC) is the
// index conversations_project's, read backwards; f.After continues after
// a row of the previous page, so that rows with equal updated_at are
// neither skipped nor repeated.
func (db *DB) ListConversations(ctx context.Context, projectID string, f store.ConversationFilter) ([]store.Conversation, error) {
	var where strings.Builder
	args := []any{projectID}
	where.WriteString(` WHERE c.project_id = ?`)
	add := func(cond string, vals ...any) {
		where.WriteString(" AND " + cond)
		args = append(args, vals...)
	}
	if f.ID != "" {
		add(`c.id = ?`, f.ID)
	}
	if f.Bot != "" {
		add(`c.bot = ?`, f.Bot)
	}
	if f.ChannelID != "" {
		add(`c.channel_id = ?`, f.ChannelID)
	}
	if f.Status != nil {
		add(`c.status = ?`, *f.Status)
	}
	switch {
	case f.UserID != nil && f.SenderID != "":
		add(`(c.user_id = ? OR u.sender_id = ?)`, *f.UserID, f.SenderID)
	case f.UserID != nil:
		add(`c.user_id = ?`, *f.UserID)
	case f.SenderID != "":
		add(`u.sender_id = ?`, f.SenderID)
	}
	if !f.UpdatedSince.IsZero() {
		add(`c.updated_at >= ?`, ms(f.UpdatedSince))
	}
	if a := f.After; a != nil {
		at := ms(a.UpdatedAt)
		add(`(c.updated_at < ? OR (c.updated_at = ? AND c.id < ?))`, at, at, a.ID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	args = append(args, limit)
	// The last message is the one numbered last_seq (messages' primary
	// key); a conversation is created with its first message, so it has
	// one.
	rows, err := db.read(ctx, db.q(`SELECT `+conversationColumns+`,
		COALESCE((SELECT m.created_at FROM messages m WHERE m.conversation_id = c.id AND m.seq = c.last_seq), 0)`+
		conversationFrom+where.String()+` ORDER BY c.updated_at DESC, c.id DESC LIMIT ?`), args...)
	if err != nil {
		return nil, db.err(err)
	}
	defer rows.Close()
	var out []store.Conversation
	for rows.Next() {
		var last int64
		c, err := scanConversation(scanExtra{rows, &last})
		if err != nil {
			return nil, db.err(err)
		}
		if last != 0 {
			c.LastMessageAt = fromMS(last)
		}
		out = append(out, c)
	}
	return out, db.err(rows.Err())
}

// scanExtra scans a row into scanConversation's columns and then extra.
type scanExtra struct {
	row   interface{ Scan(...any) error }
	extra any
}

func (s scanExtra) Scan(dest ...any) error { return s.row.Scan(append(dest, s.extra)...) }

// ListMessages returns a conversation's messages within p's bounds.
func (db *DB) ListMessages(ctx context.Context, projectID, conversationID string, p store.MessagePage) ([]store.Message, error) {
	if err := db.ownConversation(ctx, projectID, conversationID); err != nil {
		return nil, err
	}
	query, args := pageQuery(`SELECT conversation_id, seq, direction, text, payload, created_at FROM messages WHERE conversation_id = ?`,
		"seq", conversationID, p.After, p.Before, p.Desc, p.Limit)
	msgs, err := db.messages(ctx, readPool{db}, query, args...)
	return msgs, db.err(err)
}

// readPool runs queries on the read pool with prepared statements.
type readPool struct{ db *DB }

func (p readPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return p.db.read(ctx, query, args...)
}

// ownConversation is nil when the project has the conversation, else
// ErrNotFound.
func (db *DB) ownConversation(ctx context.Context, projectID, conversationID string) error {
	var one int
	err := db.readRow(ctx, db.q(`SELECT 1 FROM conversations WHERE project_id = ? AND id = ?`), projectID, conversationID).Scan(&one)
	return db.err(err)
}

// pageQuery adds a page's bounds on key (after, before: exclusive; 0
// does not bound), its order and its limit (default 50) to query, whose
// one placeholder is the conversation's id.
func pageQuery(query, key, conversationID string, after, before int64, desc bool, limit int) (string, []any) {
	args := []any{conversationID}
	if after > 0 {
		query += ` AND ` + key + ` > ?`
		args = append(args, after)
	}
	if before > 0 {
		query += ` AND ` + key + ` < ?`
		args = append(args, before)
	}
	if desc {
		query += ` ORDER BY ` + key + ` DESC`
	} else {
		query += ` ORDER BY ` + key
	}
	if limit <= 0 {
		limit = 50
	}
	return query + ` LIMIT ?`, append(args, limit)
}
