package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps one prepared statement per query text on a pool, so that
// the database parses each query once (SQLite spends a large part of a
// write transaction parsing otherwise).
type stmtCache struct {
	db *sql.DB
	m  sync.Map // query → *sql.Stmt
}

func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := c.m.Load(query); ok {
		return s.(*sql.Stmt), nil
	}
	s, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := c.m.LoadOrStore(query, s); loaded {
		s.Close()
		return prev.(*sql.Stmt), nil
	}
	return s, nil
}

func (c *stmtCache) close() {
	c.m.Range(func(k, v any) bool {
		v.(*sql.Stmt).Close()
		c.m.Delete(k)
		return true
	})
}

// txn is a write transaction: on the group-commit writer's own
// connection, with statements prepared once for the life of the store
// (SQLite), or a database/sql transaction whose statements run as they are
// (pgx caches prepared statements itself). Queries are given already
// rewritten for the dialect (db.q).
//
// Under group commit, statements run without their caller's context: a
// transaction the writer has started runs to its end (a caller that gives
// up still learns whether it committed, see group), and a context that
// can end costs the SQLite driver and database/sql a watcher goroutine per
// statement (without them, server CPU per message fell from 0.50-0.52 to
// 0.41-0.43 ms in back-to-back benchmark runs).
type txn struct {
	db *DB
	tx *sql.Tx     // set when not under group commit
	w  *writerConn // set under group commit
}

func (t *txn) stmt(query string) (*sql.Stmt, error) {
	if s, ok := t.w.stmts[query]; ok {
		return s, nil
	}
	s, err := t.w.conn.PrepareContext(context.Background(), query)
	if err != nil {
		return nil, err
	}
	t.w.stmts[query] = s
	return s, nil
}

// ExecContext runs a statement in the transaction.
func (t *txn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if t.w == nil {
		return t.tx.ExecContext(ctx, query, args...)
	}
	s, err := t.stmt(query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(context.Background(), args...)
}

// QueryContext runs a query in the transaction.
func (t *txn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if t.w == nil {
		return t.tx.QueryContext(ctx, query, args...)
	}
	s, err := t.stmt(query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(context.Background(), args...)
}

// QueryRowContext runs a query that returns one row in the transaction.
func (t *txn) QueryRowContext(ctx context.Context, query string, args ...any) *row {
	if t.w == nil {
		return &row{row: t.tx.QueryRowContext(ctx, query, args...)}
	}
	s, err := t.stmt(query)
	if err != nil {
		return &row{err: err}
	}
	return &row{row: s.QueryRowContext(context.Background(), args...)}
}

// row is a *sql.Row or the error that kept it from being made.
type row struct {
	row *sql.Row
	err error
}

// Scan copies the row's columns into dest.
func (r *row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	return r.row.Scan(dest...)
}

// readRow runs a one-row query on the read pool with a prepared statement.
func (db *DB) readRow(ctx context.Context, query string, args ...any) *row {
	s, err := db.rStmts.get(ctx, query)
	if err != nil {
		return &row{err: err}
	}
	return &row{row: s.QueryRowContext(ctx, args...)}
}

// read runs a query on the read pool with a prepared statement.
func (db *DB) read(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := db.rStmts.get(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// write runs one statement outside an explicit transaction (through the
// group-commit writer when there is one).
func (db *DB) write(ctx context.Context, query string, args ...any) (sql.Result, error) {
	var res sql.Result
	err := db.tx(ctx, func(tx *txn) error {
		var err error
		res, err = tx.ExecContext(ctx, query, args...)
		return err
	})
	return res, err
}
