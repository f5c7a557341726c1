package applications

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/internal/collectortest"
	"github.com/demarc/demarc/internal/execx"
	"github.com/demarc/demarc/internal/fixture"
	"github.com/demarc/demarc/internal/pkgver"
)

var sentinels = []collectortest.Sentinel{
	{Name: "applications.ErrUnrecognized", Err: ErrUnrecognized},
	{Name: "pkgver.ErrInvalid", Err: pkgver.ErrInvalid},
}

// TestCases runs the collector on every testdata case. Cases named
// offline-* run as a mounted root (no commands); the others answer
// commands from cmd/.
func TestCases(t *testing.T) {
	for _, dir := range collectortest.Cases(t, "testdata") {
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			deps := collectortest.Deps(t, dir)
			if strings.HasPrefix(name, "offline-") != (deps.Live == nil) {
				t.Fatalf("a case is offline-* exactly when it has no %s", fixture.LiveFile)
			}
			collectortest.Check(t, dir, deps, New(deps, WithTimeout(200*time.Millisecond)), sentinels)
			calls := deps.Run.(*execx.Fake).Calls()
			if strings.HasPrefix(name, "offline-") && len(calls) > 0 {
				t.Errorf("offline root ran commands: %v", calls)
			}
			// The package database answers first: no version command runs
			// for a product it lists.
			for _, c := range calls {
				if strings.HasPrefix(name, "lamp-") || strings.HasPrefix(name, "rhel9") {
					if !strings.HasPrefix(c, "rpm ") {
						t.Errorf("ran %q although the package database answered", c)
					}
				}
			}
		})
	}
}

// BenchmarkCollect measures one collection of the plesk-php-ubuntu2204 case, package
// database read included.
func BenchmarkCollect(b *testing.B) {
	for b.Loop() {
		deps := collectortest.Deps(b, filepath.Join("testdata", "plesk-php-ubuntu2204"))
		if _, err := New(deps).Collect(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
