package postgres_test

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/confab/confab/internal/store"
	"github.com/confab/confab/internal/store/postgres"
	"github.com/confab/confab/internal/store/sqlstore"
	"github.com/confab/confab/internal/store/storetest"
)

// databaseURL returns the test server's URL, or skips the test.
func databaseURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("CONFAB_TEST_DATABASE_URL")
	if u == "" {
		t.Skip("CONFAB_TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
	}
	return u
}

func TestConformance(t *testing.T) {
	t.Parallel()
	base := databaseURL(t)
	admin, err := postgres.Open(t.Context(), base)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { admin.Close() })
	storetest.Run(t, func(t *testing.T) store.Store {
		return open(t, admin.W, base)
	})
}

func TestMigrationRunsEveryStatement(t *testing.T) {
	// The migration is one file of many statements, sent without
	// arguments (pgx uses the simple protocol then); every table it makes
	// is there afterwards.
	t.Parallel()
	base := databaseURL(t)
	admin, err := postgres.Open(t.Context(), base)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { admin.Close() })
	s, schema := openSchema(t, admin.W, base)
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	rows, err := admin.W.QueryContext(t.Context(), `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`, schema)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := "channels commands conversations deliveries delivery_attempts idempotency_keys messages projects schema_migrations server_keys subscriptions tokens turn_logs turn_queue users"
	if got := strings.Join(tables, " "); got != want {
		t.Errorf("tables = %s\nwant %s", got, want)
	}
}

// open returns a store on a new, empty schema of the test database, which
// is dropped when the test ends.
func open(t *testing.T, admin *sql.DB, base string) store.Store {
	t.Helper()
	s, _ := openSchema(t, admin, base)
	return s
}

// openSchema creates a schema, dropped when the test ends, and opens a
// store whose connections use it.
func openSchema(t *testing.T, admin *sql.DB, base string) (*sqlstore.DB, string) {
	t.Helper()
	schema := strings.ReplaceAll(store.NewID("test"), "_", "")
	if _, err := admin.ExecContext(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		// t.Context is done by now.
		if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("CONFAB_TEST_DATABASE_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema) // pgx sends unknown parameters as run-time settings
	u.RawQuery = q.Encode()
	db, err := postgres.Open(t.Context(), u.String())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return db, schema
}

// TestShortestPathKeepsTheLogInTheMessage: on PostgreSQL too, a turn whose
// guess holds takes the shortest path, its log in its message's row.
func TestShortestPathKeepsTheLogInTheMessage(t *testing.T) {
	t.Parallel()
	base := databaseURL(t)
	admin, err := postgres.Open(t.Context(), base)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { admin.Close() })
	s, schema := openSchema(t, admin.W, base)
	t.Cleanup(func() { s.Close() })
	conv := storetest.ShortestPath(t, s)
	var inTurnLogs, inMessages int
	if err := admin.W.QueryRowContext(t.Context(), `SELECT (SELECT COUNT(*) FROM `+schema+`.turn_logs WHERE conversation_id = $1 AND trace = '["second"]'::bytea),
		(SELECT COUNT(*) FROM `+schema+`.messages WHERE conversation_id = $1 AND seq = 2 AND trace = '["second"]'::bytea)`, conv).Scan(&inTurnLogs, &inMessages); err != nil {
		t.Fatal(err)
	}
	if inTurnLogs != 0 || inMessages != 1 {
		t.Errorf("the guessed turn's log is in turn_logs %d times and in its message's row %d times, want 0 and 1", inTurnLogs, inMessages)
	}
}
