package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/confab/confab/internal/store"
	"github.com/confab/confab/internal/store/sqlite"
)

// TestTheStoreCheckpoints: the writer does not checkpoint (so that a
// checkpoint never holds up a commit); the store's checkpointer does, so
// the WAL is reused instead of growing with every write.
func TestTheStoreCheckpoints(t *testing.T) {
	path := filepath.Join(t.TempDir(), "confab.db")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	round := func() {
		for range 100 {
			if err := db.CreateProject(ctx, store.Project{ID: store.NewID("prj"), Name: "p", CreatedAt: time.Now()}); err != nil {
				t.Fatal(err)
			}
		}
	}
	walSize := func() int64 {
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	round()
	first := walSize()
	for range 5 {
		time.Sleep(3 * sqlite.CheckpointEvery) // the checkpointer runs meanwhile
		round()
	}
	if got := walSize(); got > 3*first {
		t.Errorf("the WAL grew from %d bytes after one round of writes to %d after six: nothing checkpoints it", first, got)
	}
}
