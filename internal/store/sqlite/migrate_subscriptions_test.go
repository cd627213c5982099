package sqlite

import (
	"context"
	"database/sql"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/confab/confab/internal/store"
	"github.com/confab/confab/internal/store/sqlstore"
)

// TestSubscriptionsMigrationKeepsTheOutbox migrates a database with
// deliveries and attempts up to 0006_subscriptions.sql, which copies both
// tables to make deliveries.channel_id nullable: every row is still there,
// and the attempts still belong to their deliveries (deleting a channel
// deletes its deliveries and their attempts).
func TestSubscriptionsMigrationKeepsTheOutbox(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "confab.db")
	all, _ := fs.Sub(migrations, "migrations")
	before := fstest.MapFS{}
	names, err := fs.Glob(all, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		if name < "0006" {
			data, _ := fs.ReadFile(all, name)
			before[name] = &fstest.MapFile{Data: data}
		}
	}
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	old := sqlstore.New(db.W, db.R, sqlstore.Dialect{Name: "sqlite", MapError: mapError, Migrations: before})
	if err := old.Migrate(ctx); err != nil {
		t.Fatalf("Migrate to 0005: %v", err)
	}
	now := time.Now()
	p := store.Project{ID: "prj_1", Name: "p", CreatedAt: now}
	if err := old.CreateProject(ctx, p); err != nil {
		t.Fatal(err)
	}
	for _, ch := range []string{"ch_1", "ch_2"} {
		if err := old.CreateChannel(ctx, store.Channel{ID: ch, ProjectID: p.ID, Bot: "b", TokenHash: []byte(ch), WebhookURL: "https://x.example.com/",
			WebhookSecret: "whsec_x", CreatedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
		exec(t, db.W, `INSERT INTO deliveries (id, project_id, channel_id, conversation_id, seq, url, body, status, attempts, next_at, last_status, last_error, created_at)
			VALUES (?, 'prj_1', ?, 'conv_'||?, 1, 'https://x.example.com/', '{}', 'dead', 2, 5, 500, 'status 500', 7)`, "msg_"+ch, ch, ch)
		for n := 1; n <= 2; n++ {
			exec(t, db.W, `INSERT INTO delivery_attempts (delivery_id, n, owner, at, status, latency_us, error, excerpt) VALUES (?, ?, 'w', 6, 500, 10, 'status 500', 'oops')`, "msg_"+ch, n)
		}
	}
	db.Close()

	db, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	ds, err := db.ListDeliveries(ctx, p.ID, "ch_1", 10)
	if err != nil || len(ds) != 1 {
		t.Fatalf("ListDeliveries after the migration = %+v, %v", ds, err)
	}
	if d := ds[0]; d.ID != "msg_ch_1" || d.ConversationID != "conv_ch_1" || d.Status != store.DeliveryDead || d.Attempts != 2 || d.LastError != "status 500" ||
		d.SubscriptionID != "" || len(d.History) != 2 || d.History[1].Excerpt != "oops" {
		t.Errorf("the delivery after the migration: %+v", d)
	}
	var schema string
	if err := db.R.QueryRow(`SELECT sql FROM sqlite_schema WHERE name = 'delivery_attempts'`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(schema, "deliveries_new") || !strings.Contains(schema, `REFERENCES "deliveries"`) {
		t.Errorf("delivery_attempts does not reference deliveries: %s", schema)
	}
	if err := db.DeleteChannel(ctx, p.ID, "ch_2"); err != nil {
		t.Fatal(err)
	}
	var deliveries, attempts int
	if err := db.R.QueryRow(`SELECT (SELECT COUNT(*) FROM deliveries), (SELECT COUNT(*) FROM delivery_attempts)`).Scan(&deliveries, &attempts); err != nil {
		t.Fatal(err)
	}
	if deliveries != 1 || attempts != 2 {
		t.Errorf("after deleting a channel: %d deliveries and %d attempts, want 1 and 2", deliveries, attempts)
	}
	var problems int
	if err := db.R.QueryRow(`SELECT COUNT(*) FROM pragma_foreign_key_check`).Scan(&problems); err != nil {
		t.Fatal(err)
	}
	if problems != 0 {
		t.Errorf("%d foreign key problems after the migration", problems)
	}
}

func exec(t *testing.T, db *sql.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.Exec(query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}
