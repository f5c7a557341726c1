package hypervisor

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/internal/collectortest"
	"github.com/demarc/demarc/internal/execx"
	"github.com/demarc/demarc/internal/hwinfo"
	"github.com/demarc/demarc/internal/upver"
)

var sentinels = []collectortest.Sentinel{
	{Name: "hypervisor.ErrUnrecognized", Err: ErrUnrecognized},
	{Name: "upver.ErrInvalid", Err: upver.ErrInvalid},
	{Name: "hwinfo.ErrMalformed", Err: hwinfo.ErrMalformed},
}

// TestCases runs the collector on every testdata case. Cases named
// offline-* run as a mounted root (no live sources); the others read their
// /proc, /sys, /dev and /run trees and answer commands from cmd/.
func TestCases(t *testing.T) {
	for _, dir := range collectortest.Cases(t, "testdata") {
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			deps := collectortest.Deps(t, dir)
			var opts []Option
			if !strings.HasPrefix(name, "offline-") {
				opts = []Option{WithLiveFS(), WithCommands(), WithTimeout(200 * time.Millisecond)}
			}
			collectortest.Check(t, dir, deps, New(deps, opts...), sentinels)
			if strings.HasPrefix(name, "offline-") {
				if calls := deps.Run.(*execx.Fake).Calls(); len(calls) > 0 {
					t.Errorf("offline root ran commands: %v", calls)
				}
			}
		})
	}
}

// BenchmarkCollect measures one collection of the pve8 case, package
// database read included.
func BenchmarkCollect(b *testing.B) {
	for b.Loop() {
		deps := collectortest.Deps(b, filepath.Join("testdata", "pve8"))
		if _, err := New(deps, WithLiveFS(), WithCommands()).Collect(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
