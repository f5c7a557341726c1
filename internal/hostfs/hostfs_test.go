package hostfs

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func mkroot(t *testing.T) Root {
	t.Helper()
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "usr/lib"), 0o755))
	must(os.MkdirAll(filepath.Join(dir, "etc"), 0o755))
	must(os.MkdirAll(filepath.Join(dir, "home/a/public_html"), 0o755))
	must(os.MkdirAll(filepath.Join(dir, "home/b/public_html"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "usr/lib/os-release"), []byte("ID=debian\n"), 0o644))
	// Absolute link: must resolve inside the root, not on the test machine.
	must(os.Symlink("/usr/lib/os-release", filepath.Join(dir, "etc/os-release")))
	must(os.Symlink("../usr/lib", filepath.Join(dir, "etc/rel")))
	must(os.Symlink("/etc/loop2", filepath.Join(dir, "etc/loop1")))
	must(os.Symlink("/etc/loop1", filepath.Join(dir, "etc/loop2")))
	must(os.Symlink("/../../../../etc/passwd-escape", filepath.Join(dir, "etc/escape")))
	must(os.WriteFile(filepath.Join(dir, "etc/passwd-escape"), []byte("inside"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "etc/big"), bytes.Repeat([]byte("x"), DefaultLimit+1), 0o644))
	r, err := New(dir)
	must(err)
	return r
}

func TestReadThroughSymlinks(t *testing.T) {
	t.Parallel()
	r := mkroot(t)
	for _, p := range []string{"/etc/os-release", "etc/os-release", "/etc/rel/os-release", "/etc/../usr/lib/os-release"} {
		b, err := r.ReadFile(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if string(b) != "ID=debian\n" {
			t.Fatalf("%s: got %q", p, b)
		}
	}
	b, err := r.ReadFile("/etc/escape")
	if err != nil || string(b) != "inside" {
		t.Fatalf("escape: %q %v", b, err)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	r := mkroot(t)
	if _, err := r.ReadFile("/etc/loop1"); !errors.Is(err, ErrLoop) {
		t.Fatalf("loop: %v", err)
	}
	if _, err := r.ReadFile("/etc/big"); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("big: %v", err)
	}
	if _, err := r.ReadFile("/nope/x"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing: %v", err)
	}
	if r.Exists("/nope") {
		t.Fatal("exists")
	}
	if !r.Exists("/etc/os-release") {
		t.Fatal("not exists")
	}
	if _, err := r.ReadFile("/etc"); err == nil {
		t.Fatal("reading a directory must fail")
	}
	if b, err := r.ReadHead("/etc/big", 4); err != nil || len(b) != 4 {
		t.Fatalf("head: %d %v", len(b), err)
	}
}

func TestLstatReadlink(t *testing.T) {
	t.Parallel()
	r := mkroot(t)
	fi, err := r.Lstat("/etc/os-release")
	if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Fatalf("lstat: %v %v", fi, err)
	}
	tgt, err := r.Readlink("/etc/os-release")
	if err != nil || tgt != "/usr/lib/os-release" {
		t.Fatalf("readlink: %q %v", tgt, err)
	}
}

func TestGlob(t *testing.T) {
	t.Parallel()
	r := mkroot(t)
	got, err := r.Glob("/home/*/public_html")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/home/a/public_html", "/home/b/public_html"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v", got)
	}
	got, _ = r.Glob("/nothing/*/x")
	if len(got) != 0 {
		t.Fatalf("got %v", got)
	}
	if _, err := r.Glob("/[/x"); err == nil {
		t.Fatal("bad pattern accepted")
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	if _, err := New(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Fatal("missing root accepted")
	}
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := New(f); err == nil {
		t.Fatal("file root accepted")
	}
	if !Live().IsLive() {
		t.Fatal("live")
	}
	r, err := New("/")
	if err != nil || !r.IsLive() {
		t.Fatal("/ not live")
	}
}
