package ingest_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestHostBinaryLinksNoDatabaseDriver keeps the database drivers out of
// the host binary: only demarc-server may link them.
func TestHostBinaryLinksNoDatabaseDriver(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list; skipped with -short")
	}
	out, err := exec.Command("go", "list", "-e", "-deps", "github.com/demarc/demarc/cmd/demarc").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list returned %d packages: %q", len(deps), out)
	}
	for _, d := range deps {
		for _, banned := range []string{"modernc.org/sqlite", "modernc.org/libc", "github.com/jackc/pgx", "github.com/lib/pq",
			"github.com/mattn/go-sqlite3", "github.com/demarc/demarc/ingest"} {
			if strings.HasPrefix(d, banned) || d == "database/sql" {
				t.Errorf("cmd/demarc depends on %s", d)
			}
		}
	}
}
