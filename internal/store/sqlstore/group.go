package sqlstore

import (
	"context"
	"database/sql"
)

// maxBatch caps the transactions one group commit takes.
const maxBatch = 128

// op is a write transaction waiting for the group-commit writer.
type op struct {
	ctx  context.Context
	f    func(tx *txn) error
	done chan error
}

// group hands f to the writer and waits for its commit. It waits even when
// ctx ends meanwhile, so that the answer always tells whether f committed.
func (db *DB) group(ctx context.Context, f func(tx *txn) error) error {
	o := op{ctx: ctx, f: f, done: make(chan error, 1)}
	select {
	case db.ops <- o:
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-o.done
}

// writer runs the queued write transactions: each batch is the
// transactions waiting at that moment, in one database transaction with a
// savepoint each, so that one failing rolls back alone.
func (db *DB) writer() {
	defer close(db.writerDone)
	w := &writerConn{}
	defer w.close()
	batch := make([]op, 0, maxBatch)
	for first := range db.ops {
		batch = append(batch[:0], first)
	fill:
		for len(batch) < maxBatch {
			select {
			case o, ok := <-db.ops:
				if !ok {
					break fill
				}
				batch = append(batch, o)
			default:
				break fill
			}
		}
		db.runBatch(w, batch)
	}
}

// writerConn is the group-commit writer's own connection, kept for the
// life of the store with its prepared statements (SQLite parses a
// statement once, and its page cache stays warm on one connection).
type writerConn struct {
	conn  *sql.Conn
	stmts map[string]*sql.Stmt
}

func (w *writerConn) close() {
	for _, s := range w.stmts {
		s.Close()
	}
	if w.conn != nil {
		w.conn.Close()
	}
}

func (db *DB) runBatch(w *writerConn, batch []op) {
	ctx := context.Background()
	fail := func(err error) {
		for _, o := range batch {
			o.done <- db.err(err)
		}
	}
	if w.conn == nil {
		conn, err := db.W.Conn(ctx)
		if err != nil {
			fail(err)
			return
		}
		w.conn, w.stmts = conn, map[string]*sql.Stmt{}
	}
	if _, err := w.conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		// The connection may be broken: drop it, the next batch takes another.
		w.close()
		w.conn = nil
		fail(err)
		return
	}
	t := &txn{db: db, w: w}
	results := make([]error, len(batch))
	single := len(batch) == 1
	for i, o := range batch {
		if err := o.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		if single {
			results[i] = o.f(t)
			continue
		}
		if _, err := w.conn.ExecContext(ctx, "SAVEPOINT op"); err != nil {
			results[i] = err
			continue
		}
		if err := o.f(t); err != nil {
			results[i] = err
			_, _ = w.conn.ExecContext(ctx, "ROLLBACK TO op")
		}
		_, _ = w.conn.ExecContext(ctx, "RELEASE op")
	}
	if single && results[0] != nil {
		_, _ = w.conn.ExecContext(ctx, "ROLLBACK")
		batch[0].done <- db.err(results[0])
		return
	}
	_, commitErr := w.conn.ExecContext(ctx, "COMMIT")
	if commitErr != nil {
		_, _ = w.conn.ExecContext(ctx, "ROLLBACK")
	}
	for i, o := range batch {
		switch {
		case results[i] != nil:
			o.done <- db.err(results[i])
		case commitErr != nil:
			o.done <- db.err(commitErr)
		default:
			o.done <- nil
		}
	}
}
