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
	if w.conn == nil {
		conn, err := db.W.Conn(context.Background())
		if err != nil {
			for _, o := range batch {
				o.done <- db.err(err)
			}
			return
		}
		w.conn, w.stmts = conn, map[string]*sql.Stmt{}
	}
	// All together first, with no savepoints (they cost two statements per
	// transaction); if one fails, the batch rolls back and each runs
	// alone, so that a failing one cannot take the others with it. The
	// functions may run twice: they write only through tx and set their
	// results afresh on each run.
	if len(batch) > 1 && db.runTogether(w, batch) {
		return
	}
	for _, o := range batch {
		db.runTogether(w, []op{o})
	}
}

// runTogether runs ops in one transaction and reports whether it answered
// them: it does not when one of several fails (they are rolled back, for
// the caller to run one by one).
func (db *DB) runTogether(w *writerConn, ops []op) bool {
	ctx := context.Background()
	if _, err := w.conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		// The connection may be broken: drop it, the next batch takes another.
		w.close()
		w.conn = nil
		for _, o := range ops {
			o.done <- db.err(err)
		}
		return true
	}
	t := &txn{db: db, w: w}
	results := make([]error, len(ops))
	for i, o := range ops {
		if err := o.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		if err := o.f(t); err != nil {
			if len(ops) > 1 {
				_, _ = w.conn.ExecContext(ctx, "ROLLBACK")
				return false
			}
			results[i] = err
		}
	}
	if len(ops) == 1 && results[0] != nil {
		_, _ = w.conn.ExecContext(ctx, "ROLLBACK")
		ops[0].done <- db.err(results[0])
		return true
	}
	_, commitErr := w.conn.ExecContext(ctx, "COMMIT")
	if commitErr != nil {
		_, _ = w.conn.ExecContext(ctx, "ROLLBACK")
	}
	for i, o := range ops {
		switch {
		case results[i] != nil:
			o.done <- db.err(results[i])
		case commitErr != nil:
			o.done <- db.err(commitErr)
		default:
			o.done <- nil
		}
	}
	return true
}
