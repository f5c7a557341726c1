package hypervisor

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/internal/collectortest"
	"github.com/demarc/demarc/internal/execx"
	"github.com/demarc/demarc/internal/fixture"
	"github.com/demarc/demarc/internal/hostfs"
	"github.com/demarc/demarc/internal/hwinfo"
	"github.com/demarc/demarc/internal/pkgver"
)

var sentinels = []collectortest.Sentinel{
	{Name: "hypervisor.ErrUnrecognized", Err: ErrUnrecognized},
	{Name: "pkgver.ErrInvalid", Err: pkgver.ErrInvalid},
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
			if strings.HasPrefix(name, "offline-") != (deps.Live == nil) {
				t.Fatalf("a case is offline-* exactly when it has no %s", fixture.LiveFile)
			}
			collectortest.Check(t, dir, deps, New(deps, WithTimeout(200*time.Millisecond)), sentinels)
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
		if _, err := New(deps).Collect(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// TestDMINotesAreFirmwares: an unreadable DMI attribute on a running host
// is the firmware collector's note (it reads the same files); the
// hypervisor collector, which reads them only for the vendor table, does
// not say it again.
func TestDMINotesAreFirmwares(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dmi := filepath.Join(dir, "sys/class/dmi/id")
	if err := os.MkdirAll(dmi, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dmi, "sys_vendor"), bytes.Repeat([]byte("x"), 8192), 0o444); err != nil {
		t.Fatal(err)
	}
	root, err := hostfs.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	deps := collectors.Deps{Root: root, Run: execx.NewFake(), Live: collectortest.Running()}
	res, err := New(deps).Collect(context.Background())
	if err != nil || len(res.Notes) != 0 || len(res.Errors) != 0 {
		t.Fatalf("notes %q, errors %v, err %v", res.Notes, res.Errors, err)
	}
}
