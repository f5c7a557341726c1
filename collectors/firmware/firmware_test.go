package firmware

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/demarc/demarc/internal/collectortest"
	"github.com/demarc/demarc/internal/fixture"
	"github.com/demarc/demarc/internal/hostfs"
	"github.com/demarc/demarc/internal/hwinfo"
)

var sentinels = []collectortest.Sentinel{{Name: "hwinfo.ErrMalformed", Err: hwinfo.ErrMalformed}}

// TestCases runs the collector on every testdata case; offline-* cases run
// as a mounted root, the others read their /sys and /proc trees.
func TestCases(t *testing.T) {
	for _, dir := range collectortest.Cases(t, "testdata") {
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			deps := collectortest.Deps(t, dir)
			if strings.HasPrefix(name, "offline-") != (deps.Live == nil) {
				t.Fatalf("a case is offline-* exactly when it has no %s", fixture.LiveFile)
			}
			collectortest.Check(t, dir, deps, New(deps), sentinels)
		})
	}
}

// bmcHost is a live-FS root with one CPU's microcode in /proc/cpuinfo and
// a BMC directory, whose firmware_revision create makes.
func bmcHost(t *testing.T, create func(path string) error) (hostfs.Root, string) {
	t.Helper()
	dir := t.TempDir()
	bmc := filepath.Join(dir, bmcDir)
	if err := os.MkdirAll(bmc, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "proc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "proc/cpuinfo"), []byte("processor : 0\nmicrocode : 0x2f\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rev := filepath.Join(bmc, "firmware_revision")
	if err := create(rev); err != nil {
		t.Skipf("make %s: %v", rev, err)
	}
	root, err := hostfs.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	return root, rev
}

// blockingFS is the root with every read under the BMC directory blocked
// until release is closed, as a sysfs read the kernel passes to a BMC that
// does not answer.
type blockingFS struct {
	hostfs.Root
	release chan struct{}
}

func (b blockingFS) ReadFileLimit(p string, limit int64) ([]byte, error) {
	if strings.HasPrefix(p, bmcDir+"/") {
		<-b.release
	}
	return b.Root.ReadFileLimit(p, limit)
}

// TestBMCReadThatBlocks: a BMC read that blocks is abandoned at the BMC
// timeout with a deadline error, and the other components are kept.
func TestBMCReadThatBlocks(t *testing.T) {
	t.Parallel()
	root, _ := bmcHost(t, func(p string) error { return os.WriteFile(p, []byte("1.54\n"), 0o444) })
	deps := collectortest.Deps(t, filepath.Join("testdata", "none"))
	deps.Root, deps.Live = root, collectortest.Running()
	c := New(deps, WithBMCTimeout(50*time.Millisecond))
	fsys := blockingFS{Root: root, release: make(chan struct{})}
	t.Cleanup(func() { close(fsys.release) }) // unblock the abandoned reader
	c.fsys = fsys
	res, err := c.Collect(context.Background())
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	if len(res.Errors) != 1 || !errors.Is(res.Errors[0], context.DeadlineExceeded) {
		t.Fatalf("errors = %v; want one deadline error", res.Errors)
	}
	if len(res.Components) != 1 || res.Components[0].Product != "cpu-microcode" {
		t.Fatalf("components = %+v", res.Components)
	}
}

// TestBMCFIFORefusedAtOnce: a FIFO in place of a BMC attribute (its open
// would block without a writer) is refused by hostfs at once with
// ErrNotRegular, long before the BMC timeout, and the other components are
// kept.
func TestBMCFIFORefusedAtOnce(t *testing.T) {
	t.Parallel()
	root, fifo := bmcHost(t, func(p string) error { return syscall.Mkfifo(p, 0o644) })
	t.Cleanup(func() {
		// Unblock a reader that opened it after all.
		if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})
	deps := collectortest.Deps(t, filepath.Join("testdata", "none"))
	deps.Root, deps.Live = root, collectortest.Running()
	start := time.Now()
	res, err := New(deps, WithBMCTimeout(time.Minute)).Collect(context.Background())
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	if len(res.Errors) != 1 || !errors.Is(res.Errors[0], hostfs.ErrNotRegular) {
		t.Fatalf("errors = %v; want one hostfs.ErrNotRegular", res.Errors)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("refused after %s, not at once", d)
	}
	if len(res.Components) != 1 || res.Components[0].Product != "cpu-microcode" {
		t.Fatalf("components = %+v", res.Components)
	}
}

func TestParseBMCRevision(t *testing.T) {
	for _, in := range []string{"1.54", "2.a", "10.0f\n"} {
		if _, err := ParseBMCRevision(in); err != nil {
			t.Errorf("%q: %v", in, err)
		}
	}
	for _, in := range []string{"", "1", "1.x", "1.540", "9999.1", "\xff", strings.Repeat("1", 100)} {
		if _, err := ParseBMCRevision(in); !errors.Is(err, hwinfo.ErrMalformed) {
			t.Errorf("%q: %v", in, err)
		}
	}
}

func FuzzParseBMCRevision(f *testing.F) {
	for _, s := range []string{"1.54", "", "1.x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if v, err := ParseBMCRevision(s); err == nil && len(v) > 6 {
			t.Fatalf("%q accepted as %q", s, v)
		}
	})
}

// BenchmarkCollect measures one collection of the colo-dell-r6515 case, package
// database read included.
func BenchmarkCollect(b *testing.B) {
	for b.Loop() {
		deps := collectortest.Deps(b, filepath.Join("testdata", "colo-dell-r6515"))
		if _, err := New(deps).Collect(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
