package sqlite_test

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/confab/confab/internal/store/sqlite"
	"github.com/confab/confab/internal/store/storetest"
)

// TestShortestPathKeepsTheLogInTheMessage pins what makes the shortest
// path short: a turn whose guess holds keeps its log in its message's
// row, not in turn_logs.
func TestShortestPathKeepsTheLogInTheMessage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "confab.db")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conv := storetest.ShortestPath(t, db)
	raw, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var inTurnLogs, inMessages int
	if err := raw.QueryRow(`SELECT (SELECT COUNT(*) FROM turn_logs WHERE conversation_id = ? AND CAST(trace AS TEXT) = '["second"]'),
		(SELECT COUNT(*) FROM messages WHERE conversation_id = ? AND seq = 2 AND CAST(trace AS TEXT) = '["second"]')`, conv, conv).Scan(&inTurnLogs, &inMessages); err != nil {
		t.Fatal(err)
	}
	if inTurnLogs != 0 || inMessages != 1 {
		t.Errorf("the guessed turn's log is in turn_logs %d times and in its message's row %d times, want 0 and 1", inTurnLogs, inMessages)
	}
}
