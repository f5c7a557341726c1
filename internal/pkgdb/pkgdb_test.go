package pkgdb

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/demarc/demarc/internal/execx"
	"github.com/demarc/demarc/internal/hostfs"
	"github.com/demarc/demarc/internal/pkgver"
)

func TestParseDpkgStatusFixture(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("testdata/dpkg-status-debian12")
	if err != nil {
		t.Fatal(err)
	}
	pkgs, err := ParseDpkgStatus(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) != 6 {
		t.Fatalf("got %d packages: %+v", len(pkgs), pkgs)
	}
	for _, p := range pkgs {
		if p.Name == "linux-image-6.1.0-26-amd64" {
			t.Fatal("rc package reported installed")
		}
		if p.Name == "linux-image-6.1.0-28-amd64" && (p.Version != "6.1.119-1" || p.Source != "linux-signed-amd64" || p.Arch != "amd64") {
			t.Fatalf("kernel: %+v", p)
		}
	}
}

func TestParseDpkgStatusTable(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		in      string
		n       int
		wantErr bool
	}{
		{"empty", "", 0, false},
		{"one", "Package: a\nStatus: install ok installed\nVersion: 1\n", 1, false},
		{"hold", "Package: a\nStatus: hold ok installed\nVersion: 1\n", 1, false},
		{"half", "Package: a\nStatus: install reinstreq half-installed\nVersion: 1\n", 0, false},
		{"no version", "Package: a\nStatus: install ok installed\n", 0, false},
		{"truncated", "Package: a\nStatus: install ok inst", 0, false},
		{"crlf-ish junk", "\r\n\r\n", 0, false},
		{"binary", "\x00\x01\x02\xff\xfe", 0, true},
		{"huge line", "Package: " + string(bytes.Repeat([]byte("a"), 5<<20)), 0, true},
	}
	for _, c := range cases {
		got, err := ParseDpkgStatus([]byte(c.in))
		if (err != nil) != c.wantErr {
			t.Errorf("%s: err %v", c.name, err)
		}
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: error not ErrMalformed: %v", c.name, err)
		}
		if len(got) != c.n {
			t.Errorf("%s: got %d", c.name, len(got))
		}
	}
}

func TestParseAPKInstalled(t *testing.T) {
	t.Parallel()
	in := "C:Q1abc=\nP:musl\nV:1.2.4_git20230717-r4\nA:x86_64\no:musl\n\nP:linux-virt\nV:6.6.58-r0\nA:x86_64\n\n"
	got, err := ParseAPKInstalled([]byte(in))
	if err != nil || len(got) != 2 || got[1].Name != "linux-virt" || got[1].Version != "6.6.58-r0" {
		t.Fatalf("got %+v %v", got, err)
	}
	if _, err := ParseAPKInstalled([]byte("garbage without fields")); !errors.Is(err, ErrMalformed) {
		t.Fatalf("garbage: %v", err)
	}
}

