package hostfs

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"syscall"
	"testing"
)

// backends are the two ways a root other than "/" resolves a path: openat2
// where the kernel has it, the walk otherwise (forced here, so that both
// run on one kernel).
var backends = []struct {
	name string
	walk bool
}{{"openat2", false}, {"walk", true}}

// eachBackend runs f on r once per backend, in parallel subtests.
func eachBackend(t *testing.T, r Root, f func(t *testing.T, r Root)) {
	t.Helper()
	for _, b := range backends {
		r := r
		r.walk = b.walk
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f(t, r)
		})
	}
}

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
	must(os.Symlink("/usr/lib", filepath.Join(dir, "etc/abs")))
	must(os.Symlink("rel/os-release", filepath.Join(dir, "etc/chain")))
	must(os.Symlink("/etc/loop2", filepath.Join(dir, "etc/loop1")))
	must(os.Symlink("/etc/loop1", filepath.Join(dir, "etc/loop2")))
	must(os.Symlink("/nowhere", filepath.Join(dir, "etc/dangling")))
	// The scanning machine's /proc/self/root is "/": inside the root it
	// is only a path, which does not exist there.
	must(os.Symlink("/proc/self/root/etc/passwd-escape", filepath.Join(dir, "etc/magic")))
	must(os.Symlink("/../../../../etc/passwd-escape", filepath.Join(dir, "etc/escape")))
	must(os.WriteFile(filepath.Join(dir, "etc/passwd-escape"), []byte("inside"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "etc/big"), bytes.Repeat([]byte("x"), DefaultLimit+1), 0o644))
	r, err := New(dir)
	must(err)
	return r
}

func TestReadThroughSymlinks(t *testing.T) {
	t.Parallel()
	eachBackend(t, mkroot(t), func(t *testing.T, r Root) {
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
	})
}

// TestResolution is every way a path resolves, through both backends.
func TestResolution(t *testing.T) {
	t.Parallel()
	const debian = "ID=debian\n"
	cases := []struct {
		path string
		want string // content, when err is nil
		err  error
	}{
		{"/etc/os-release", debian, nil},
		{"etc//os-release", debian, nil},
		{"/./etc/./os-release", debian, nil},
		{"/etc/rel/os-release", debian, nil},
		{"/etc/abs/os-release", debian, nil},
		{"/etc/chain", debian, nil},
		// ".." after a link goes to the link target's parent (/usr), as
		// the kernel does, not back to /etc.
		{"/etc/rel/../lib/os-release", debian, nil},
		{"/../../etc/passwd-escape", "inside", nil},
		{"/etc/escape", "inside", nil},
		{"/etc/magic", "", fs.ErrNotExist},
		{"/etc/dangling", "", fs.ErrNotExist},
		{"/nope/x", "", fs.ErrNotExist},
		{"/etc/os-release/x", "", syscall.ENOTDIR},
		{"/etc/loop1", "", ErrLoop},
		{"/etc/loop1/x", "", syscall.ELOOP},
		{"/etc/big", "", ErrTooLarge},
		{"/etc", "", ErrNotRegular},
		{"/etc/rel/..", "", syscall.EISDIR},
		{"/", "", ErrNotRegular},
	}
	eachBackend(t, mkroot(t), func(t *testing.T, r Root) {
		for _, c := range cases {
			b, err := r.ReadFile(c.path)
			switch {
			case c.err != nil && !errors.Is(err, c.err):
				t.Errorf("%s: got %v, want %v", c.path, err, c.err)
			case c.err == nil && (err != nil || string(b) != c.want):
				t.Errorf("%s: got %q, %v", c.path, b, err)
			}
		}
	})
}

