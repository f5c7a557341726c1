package repomd

import (
	"context"
	"os"
	"testing"

	"github.com/demarc/demarc/internal/execx"
	"github.com/demarc/demarc/internal/hostfs"
	"github.com/demarc/demarc/internal/pkgdb"
)

// BenchmarkEvaluateRoot reads the RPM database and evaluates the root
// named by DEMARC_BENCH_RPM_ROOT (a root built as docs/PERFORMANCE.md's
// RPM section says); skipped without it.
func BenchmarkEvaluateRoot(b *testing.B) {
	dir := os.Getenv("DEMARC_BENCH_RPM_ROOT")
	if dir == "" {
		b.Skip("DEMARC_BENCH_RPM_ROOT names no root")
	}
	root, err := hostfs.New(dir)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		db, err := pkgdb.Read(context.Background(), root, execx.Exec{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Evaluate(root, db); err != nil {
			b.Fatal(err)
		}
	}
}
