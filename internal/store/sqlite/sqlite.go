// Package sqlite opens the default store: one SQLite file in the data
// directory (pure Go, no cgo), in WAL mode, with one writer connection and
// a pool of readers.
package sqlite

import (
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	sqlite3 "modernc.org/sqlite"
	sqlite3lib "modernc.org/sqlite/lib"

	"github.com/confab/confab/internal/store"
	"github.com/confab/confab/internal/store/sqlstore"
)

// CheckpointEvery is how often the store copies the WAL into the
// database. Under load the WAL holds about this much time's writes
// before a checkpoint lets the writer reuse it from its start.
const CheckpointEvery = 200 * time.Millisecond

//go:embed migrations/*.sql
var migrations embed.FS

// Open opens (creating it if needed) the database file at path. Call
// Migrate before use.
func Open(path string) (*sqlstore.DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	pragmas := url.Values{}
	// The writer's connection does not checkpoint: a checkpoint copies the
	// WAL into the database and fsyncs it, which held up every commit
	// behind it (p99 spikes of 150-200 ms in the benchmark); a goroutine
	// of the store checkpoints instead, without blocking the writer.
	for _, p := range []string{"journal_mode(WAL)", "synchronous(NORMAL)", "busy_timeout(10000)", "foreign_keys(1)", "wal_autocheckpoint(0)"} {
		pragmas.Add("_pragma", p)
	}
	w, err := sql.Open("sqlite", "file:"+abs+"?"+pragmas.Encode()+"&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	// The group-commit writer keeps one connection for itself; the other
	// serves migrations, which run before it writes.
	w.SetMaxOpenConns(2)
	pragmas.Add("_pragma", "query_only(1)")
	r, err := sql.Open("sqlite", "file:"+abs+"?"+pragmas.Encode())
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(max(2, runtime.NumCPU()))
	if err := w.Ping(); err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	sub, _ := fs.Sub(migrations, "migrations")
	return sqlstore.New(w, r, sqlstore.Dialect{Name: "sqlite", GroupCommit: true, MapError: mapError, Migrations: sub,
		Checkpoint: "PRAGMA wal_checkpoint(PASSIVE)", CheckpointEvery: CheckpointEvery}), nil
}

// mapError maps SQLite's constraint and busy errors to the store's
// sentinels.
func mapError(err error) error {
	var se *sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3lib.SQLITE_CONSTRAINT_UNIQUE, sqlite3lib.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %v", store.ErrConflict, err)
		}
	}
	if strings.Contains(err.Error(), "UNIQUE constraint failed") {
		return fmt.Errorf("%w: %v", store.ErrConflict, err)
	}
	return err
}