func TestResolve(t *testing.T) {
	t.Parallel()
	r := mkroot(t)
	for p, want := range map[string]string{
		"/etc/os-release":            "/usr/lib/os-release",
		"/etc/rel/../lib/os-release": "/usr/lib/os-release",
		"/etc/escape":                "/etc/passwd-escape",
		"/nope/x":                    "/nope/x",
		"/etc/os-release/x":          "/usr/lib/os-release/x",
		"/":                          "/",
	} {
		got, err := r.Resolve(p)
		if err != nil || got != filepath.Join(r.Dir(), want) {
			t.Errorf("%s: got %q, %v", p, got, err)
		}
	}
	if _, err := r.Resolve("/etc/loop1"); !errors.Is(err, ErrLoop) {
		t.Errorf("loop: %v", err)
	}
	if got, _ := Live().Resolve("etc/../etc/os-release"); got != "/etc/os-release" {
		t.Errorf("live: %q", got)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	eachBackend(t, mkroot(t), func(t *testing.T, r Root) {
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
	})
}

func TestLstatReadlink(t *testing.T) {
	t.Parallel()
	eachBackend(t, mkroot(t), func(t *testing.T, r Root) {
		fi, err := r.Lstat("/etc/os-release")
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 || fi.Name() != "os-release" {
			t.Fatalf("lstat: %v %v", fi, err)
		}
		fi, err = r.Stat("/etc/os-release")
		if err != nil || !fi.Mode().IsRegular() || fi.Size() != int64(len("ID=debian\n")) {
			t.Fatalf("stat: %v %v", fi, err)
		}
		if fi, err := r.Stat("/etc/rel"); err != nil || !fi.IsDir() {
			t.Fatalf("stat dir: %v %v", fi, err)
		}
		tgt, err := r.Readlink("/etc/os-release")
		if err != nil || tgt != "/usr/lib/os-release" {
			t.Fatalf("readlink: %q %v", tgt, err)
		}
		// A link reached through a linked directory: /etc/rel is
		// followed, the final component is not.
		if tgt, err := r.Readlink("/etc/rel/../../etc/chain"); err != nil || tgt != "rel/os-release" {
			t.Fatalf("readlink through a link: %q %v", tgt, err)
		}
		if _, err := r.Readlink("/usr/lib/os-release"); !errors.Is(err, syscall.EINVAL) {
			t.Fatalf("readlink of a file: %v", err)
		}
	})
}

func TestGlob(t *testing.T) {
	t.Parallel()
	eachBackend(t, mkroot(t), func(t *testing.T, r Root) {
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
	})
}

func TestListDir(t *testing.T) {
	t.Parallel()
	eachBackend(t, mkroot(t), func(t *testing.T, r Root) {
		l, err := r.ListDir("/etc", 3, true)
		if err != nil || !l.Capped || len(l.Entries) != 3 || !l.Dir.IsDir() {
			t.Fatalf("capped: %+v %v", l, err)
		}
		es, err := r.ReadDir("/etc/abs")
		if err != nil || len(es) != 1 || es[0].Name() != "os-release" || !es[0].Type().IsRegular() {
			t.Fatalf("through a link: %v %v", es, err)
		}
		if fi, err := es[0].Info(); err != nil || fi.Size() != int64(len("ID=debian\n")) {
			t.Fatalf("info: %v %v", fi, err)
		}
		if _, err := r.ListDir("/etc/abs", -1, false); err == nil {
			t.Fatal("a final symlink followed with followLast false")
		}
		st, _ := r.Stat("/usr/lib")
		l, err = r.ListDir("/etc/rel", -1, true)
		d1, i1, ok1 := FileID(st)
		d2, i2, ok2 := FileID(l.Dir)
		if err != nil || !ok1 || !ok2 || d1 != d2 || i1 != i2 {
			t.Fatalf("file IDs differ: %v %v", st, err)
		}
	})
}

// TestProcfs: procfs files report size 0 and must still be read whole.
func TestProcfs(t *testing.T) {
	t.Parallel()
	b, err := Live().ReadFile("/proc/self/status")
	if err != nil || !bytes.Contains(b, []byte("Name:")) {
		t.Fatalf("live: %q %v", b, err)
	}
	r, err := New("/proc/self")
	if err != nil {
		t.Skipf("no procfs: %v", err)
	}
	eachBackend(t, r, func(t *testing.T, r Root) {
		b, err := r.ReadFile("/status")
		if err != nil || !bytes.Contains(b, []byte("Name:")) {
			t.Fatalf("rooted: %q %v", b, err)
		}
	})
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
	if !Live().IsSlash() {
		t.Fatal("live")
	}
	r, err := New("/")
	if err != nil || !r.IsSlash() {
		t.Fatal("/ not live")
	}
}

// TestDeny: a denied path, and everything below a denied directory, is a
// permission error for every method that opens it; other paths, and the
// root it was derived from, are untouched.
func TestDeny(t *testing.T) {
	t.Parallel()
	base := mkroot(t)
	r := base.Deny("/usr/lib/os-release", "/home/a/")
	for _, p := range []string{"/usr/lib/os-release", "/home/a", "/home/a/public_html", "//home/a/../a/public_html"} {
		if _, err := r.Stat(p); !errors.Is(err, fs.ErrPermission) {
			t.Errorf("Stat %s: %v", p, err)
		}
	}
	if _, err := r.ReadFile("/usr/lib/os-release"); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("ReadFile: %v", err)
	}
	if _, err := r.ReadDir("/home/a"); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("ReadDir: %v", err)
	}
	if !r.Exists("/usr/lib/os-release") {
		t.Error("a denied path still exists")
	}
	if _, err := r.Stat("/home/b/public_html"); err != nil {
		t.Errorf("undenied path: %v", err)
	}
	if _, err := base.ReadFile("/usr/lib/os-release"); err != nil {
		t.Errorf("the original root is denied too: %v", err)
	}
	if _, err := r.Deny("/etc").ReadFile("/usr/lib/os-release"); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("Deny on a denied root lost the first paths: %v", err)
	}
}
