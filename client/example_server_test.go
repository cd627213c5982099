package client_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/confab/confab/internal/api"
	"github.com/confab/confab/internal/store"
	"github.com/confab/confab/internal/store/sqlite"
	"github.com/confab/confab/internal/token"
)

// exampleAdminToken is the admin token of the example server's project.
const exampleAdminToken = "cfb_admin_example-0123456789abcdef0123456789"

type exampleBots map[string]bool

func (b exampleBots) Has(id string) bool { return b[id] }

// startExampleServer runs Confab's API (without the workers that run bots
// and deliver webhooks) on 127.0.0.1 over a fresh SQLite file, with one
// project whose admin token is exampleAdminToken and one bot, "echo".
// stop closes it and removes the file.
func startExampleServer() (url string, stop func()) {
	dir, err := os.MkdirTemp("", "confab-client-example")
	if err != nil {
		panic(err)
	}
	db, err := sqlite.Open(filepath.Join(dir, "confab.db"))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	now := time.Now()
	if err := db.Migrate(ctx); err != nil {
		panic(err)
	}
	if err := db.CreateProject(ctx, store.Project{ID: "prj_example", Name: "example", CreatedAt: now}); err != nil {
		panic(err)
	}
	if err := db.CreateToken(ctx, store.Token{ID: "tok_example", ProjectID: "prj_example", Name: "example", Kind: token.Admin,
		Prefix: token.Prefix(exampleAdminToken), Hash: token.Hash(exampleAdminToken), CreatedAt: now}); err != nil {
		panic(err)
	}
	srv := httptest.NewServer(api.New(api.Deps{Store: db, Bots: exampleBots{"echo": true}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	return srv.URL, func() {
		srv.Close()
		db.Close()
		os.RemoveAll(dir)
	}
}
