package app

import (
	"database/sql"
	"os"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the pgx driver for database/sql

	"github.com/confab/confab/internal/store"
)

// testDatabase returns "" (SQLite) unless CONFAB_TEST_DATABASE_URL names
// a PostgreSQL database; then it returns a URL of a fresh schema that is
// dropped after the test.
func testDatabase(t *testing.T) string {
	t.Helper()
	url := os.Getenv("CONFAB_TEST_DATABASE_URL")
	if url == "" {
		return ""
	}
	return freshSchema(t, url)
}

// freshSchema creates a schema for one test and returns url with its
// search_path set to it.
func freshSchema(t *testing.T, url string) string {
	t.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	schema := "t_" + strings.ToLower(strings.ReplaceAll(store.NewID("s"), "-", "_"))
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		db.Close()
		t.Skipf("PostgreSQL at CONFAB_TEST_DATABASE_URL is not reachable: %v", err)
	}
	t.Cleanup(func() {
		_, _ = db.Exec("DROP SCHEMA " + schema + " CASCADE")
		db.Close()
	})
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	return url + sep + "search_path=" + schema
}
