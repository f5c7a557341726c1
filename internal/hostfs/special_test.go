package hostfs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// hangBound is how long a read may take before the test calls it hung: a
// hang detector, far above any honest read, not a timing assertion.
const hangBound = 30 * time.Second

// within runs f in a goroutine and fails the test if it has not returned
// after hangBound.
func within(t *testing.T, what string, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(hangBound):
		t.Fatalf("%s: still blocked after %s", what, hangBound)
		return nil
	}
}

// TestFIFOAndDevice: a FIFO or a device node where a version file belongs
// is refused with ErrNotRegular at once, never opened for a read that
// waits for a writer, through a symlink too.
func TestFIFOAndDevice(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "etc/os-release"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/os-release", filepath.Join(dir, "etc/link")); err != nil {
		t.Fatal(err)
	}
	paths := []string{"/etc/os-release", "/etc/link"}
	// A character device (1, 3 is /dev/null's number) needs CAP_MKNOD
	// and a filesystem mounted without nodev: tried, not required.
	if err := syscall.Mknod(filepath.Join(dir, "etc/null"), syscall.S_IFCHR|0o644, 1<<8|3); err == nil {
		paths = append(paths, "/etc/null")
	} else {
		t.Logf("no device node: %v", err)
	}
	root, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	reads := map[string]func(Root, string) error{
		"ReadFile": func(r Root, p string) error { _, err := r.ReadFile(p); return err },
		"ReadHead": func(r Root, p string) error { _, err := r.ReadHead(p, 4); return err },
		"Open": func(r Root, p string) error {
			f, err := r.Open(p)
			if err == nil {
				f.Close()
			}
			return err
		},
	}
	check := func(t *testing.T, r Root, paths []string) {
		for name, read := range reads {
			for _, p := range paths {
				err := within(t, name+" "+p, func() error { return read(r, p) })
				if !errors.Is(err, ErrNotRegular) {
					t.Errorf("%s %s: got %v, want ErrNotRegular", name, p, err)
				}
			}
		}
	}
	eachBackend(t, root, func(t *testing.T, r Root) { check(t, r, paths) })
	t.Run("live", func(t *testing.T) {
		t.Parallel()
		var abs []string
		for _, p := range paths {
			if p != "/etc/link" { // on "/" it names the test machine's file
				abs = append(abs, filepath.Join(dir, p))
			}
		}
		check(t, Live(), abs)
	})
	if fi, err := root.Lstat("/etc/os-release"); err != nil || fi.Mode()&fs.ModeNamedPipe == 0 {
		t.Errorf("lstat of the FIFO: %v %v", fi, err)
	}
}
