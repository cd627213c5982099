// Package sqlstore implements store.Store once, on database/sql, for the
// SQL databases Confab runs on. The drivers (store/sqlite, store/postgres)
// open the connections and give a Dialect: how placeholders are written,
// how workers claim rows, and how native errors map to the store's
// sentinels. SQL is written as SQL; there is no ORM.
package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/confab/confab/internal/store"
)

// Dialect is what differs between databases.
type Dialect struct {
	// Name is "sqlite" or "postgres".
	Name string
	// Numbered makes placeholders $1, $2 ... instead of ?.
	Numbered bool
	// SkipLocked is appended to claim queries ("FOR UPDATE SKIP LOCKED" on
	// PostgreSQL; empty on SQLite, whose single writer serialises claims).
	SkipLocked string
	// ForUpdate is appended to reads that lock a row for the rest of the
	// transaction ("FOR UPDATE" on PostgreSQL; empty on SQLite).
	ForUpdate string
	// MapError turns native errors into store.ErrNotFound / ErrConflict
	// (wrapped), leaving others as they are.
	MapError func(error) error
	// GroupCommit runs write transactions through one writer goroutine
	// that commits the transactions waiting at the same moment together
	// (SQLite, whose single writer connection would otherwise run them one
	// commit at a time). Each caller still waits for its own commit.
	GroupCommit bool
	// Checkpoint, when set, is run every CheckpointEvery outside the
	// group-commit writer (SQLite: "PRAGMA wal_checkpoint(PASSIVE)", with
	// the writer's automatic checkpoints off), so that copying the WAL
	// into the database, and its fsync, never holds up a commit.
	Checkpoint      string
	CheckpointEvery time.Duration
	// WritableCTE says the database runs data-modifying statements inside
	// WITH (PostgreSQL): then the common writes are one statement (one
	// round trip) instead of a transaction of several.
	WritableCTE bool
	// Migrations holds NNNN_name.sql files applied in order.
	Migrations fs.FS
	// MigrateLock is run first in each migration transaction so that
	// processes migrating one database at once take turns (an advisory
	// lock on PostgreSQL; empty on SQLite, whose write transactions
	// already exclude each other).
	MigrateLock string
}

// DB is a store on database/sql. Writes go through W; reads through R
// (the same pool on PostgreSQL; a separate read pool on SQLite, whose
// single writer connection must not wait behind reads).
type DB struct {
	W, R *sql.DB
	d    Dialect

	rStmts     stmtCache
	channels   channelCache
	ops        chan op // group commit queue; nil without group commit
	writerDone chan struct{}
	// stopCheckpoints ends the checkpointer (Dialect.Checkpoint); nil
	// without one.
	stopCheckpoints func()

	// Event webhooks: the subscriptions of each project, and what to call
	// after events were written (subscriptions.go, events.go).
	subs      subscriptionCache
	eventHook eventHook
}

var _ store.Store = (*DB)(nil)

// New wraps open connections.
func New(w, r *sql.DB, d Dialect) *DB {
	db := &DB{W: w, R: r, d: d, rStmts: stmtCache{db: r}}
	if d.GroupCommit {
		db.ops = make(chan op, 256)
		db.writerDone = make(chan struct{})
		go db.writer()
	}
	if d.Checkpoint != "" {
		db.stopCheckpoints = db.checkpointer()
	}
	return db
}

// checkpointer runs Dialect.Checkpoint every CheckpointEvery until the
// returned stop is called.
func (db *DB) checkpointer() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(db.d.CheckpointEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				// A failed checkpoint leaves the WAL as it is; the next
				// one copies it.
				_, _ = db.W.ExecContext(ctx, db.d.Checkpoint)
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// Close stops the group-commit writer and the checkpointer and closes
// both pools.
func (db *DB) Close() error {
	if db.stopCheckpoints != nil {
		db.stopCheckpoints()
	}
	if db.ops != nil {
		close(db.ops)
		<-db.writerDone
	}
	db.rStmts.close()
	err := db.W.Close()
	if db.R != db.W {
		err = errors.Join(err, db.R.Close())
	}
	return err
}

// q rewrites ? placeholders for the dialect.
func (db *DB) q(query string) string {
	if !db.d.Numbered {
		return query
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

func (db *DB) err(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	var ne net.Error
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) || errors.As(err, &ne) || errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("%w: %v", store.ErrUnavailable, err)
	}
	return db.d.MapError(err)
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// tx runs f in a transaction, committing when it returns nil. With group
// commit (SQLite) it runs in the writer's next batch.
func (db *DB) tx(ctx context.Context, f func(tx *txn) error) error {
	if db.ops != nil {
		return db.group(ctx, f)
	}
	return db.rawTx(ctx, func(tx *sql.Tx) error { return f(&txn{db: db, tx: tx}) })
}

// rawTx runs f in a transaction of its own on the writer pool.
func (db *DB) rawTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return db.err(err)
	}
	if err := f(tx); err != nil {
		_ = tx.Rollback()
		return db.err(err)
	}
	return db.err(tx.Commit())
}

// Migrate applies the dialect's migrations that are not applied yet, each
// in its own transaction. Processes that migrate one database at once take
// turns; each migration is applied once.
func (db *DB) Migrate(ctx context.Context) error {
	err := db.rawTx(ctx, func(tx *sql.Tx) error {
		if err := db.migrateLock(ctx, tx); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`)
		return err
	})
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	entries, err := fs.ReadDir(db.d.Migrations, ".")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var files []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			files = append(files, e.Name())
		}
	}
	sort.Strings(files)
	for _, name := range files {
		version, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migrate: %s: the name must start with a number", name)
		}
		body, err := fs.ReadFile(db.d.Migrations, name)
		if err != nil {
			return err
		}
		err = db.rawTx(ctx, func(tx *sql.Tx) error {
			if err := db.migrateLock(ctx, tx); err != nil {
				return err
			}
			var applied int
			if err := tx.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), version).Scan(&applied); err != nil {
				return err
			}
			if applied > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, db.q(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`), version, name, ms(time.Now()))
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate %s: %w", name, err)
		}
	}
	return nil
}

// migrateLock takes the dialect's migration lock, if it has one.
func (db *DB) migrateLock(ctx context.Context, tx *sql.Tx) error {
	if db.d.MigrateLock == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, db.d.MigrateLock)
	return err
}
