// Package postgres opens the store on PostgreSQL through pgx's
// database/sql driver. One pool serves both writes and reads; workers of
// several Confab processes claim turns and deliveries with
// FOR UPDATE SKIP LOCKED and leases, so they can share one database.
package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/confab/confab/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// PoolSize is the most connections a store opens to the server.
const PoolSize = 16

// Open connects to the database at url (a postgres:// URL or a key=value
// connection string, as pgx parses it) and checks that it answers. Call
// Migrate before use.
func Open(ctx context.Context, url string) (*sqlstore.DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(PoolSize)
	db.SetMaxIdleConns(PoolSize)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	sub, _ := fs.Sub(migrations, "migrations")
	return sqlstore.New(db, db, sqlstore.Dialect{
		WritableCTE: true,
		Name:        "postgres",
		Numbered:    true,
		SkipLocked:  "FOR UPDATE SKIP LOCKED",
		ForUpdate:   "FOR UPDATE",
		MapError:    mapError,
		Migrations:  sub,
		// Processes starting at once migrate one after another; the key
		// is per schema, so schemas of one database migrate independently.
		MigrateLock: `SELECT pg_advisory_xact_lock(hashtext('confab.migrate.' || current_schema()))`,
	}), nil
}
