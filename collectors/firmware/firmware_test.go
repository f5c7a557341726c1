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
			var opts []Option
			if !strings.HasPrefix(name, "offline-") {
				opts = []Option{WithLiveFS()}
			}
			collectortest.Check(t, dir, deps, New(deps, opts...), sentinels)
		})
	}
}

// TestBMCReadThatBlocks gives the BMC attribute as a FIFO without a
// writer, whose open blocks like a BMC that does not answer: the collector
// must return with a deadline error and keep the other components.
func TestBMCReadThatBlocks(t *testing.T) {
	dir := t.TempDir()
	bmc := filepath.Join(dir, "sys/bus/platform/devices/ipmi_bmc.0")
	if err := os.MkdirAll(bmc, 0o755); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(bmc, "firmware_revision")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "proc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "proc/cpuinfo"), []byte("processor : 0\nmicrocode : 0x2f\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Unblock the abandoned reader.
		if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})
	root, err := hostfs.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	deps := collectortest.Deps(t, filepath.Join("testdata", "none"))
	deps.Root = root
	res, err := New(deps, WithLiveFS(), WithBMCTimeout(50*time.Millisecond)).Collect(context.Background())
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
		if _, err := New(deps, WithLiveFS()).Collect(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
