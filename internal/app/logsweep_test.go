package app

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/confab/confab/internal/store"
	"github.com/confab/confab/internal/store/sqlite"
	"github.com/confab/confab/internal/testkit"
)

// TestSweepTurnLogsKeepsWhatRetentionSays writes logs of two ages (more
// than a batch of old ones) and sweeps: the old ones go, in batches, the
// recent ones stay; with Keep, only the newest of each conversation.
func TestSweepTurnLogsKeepsWhatRetentionSays(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "confab.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	p := store.Project{ID: "prj_sweep", Name: "sweep", CreatedAt: now}
	c := store.Channel{ID: "ch_sweep", ProjectID: p.ID, Bot: "echo", TokenHash: []byte("h"), WebhookURL: "https://h.example/", WebhookSecret: "whsec_x", CreatedAt: now, UpdatedAt: now}
	if err := db.CreateProject(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateChannel(ctx, c); err != nil {
		t.Fatal(err)
	}
	turn := func(sender string, at time.Time) string {
		t.Helper()
		in := store.Inbound{ProjectID: p.ID, ChannelID: c.ID, Bot: "echo", SenderID: sender, Text: "hi", Now: at}
		in.Run = func(_ store.Conversation, m store.Message) (store.TurnResult, bool) {
			return store.TurnResult{State: []byte(`{}`), HandledSeq: m.Seq, Now: at, Log: fmt.Appendf(nil, `[{"kind":"enter","block":%q}]`, at.Format(time.RFC3339))}, true
		}
		acc, err := db.Accept(ctx, in)
		if err != nil || !acc.Ran {
			t.Fatalf("Accept: %+v %v", acc, err)
		}
		return acc.ConversationID
	}
	old := now.Add(-DefaultLogMaxAge - time.Hour)
	var alice, bob string
	for i := range logSweepBatch + 5 {
		alice = turn("alice", old.Add(time.Duration(i)*time.Millisecond))
	}
	for i := range 3 {
		alice = turn("alice", now.Add(-time.Duration(3-i)*time.Hour))
		bob = turn("bob", now.Add(-time.Duration(3-i)*time.Hour))
	}
	count := func(conv string) int {
		t.Helper()
		logs, err := db.ListTurnLogs(ctx, p.ID, conv, store.LogPage{Limit: 5000})
		if err != nil {
			t.Fatal(err)
		}
		return len(logs)
	}

	n, err := sweepTurnLogs(ctx, db, LogRetention{}.withDefaults(), now)
	if err != nil || n != logSweepBatch+5 {
		t.Errorf("the sweep deleted %d (%v), want the %d older than 30 days", n, err, logSweepBatch+5)
	}
	if count(alice) != 3 || count(bob) != 3 {
		t.Errorf("after the sweep alice has %d logs and bob %d, want 3 each", count(alice), count(bob))
	}
	n, err = sweepTurnLogs(ctx, db, LogRetention{Keep: 2}.withDefaults(), now)
	if err != nil || n != 2 || count(alice) != 2 || count(bob) != 2 {
		t.Errorf("keeping 2 per conversation deleted %d (%v), left %d and %d", n, err, count(alice), count(bob))
	}

	// The service sweeps at once when it starts (a month later, every log
	// is old), and stops with ctx.
	logs := &testkit.LogBuffer{}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		SweepTurnLogs(sctx, db, LogRetention{}, slog.New(slog.NewTextHandler(logs, nil)), func() time.Time { return now.Add(DefaultLogMaxAge) })
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "deleted old execution logs") {
		if time.Now().After(deadline) {
			t.Fatalf("the sweep did not run at start; its log: %s", logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	if !strings.Contains(logs.String(), "logs=4") || count(alice)+count(bob) != 0 {
		t.Errorf("the sweep's log: %s", logs.String())
	}
}
