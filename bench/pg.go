package main

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgDatabase is a fresh database (or, when the role may not create
// databases, a fresh schema) for one Confab run on PostgreSQL.
type pgDatabase struct {
	admin  *pgx.Conn // to the database of the URL given
	name   string
	url    string // what Confab gets
	schema bool   // a schema in the given database, not a database
}

// openPG connects to base and makes a fresh database for the run. It fails
// fast when PostgreSQL is unreachable.
func openPG(ctx context.Context, base string) (*pgDatabase, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, fmt.Errorf("-database must be a postgres:// URL")
	}
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, base)
	if err != nil {
		return nil, err
	}
	p := &pgDatabase{admin: conn, name: "confab_bench_" + randomHex(6)}
	if _, err := conn.Exec(cctx, "CREATE DATABASE "+p.name); err == nil {
		v := *u
		v.Path = "/" + p.name
		p.url = v.String()
		return p, nil
	}
	if _, err := conn.Exec(cctx, "CREATE SCHEMA "+p.name); err != nil {
		conn.Close(context.Background())
		return nil, fmt.Errorf("neither a database nor a schema could be created: %w", err)
	}
	p.schema = true
	v := *u
	q := v.Query()
	q.Set("search_path", p.name)
	v.RawQuery = q.Encode()
	p.url = v.String()
	return p, nil
}

// xacts is the number of transactions committed or rolled back in the
// run's database so far. The server's statistics lag up to about a
// second behind; in schema mode they include everyone's transactions in
// the database.
func (p *pgDatabase) xacts(ctx context.Context) (int64, error) {
	var n int64
	q := `SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = `
	arg := p.name
	if p.schema {
		q += `current_database()`
		err := p.admin.QueryRow(ctx, q).Scan(&n)
		return n, err
	}
	err := p.admin.QueryRow(ctx, q+`$1`, arg).Scan(&n)
	return n, err
}

// drop removes the database or schema and closes the connection.
func (p *pgDatabase) drop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	defer p.admin.Close(context.Background())
	if p.schema {
		_, err := p.admin.Exec(ctx, "DROP SCHEMA "+p.name+" CASCADE")
		return err
	}
	_, err := p.admin.Exec(ctx, "DROP DATABASE IF EXISTS "+p.name+" WITH (FORCE)")
	return err
}

// redact hides a password in a database URL.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(a database URL)"
	}
	return u.Redacted()
}
