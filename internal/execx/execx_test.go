package execx

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestExecRun(t *testing.T) {
	t.Parallel()
	var e Exec
	res, err := e.Run(context.Background(), Cmd{Argv: []string{"sh", "-c", "echo out; echo err >&2; echo $LC_ALL; exit 3"}})
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Stdout) != "out\nC\n" || string(res.Stderr) != "err\n" || res.ExitCode != 3 {
		t.Fatalf("got %+v", res)
	}
}

func TestExecErrors(t *testing.T) {
	t.Parallel()
	var e Exec
	ctx := context.Background()
	if _, err := e.Run(ctx, Cmd{Argv: []string{"demarc-no-such-binary"}}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("not found: %v", err)
	}
	start := time.Now()
	// The child sleeps too: the whole group must die, or Run would wait.
	_, err := e.Run(ctx, Cmd{Argv: []string{"sh", "-c", "sleep 30 & sleep 30"}, Timeout: 200 * time.Millisecond})
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("timeout: %v", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Fatal("timeout did not kill the process group")
	}
	res, err := e.Run(ctx, Cmd{Argv: []string{"sh", "-c", "yes | head -c 100000"}, MaxOutput: 1000})
	if !errors.Is(err, ErrOutputTooLarge) || len(res.Stdout) != 1000 {
		t.Fatalf("cap: %d %v", len(res.Stdout), err)
	}
	if _, err := e.Run(ctx, Cmd{}); err == nil {
		t.Fatal("empty argv accepted")
	}
}

func TestFake(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.yaml", "argv: [apt-get, -s, dist-upgrade]\nexit: 1\nstdout_file: a.out\nstderr: warn\n")
	write("a.out", "Inst x [1] (2 Debian:12/stable [amd64])\n")
	write("b.yaml", "argv: [dnf, -C, check-update]\nhang: true\n")
	f, err := LoadFakeDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	res, err := f.Run(ctx, Cmd{Argv: []string{"apt-get", "-s", "dist-upgrade"}})
	if err != nil || res.ExitCode != 1 || !strings.HasPrefix(string(res.Stdout), "Inst x") || string(res.Stderr) != "warn" {
		t.Fatalf("got %+v %v", res, err)
	}
	if _, err := f.Run(ctx, Cmd{Argv: []string{"apt-get", "other"}}); !errors.Is(err, ErrUnexpected) {
		t.Fatalf("unexpected: %v", err)
	}
	if _, err := f.Run(ctx, Cmd{Argv: []string{"zypper"}}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("not found: %v", err)
	}
	if _, err := f.Run(ctx, Cmd{Argv: []string{"dnf", "-C", "check-update"}, Timeout: 10 * time.Millisecond}); !errors.Is(err, ErrTimeout) {
		t.Fatalf("hang: %v", err)
	}
	if _, err := f.LookPath("dnf"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.LookPath("yum"); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	want := []string{"apt-get -s dist-upgrade", "apt-get other", "zypper", "dnf -C check-update"}
	if got := f.Calls(); !reflect.DeepEqual(got, want) {
		t.Fatalf("calls %v", got)
	}
}

func TestLoadFakeDirBad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x.yaml"), []byte("argv: [a]\nbogus: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadFakeDir(dir); err == nil {
		t.Fatal("unknown key accepted")
	}
	f, err := LoadFakeDir(filepath.Join(dir, "missing"))
	if err != nil || len(f.Known()) != 0 {
		t.Fatalf("missing dir: %v", err)
	}
}

func TestLoadFakeDirVars(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "r.yaml"), []byte("argv: [rpm, --root, \"${ROOT}\", -qa]\nstdout: \"root is ${ROOT}\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := LoadFakeDirVars(dir, map[string]string{"ROOT": "/tmp/x"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.Run(context.Background(), Cmd{Argv: []string{"rpm", "--root", "/tmp/x", "-qa"}})
	if err != nil || string(res.Stdout) != "root is /tmp/x" {
		t.Fatalf("%q %v", res.Stdout, err)
	}
}

func TestCanonicalArgv(t *testing.T) {
	t.Parallel()
	tmp := filepath.Clean(os.TempDir())
	priv := filepath.Join(tmp, "demarc-packages-123456")
	rpmdb := filepath.Join(tmp, "demarc-rpmdb-42-0a1b2c3d4e5f")
	climb := strings.Repeat("/..", 4)
	for _, c := range []struct{ in, want string }{
		{rpmdb, "${PRIVATE}"},
		{priv + "/dnf/cache", "${PRIVATE}/dnf/cache"},
		{"--setopt=cachedir=" + climb + priv + "/dnf/cache", "--setopt=cachedir=${PRIVATE}/dnf/cache"},
		{"--setopt=logdir=" + priv + "/dnf/log", "--setopt=logdir=${PRIVATE}/dnf/log"},
		{"Dir::Log=" + priv + "/apt:" + rpmdb, "Dir::Log=${PRIVATE}/apt:${PRIVATE}"},
		// Not private: another directory, no name after the prefix, the
		// tail of a longer path, a name without the prefix.
		{filepath.Join(tmp, "TestX123/001/var/lib/rpm"), ""},
		{tmp + "/demarc-", ""},
		{tmp + "/demarc-/x", ""},
		{"/srv" + priv, ""},
		{"x" + priv, ""},
		{filepath.Join(tmp, "other-demarc-1"), ""},
		{"--installroot=/srv/host", ""},
	} {
		want := c.want
		if want == "" {
			want = c.in
		}
		if got := CanonicalArgv([]string{c.in})[0]; got != want {
			t.Errorf("%q: got %q, want %q", c.in, got, want)
		}
	}
}

func TestFakeMatchesPrivate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	yaml := "argv: [rpm, --dbpath, \"${PRIVATE}\", -qa]\nstdout: \"bash\\n\"\n"
	if err := os.WriteFile(filepath.Join(dir, "rpm.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := LoadFakeDirVars(dir, map[string]string{"ROOT": "/srv/host"})
	if err != nil {
		t.Fatal(err)
	}
	// The responses given a real private path match too (fixture's
	// rpm-qa.out answer is registered under pkgdb's real argv).
	real := filepath.Join(os.TempDir(), "demarc-rpmdb-7-abc")
	f.Add(Response{Argv: []string{"dnf", "--setopt=cachedir=/../.." + real + "/dnf/cache"}})
	ctx := context.Background()
	for _, argv := range [][]string{
		{"rpm", "--dbpath", filepath.Join(os.TempDir(), "demarc-rpmdb-1-ffff"), "-qa"},
		{"dnf", "--setopt=cachedir=" + filepath.Join(os.TempDir(), "demarc-packages-99") + "/dnf/cache"},
	} {
		if _, err := f.Run(ctx, Cmd{Argv: argv}); err != nil {
			t.Errorf("%q: %v", argv, err)
		}
	}
	want := []string{"rpm --dbpath ${PRIVATE} -qa", "dnf --setopt=cachedir=${PRIVATE}/dnf/cache"}
	if got := f.Calls(); !reflect.DeepEqual(got, want) {
		t.Fatalf("calls %q", got)
	}
	if _, err := f.Run(ctx, Cmd{Argv: []string{"rpm", "--dbpath", "/var/lib/rpm", "-qa"}}); !errors.Is(err, ErrUnexpected) {
		t.Fatalf("a real path matched ${PRIVATE}: %v", err)
	}
	if _, err := LoadFakeDirVars(dir, map[string]string{"PRIVATE": "/x"}); err == nil {
		t.Fatal("PRIVATE accepted as a variable")
	}
}