func TestParseRPMQuery(t *testing.T) {
	t.Parallel()
	in := "kernel-core\t(none):5.14.0-427.13.1.el9_4\tx86_64\nopenssh\t0:8.7p1-38.el9\tx86_64\nmariadb\t3:10.5.22-1.el9_2\tx86_64\ngpg-pubkey\t(none):fd431d51-4ae0493b\t(none)\n"
	got, err := ParseRPMQuery([]byte(in))
	if err != nil || len(got) != 3 {
		t.Fatalf("got %+v %v", got, err)
	}
	if got[0].Version != "5.14.0-427.13.1.el9_4" || got[1].Version != "8.7p1-38.el9" || got[2].Version != "3:10.5.22-1.el9_2" {
		t.Fatalf("versions: %+v", got)
	}
	for _, bad := range []string{"onlyname\n", "a\tb\n", "\t\t\n"} {
		if _, err := ParseRPMQuery([]byte(bad)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestReadAndCache(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "var/lib/dpkg"), 0o755); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile("testdata/dpkg-status-debian12")
	if err := os.WriteFile(filepath.Join(dir, "var/lib/dpkg/status"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	root, _ := hostfs.New(dir)
	c := NewCache(root, execx.NewFake())
	db, err := c.Get(context.Background())
	if err != nil || db.Format != pkgver.Deb || len(db.Get("libc6")) != 1 || len(db.WithPrefix("linux-image-")) != 1 {
		t.Fatalf("db %+v %v", db, err)
	}
	if db2, _ := c.Get(context.Background()); db2 != db {
		t.Fatal("cache read twice")
	}

	empty, _ := hostfs.New(t.TempDir())
	if _, err := Read(context.Background(), empty, execx.NewFake()); !errors.Is(err, ErrNoDatabase) {
		t.Fatalf("empty root: %v", err)
	}
}

func TestReadRPM(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "var/lib/rpm"), 0o755); err != nil {
		t.Fatal(err)
	}
	root, _ := hostfs.New(dir)
	f := execx.NewFake(execx.Response{
		Argv:   []string{"rpm", "--dbpath", rpmCopyDir(root), "-qa", "--qf", rpmQueryFmt},
		Stdout: "kernel\t(none):3.10.0-1160.119.1.el7\tx86_64\nkernel\t(none):3.10.0-1160.24.1.el7\tx86_64\n",
	})
	db, err := Read(context.Background(), root, f)
	if err != nil {
		t.Fatal(err)
	}
	k := db.Get("kernel")
	if len(k) != 2 || k[1].Version != "3.10.0-1160.119.1.el7" {
		t.Fatalf("rpm order: %+v", k)
	}
	f2 := execx.NewFake(execx.Response{Argv: []string{"rpm", "--dbpath", rpmCopyDir(root), "-qa", "--qf", rpmQueryFmt}, Exit: 1, Stderr: "error: db5 error"})
	if _, err := Read(context.Background(), root, f2); err == nil {
		t.Fatal("rpm failure not reported")
	}
	if _, err := Read(context.Background(), root, execx.NewFake()); !errors.Is(err, execx.ErrNotFound) {
		t.Fatalf("rpm missing: %v", err)
	}
}

func FuzzParseDpkgStatus(f *testing.F) {
	f.Add([]byte("Package: a\nStatus: install ok installed\nVersion: 1\n\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = ParseDpkgStatus(b)
		_, _ = ParseAPKInstalled(b)
		_, _ = ParseRPMQuery(b)
	})
}

// TestRPMQueryArgvStaysInRoot: the database is found through the root (an
// absolute symlink inside the root resolves inside it) and copied, rpm is
// pointed at the copy, and the report's source names the path as the host
// sees it.
func TestRPMQueryArgvStaysInRoot(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "usr/lib/sysimage/rpm"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "usr/lib/sysimage/rpm/rpmdb.sqlite"), []byte("db"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "var/lib"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/usr/lib/sysimage/rpm", filepath.Join(dir, "var/lib/rpm")); err != nil {
		t.Fatal(err)
	}
	root, _ := hostfs.New(dir)
	argv, err := RPMQueryArgv(root)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"rpm", "--dbpath", rpmCopyDir(root), "-qa", "--qf", rpmQueryFmt}
	if !slices.Equal(argv, want) {
		t.Fatalf("argv %q", argv)
	}
	copied := &copyChecker{Fake: execx.NewFake(execx.Response{Argv: want, Stdout: "bash\t(none):5.2.26-4.fc41\tx86_64\n"}), file: filepath.Join(rpmCopyDir(root), "rpmdb.sqlite")}
	db, err := Read(context.Background(), root, copied)
	if err != nil || !strings.HasPrefix(db.Source, "rpm --dbpath /var/lib/rpm -qa (not read natively: ") {
		t.Fatalf("source %q %v", db.Source, err)
	}
	if string(copied.content) != "db" {
		t.Errorf("rpm ran on a copy holding %q", copied.content)
	}
	if _, err := os.Stat(rpmCopyDir(root)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the copy is left behind: %v", err)
	}
	if live, _ := RPMQueryArgv(hostfs.Live()); live != nil && live[1] != "-qa" {
		t.Fatalf("live root: %q", live)
	}
}

// copyChecker records what the database copy held when rpm ran.
type copyChecker struct {
	*execx.Fake
	file    string
	content []byte
}

func (c *copyChecker) Run(ctx context.Context, cmd execx.Cmd) (execx.Result, error) {
	c.content, _ = os.ReadFile(c.file)
	return c.Fake.Run(ctx, cmd)
}
