package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/confab/confab/internal/store"
	"github.com/confab/confab/internal/store/sqlite"
	"github.com/confab/confab/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store {
		db, err := sqlite.Open(filepath.Join(t.TempDir(), "confab.db"))
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return db
	})
}
