package aptpolicy

import (
	"os"
	"testing"

	"github.com/demarc/demarc/internal/hostfs"
)

// BenchmarkEvaluateLive evaluates the machine the benchmark runs on (skips
// without a dpkg status); the figures in docs/PERFORMANCE.md.
func BenchmarkEvaluateLive(b *testing.B) {
	if _, err := os.Stat("/var/lib/dpkg/status"); err != nil {
		b.Skip("no dpkg status here")
	}
	for b.Loop() {
		if _, err := Evaluate(hostfs.Live()); err != nil {
			b.Fatal(err)
		}
	}
}
