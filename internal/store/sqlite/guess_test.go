package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/confab/confab/internal/store"
	"github.com/confab/confab/internal/store/sqlite"
)

// TestGuessedTurnIsOneRowEach pins what makes SQLite's shortest path
// short: a turn whose guess holds updates the conversation once and keeps
// its log in its message's row, not in turn_logs.
func TestGuessedTurnIsOneRowEach(t *testing.T) {
	path := filepath.Join(t.TempDir(), "confab.db")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.UnixMilli(time.Now().UnixMilli()).UTC()
	p := store.Project{ID: store.NewID("prj"), Name: "p", CreatedAt: now}
	if err := db.CreateProject(ctx, p); err != nil {
		t.Fatal(err)
	}
	c := store.Channel{ID: store.NewID("chn"), ProjectID: p.ID, Bot: "b", TokenHash: []byte("h"), WebhookURL: "https://example.com", WebhookSecret: "whsec_x", CreatedAt: now, UpdatedAt: now}
	if err := db.CreateChannel(ctx, c); err != nil {
		t.Fatal(err)
	}
	seven := int64(7)
	turn := func(log string) func(store.Conversation, store.Message) (store.TurnResult, bool) {
		return func(_ store.Conversation, m store.Message) (store.TurnResult, bool) {
			return store.TurnResult{State: []byte(log), Status: "input", HandledSeq: m.Seq, Now: now, Log: []byte(`["` + log + `"]`)}, true
		}
	}
	first, err := db.Accept(ctx, store.Inbound{ProjectID: p.ID, ChannelID: c.ID, Bot: "b", UserID: &seven, Text: "one", Now: now, Run: turn("first")})
	if err != nil || !first.Ran {
		t.Fatalf("Accept = %+v, %v", first, err)
	}
	prior, err := db.GetConversation(ctx, p.ID, first.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := turn("second")(prior, store.Message{})
	in := store.Inbound{ProjectID: p.ID, ChannelID: c.ID, Bot: "b", UserID: &seven, Text: "two", Now: now, Run: turn("second"),
		Guess: &store.Guess{Prior: prior, Result: r}}
	if acc, err := db.Accept(ctx, in); err != nil || !acc.Ran || acc.Seq != 2 {
		t.Fatalf("Accept with a guess = %+v, %v", acc, err)
	}

	raw, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var inTurnLogs, inMessages int
	if err := raw.QueryRow(`SELECT (SELECT COUNT(*) FROM turn_logs WHERE CAST(trace AS TEXT) = '["second"]'), (SELECT COUNT(*) FROM messages WHERE seq = 2 AND CAST(trace AS TEXT) = '["second"]')`).Scan(&inTurnLogs, &inMessages); err != nil {
		t.Fatal(err)
	}
	if inTurnLogs != 0 || inMessages != 1 {
		t.Errorf("the guessed turn's log is in turn_logs %d times and in its message's row %d times, want 0 and 1", inTurnLogs, inMessages)
	}
}
