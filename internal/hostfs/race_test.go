//go:build linux

package hostfs

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"
)

// swapRoot builds a root whose /dir is a real directory holding secret
// ("inside"), beside /link, a symlink to a directory outside the root
// holding a secret of the same name ("OUTSIDE") and a file only found
// there (by its absolute path on the test machine, or relative: up out of
// the root). It returns the root and a function that starts swapping /dir and
// /link with RENAME_EXCHANGE until the returned stop is called; stop
// returns how many exchanges succeeded.
func swapRoot(t *testing.T, relative bool) (Root, func() (stop func() int)) {
	t.Helper()
	base := t.TempDir()
	dir := filepath.Join(base, "root")
	outside := filepath.Join(base, "outside")
	for _, d := range []string{filepath.Join(dir, "dir"), outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{
		filepath.Join(dir, "dir/secret"):        "inside",
		filepath.Join(outside, "secret"):        "OUTSIDE",
		filepath.Join(outside, "outside-only"):  "OUTSIDE",
		filepath.Join(dir, "dir/inside-only"):   "inside",
		filepath.Join(outside, "more-outside"):  "OUTSIDE",
		filepath.Join(outside, "outside-only2"): "OUTSIDE",
	}
	for p, s := range files {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	target := outside
	if relative {
		target = "../outside"
	}
	if err := os.Symlink(target, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("in-target", filepath.Join(dir, "dir/lnk")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("OUT-target", filepath.Join(outside, "lnk")); err != nil {
		t.Fatal(err)
	}
	a, b := filepath.Join(dir, "dir"), filepath.Join(dir, "link")
	if err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE); err != nil {
		t.Skipf("RENAME_EXCHANGE unsupported here: %v", err)
	}
	if err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE); err != nil {
		t.Fatal(err)
	}
	r, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	start := func() func() int {
		var quit atomic.Bool
		var n int
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !quit.Load() {
				if unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE) == nil {
					n++
				}
			}
		}()
		return func() int {
			quit.Store(true)
			wg.Wait()
			return n
		}
	}
	return r, start
}

// raceReads is how many times each method reads through the swapped
// directory.
const raceReads = 3000

// TestSymlinkSwapDuringScan: while /dir is swapped for a symlink to a
// directory outside the root, no method of Root ever reads, lists or stats
// what is outside. Outcomes are counted, never timed; the test also
// requires that the swap was seen (some reads found /dir as a symlink or
// missing) and that reads inside still succeeded.
func TestSymlinkSwapDuringScan(t *testing.T) {
	t.Parallel()
	probes := []struct {
		name string
		// read returns whether it saw the outside and whether it read
		// the inside.
		read func(r Root) (outside, inside bool)
	}{
		{"ReadFile", func(r Root) (bool, bool) {
			b, err := r.ReadFile("/dir/secret")
			return bytes.Equal(b, []byte("OUTSIDE")), err == nil && string(b) == "inside"
		}},
		{"ReadHead", func(r Root) (bool, bool) {
			b, err := r.ReadHead("/dir/secret", 16)
			return bytes.Equal(b, []byte("OUTSIDE")), err == nil && string(b) == "inside"
		}},
		{"Open", func(r Root) (bool, bool) {
			f, err := r.Open("/dir/secret")
			if err != nil {
				return false, false
			}
			defer f.Close()
			b := make([]byte, 16)
			n, _ := f.Read(b)
			return string(b[:n]) == "OUTSIDE", string(b[:n]) == "inside"
		}},
		{"Stat", func(r Root) (bool, bool) {
			fi, err := r.Stat("/dir/secret")
			return err == nil && fi.Size() == int64(len("OUTSIDE")), err == nil && fi.Size() == int64(len("inside"))
		}},
		{"Lstat", func(r Root) (bool, bool) {
			fi, err := r.Lstat("/dir/secret")
			return err == nil && fi.Size() == int64(len("OUTSIDE")), err == nil && fi.Size() == int64(len("inside"))
		}},
		{"Readlink", func(r Root) (bool, bool) {
			s, err := r.Readlink("/dir/lnk")
			return s == "OUT-target", err == nil && s == "in-target"
		}},
		{"Exists", func(r Root) (bool, bool) {
			return r.Exists("/dir/outside-only"), r.Exists("/dir/inside-only")
		}},
		{"ReadDir", func(r Root) (bool, bool) {
			es, err := r.ReadDir("/dir")
			out, in := false, false
			for _, e := range es {
				out = out || e.Name() == "outside-only"
				in = in || e.Name() == "inside-only"
			}
			return out, err == nil && in
		}},
		{"Glob", func(r Root) (bool, bool) {
			ms, _ := r.Glob("/dir/*")
			out, in := false, false
			for _, m := range ms {
				out = out || m == "/dir/outside-only"
				in = in || m == "/dir/inside-only"
			}
			return out, in
		}},
	}
	for _, p := range probes {
		for _, b := range backends {
			for _, relative := range []bool{false, true} {
				name := p.name + "/" + b.name + "/absolute"
				if relative {
					name = p.name + "/" + b.name + "/relative"
				}
				t.Run(name, func(t *testing.T) {
					r, start := swapRoot(t, relative)
					r.walk = b.walk
					swapReads(t, r, start, p.read)
				})
			}
		}
	}
}

// swapReads reads with read raceReads times while the swap runs.
func swapReads(t *testing.T, r Root, start func() func() int, read func(Root) (bool, bool)) {
	t.Helper()
	stop := start()
	outside, inside := 0, 0
	for range raceReads {
		o, i := read(r)
		if o {
			outside++
		}
		if i {
			inside++
		}
	}
	swaps := stop()
	if outside != 0 {
		t.Errorf("%d of %d reads saw the directory outside the root (%d swaps)", outside, raceReads, swaps)
	}
	if inside == 0 || swaps == 0 {
		t.Errorf("the race did not happen: %d inside reads, %d swaps", inside, swaps)
	}
}

// TestOpenat2Used: on a kernel with openat2 the "openat2" backend of the
// other tests is openat2 indeed, not a silent fallback to the walk.
func TestOpenat2Used(t *testing.T) {
	t.Parallel()
	r := mkroot(t)
	if _, err := r.ReadFile("/etc/os-release"); err != nil {
		t.Fatal(err)
	}
	var how unix.OpenHow
	how.Flags = unix.O_PATH | unix.O_CLOEXEC
	fd, err := unix.Openat2(unix.AT_FDCWD, r.Dir(), &how)
	if err != nil {
		t.Skipf("openat2 unavailable here (%v): only the walk is tested", err)
	}
	unix.Close(fd)
	if openat2Missing.Load() {
		t.Fatal("openat2 works but hostfs fell back to the walk")
	}
}
