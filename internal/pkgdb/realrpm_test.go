package pkgdb

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/demarc/demarc/internal/execx"
	"github.com/demarc/demarc/internal/hostfs"
	"github.com/demarc/demarc/internal/testtool"
)

// needTool is testtool.Need with this package's install hint.
func needTool(t testing.TB, name string) string { return testtool.Need(t, name, "rpm") }

func run(t *testing.T, argv ...string) {
	t.Helper()
	if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", argv, err, out)
	}
}

// tree records type, mode, size, content hash and symlink target of every
// path under dir, and the mtime of directories.
func tree(t *testing.T, dir string) string {
	t.Helper()
	var s string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		s += fmt.Sprintf("%s %v %d", p, fi.Mode(), fi.Size())
		switch {
		case fi.IsDir():
			s += " " + fi.ModTime().String()
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			s += fmt.Sprintf(" %x", sha256.Sum256(b))
		case fi.Mode()&fs.ModeSymlink != 0:
			l, _ := os.Readlink(p)
			s += " -> " + l
		}
		s += "\n"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRealRPMWritesNothing builds a real RPM database (Debian's rpm,
// sqlite backend) in a root, reads it (natively; the empty root through
// the real rpm), and checks the
// answer and that not one byte of the root changed: queried in place, rpm
// rewrote rpmdb.sqlite-shm (and creates -wal, or a whole database where
// the directory is empty).
func TestRealRPMWritesNothing(t *testing.T) {
	t.Parallel()
	rpmbuild, rpm := needTool(t, "rpmbuild"), needTool(t, "rpm")
	work := t.TempDir()
	spec := filepath.Join(work, "hello.spec")
	if err := os.WriteFile(spec, []byte("Name: hello\nVersion: 1.0\nRelease: 1\nEpoch: 2\nSummary: t\nLicense: MIT\nBuildArch: noarch\n%description\nt\n%files\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, rpmbuild, "-bb", "--quiet", "--define", "_topdir "+filepath.Join(work, "top"), "--define", "_build_id_links none", spec)
	dir := t.TempDir()
	db := filepath.Join(dir, "var/lib/rpm")
	if err := os.MkdirAll(db, 0o755); err != nil {
		t.Fatal(err)
	}
	run(t, rpm, "--dbpath", db, "--initdb")
	run(t, rpm, "--dbpath", db, "-i", "--justdb", "--nodeps", "--noscripts", "--notriggers", filepath.Join(work, "top/RPMS/noarch/hello-1.0-1.noarch.rpm"))
	empty := t.TempDir()
	if err := os.MkdirAll(filepath.Join(empty, "var/lib/rpm"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{dir, empty} {
		before := tree(t, d)
		root, _ := hostfs.New(d)
		got, err := Read(context.Background(), root, execx.Exec{})
		if after := tree(t, d); after != before {
			t.Errorf("%s changed:\n%s\n=>\n%s", d, before, after)
		}
		if d == empty {
			continue // rpm reports no packages or an error; either way, nothing written
		}
		if err != nil {
			t.Fatal(err)
		}
		if got.Source != "/var/lib/rpm/rpmdb.sqlite" {
			t.Errorf("source %q, want the native read of rpmdb.sqlite", got.Source)
		}
		if h := got.Get("hello"); len(h) != 1 || h[0].Version != "2:1.0-1" || h[0].Arch != "noarch" {
			t.Errorf("got %+v", got.Packages)
		}
	}
}
