package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/ingest/store/sqlite"
	"github.com/demarc/demarc/ingest/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "demarc.db"), sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		return s
	})
}
