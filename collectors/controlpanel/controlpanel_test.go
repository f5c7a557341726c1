package controlpanel

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/internal/collectortest"
	"github.com/demarc/demarc/internal/execx"
	"github.com/demarc/demarc/internal/fixture"
	"github.com/demarc/demarc/internal/golden"
	"github.com/demarc/demarc/internal/hostfs"
	"github.com/demarc/demarc/report"
)

// fixedMtime is given to fixture files whose mtime is reported.
var fixedMtime = time.Date(2026, 11, 2, 3, 4, 5, 0, time.UTC)

// wantFile is what a case's want.json holds. Errors are recorded by class
// (which sentinel they wrap), never by text.
type wantFile struct {
	Components []report.Component `json:"components"`
	Notes      []string           `json:"notes,omitempty"`
	Errors     []string           `json:"errors,omitempty"`
	Calls      []string           `json:"calls,omitempty"`
}

func classify(err error) string {
	for _, s := range []struct {
		err  error
		name string
	}{
		{ErrMalformed, "malformed"}, {hostfs.ErrNotRegular, "not_regular"},
		{hostfs.ErrTooLarge, "too_large"}, {execx.ErrTimeout, "timeout"},
		{fs.ErrPermission, "permission"}, {context.Canceled, "canceled"},
	} {
		if errors.Is(err, s.err) {
			return s.name
		}
	}
	return "other"
}

// denyFS makes chosen host paths unreadable, as a root-only file is to an
// unprivileged scan (the tests may run as root, where chmod denies
// nothing).
type denyFS struct {
	hostfs.Root
	deny map[string]bool
}

func (d denyFS) check(op, p string) error {
	if d.deny[p] {
		return &fs.PathError{Op: op, Path: p, Err: fs.ErrPermission}
	}
	return nil
}

func (d denyFS) Stat(p string) (fs.FileInfo, error) {
	if err := d.check("stat", p); err != nil {
		return nil, err
	}
	return d.Root.Stat(p)
}

func (d denyFS) ReadFileLimit(p string, n int64) ([]byte, error) {
	if err := d.check("open", p); err != nil {
		return nil, err
	}
	return d.Root.ReadFileLimit(p, n)
}

func (d denyFS) ReadHead(p string, n int64) ([]byte, error) {
	if err := d.check("open", p); err != nil {
		return nil, err
	}
	return d.Root.ReadHead(p, n)
}

// newCase builds the collector for testdata/<name>: a case with a
// live.yaml is scanned as a running host, so that its commands run
// (against the fake); a deny file lists host paths to make unreadable.
func newCase(t *testing.T, dir string) (*Collector, *execx.Fake) {
	t.Helper()
	root, err := hostfs.New(filepath.Join(dir, "rootfs"))
	if err != nil {
		t.Fatal(err)
	}
	fake, err := execx.LoadFakeDir(filepath.Join(dir, "cmd"))
	if err != nil {
		t.Fatal(err)
	}
	deps := collectors.Deps{Root: root, Run: fake, Log: zerolog.Nop(), Now: func() time.Time { return fixedMtime }}
	live, err := fixture.LoadLive(dir)
	if err != nil {
		t.Fatal(err)
	}
	if live != nil {
		deps.Live = live.Facts()
	}
	c := New(deps)
	c.cmdTimeout = 200 * time.Millisecond
	if b, err := os.ReadFile(filepath.Join(dir, "deny")); err == nil {
		d := denyFS{Root: root, deny: map[string]bool{}}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			if l := strings.TrimSpace(sc.Text()); l != "" {
				d.deny[l] = true
			}
		}
		c.fsys = d
	}
	return c, fake
}

func TestCases(t *testing.T) {
	dirs, err := filepath.Glob("testdata/*/rootfs")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	// The cached tier data's mtime is reported: give it a fixed one.
	if err := os.Chtimes("testdata/cpanel-current/rootfs/etc/cpanel/TIERS.json", fixedMtime, fixedMtime); err != nil {
		t.Fatal(err)
	}
	for _, rootfs := range dirs {
		dir := filepath.Dir(rootfs)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			c, fake := newCase(t, dir)
			res, err := c.Collect(context.Background())
			if err != nil {
				t.Fatalf("collect: %v", err)
			}
			got := wantFile{Components: res.Components, Notes: res.Notes, Calls: fake.Calls()}
			if got.Components == nil {
				got.Components = []report.Component{}
			}
			for _, e := range res.Errors {
				got.Errors = append(got.Errors, classify(e))
			}
			compareGolden(t, filepath.Join(dir, "want.json"), got)
		})
	}
}

func compareGolden(t *testing.T, path string, got wantFile) {
	t.Helper()
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	golden.Check(t, path, b)
}

// TestSecretsNeverReported runs the cases whose files hold (fake)
// credentials and checks that nothing of them reaches the result.
func TestSecretsNeverReported(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"ispconfig", "interworx", "bad-input"} {
		c, _ := newCase(t, filepath.Join("testdata", name))
		res, err := c.Collect(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var all []string
		all = append(all, res.Notes...)
		for _, e := range res.Errors {
			all = append(all, e.Error())
		}
		b, _ := json.Marshal(res.Components)
		all = append(all, string(b))
		for _, s := range all {
			if strings.Contains(s, "FAKE-") || strings.Contains(s, "password") {
				t.Errorf("%s: secret material in the result: %s", name, s)
			}
		}
	}
}

func TestOversizedAndSpecialFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "usr/local/cpanel"), 0o755))
	must(os.MkdirAll(filepath.Join(dir, "usr/local/psa"), 0o755))
	// > 1 MiB of a valid-looking line: refused, not parsed.
	big := append([]byte("11.118.0.15\n"), bytes.Repeat([]byte("x"), 2<<20)...)
	must(os.WriteFile(filepath.Join(dir, "usr/local/cpanel/version"), big, 0o644))
	// A FIFO would block a reader forever: hostfs refuses it.
	must(syscall.Mkfifo(filepath.Join(dir, "usr/local/psa/version"), 0o644))
	root, err := hostfs.New(dir)
	must(err)
	c := New(collectors.Deps{Root: root, Run: execx.NewFake(), Log: zerolog.Nop()})
	res, err := c.Collect(context.Background())
	must(err)
	var classes []string
	for _, e := range res.Errors {
		classes = append(classes, classify(e))
	}
	if strings.Join(classes, ",") != "too_large,not_regular" {
		t.Fatalf("errors %v: %v", classes, res.Errors)
	}
	if len(res.Components) != 2 || res.Components[0].Version != "" || res.Components[1].Version != "" {
		t.Fatalf("want cpanel and plesk with unknown versions: %+v", res.Components)
	}
}

func TestCanceledContext(t *testing.T) {
	t.Parallel()
	c, _ := newCase(t, "testdata/cpanel-centos7")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Collect(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
}

func TestSources(t *testing.T) {
	t.Parallel()
	c := New(collectors.Deps{})
	s := c.Sources()
	if c.Name() != Name || s.Detects == "" || len(s.Files) == 0 || s.Privileges == "" || s.NotDetected == "" {
		t.Fatalf("incomplete sources: %+v", s)
	}
}

// TestLiveCommands: DirectAdmin's binary is run only on a running host
// (Deps.Live: the root "/", a golden fixture host, the fleet simulation),
// never under a mounted root.
func TestLiveCommands(t *testing.T) {
	t.Parallel()
	dir := "testdata/directadmin-debian12"
	root, err := hostfs.New(filepath.Join(dir, "rootfs"))
	if err != nil {
		t.Fatal(err)
	}
	fake, err := execx.LoadFakeDir(filepath.Join(dir, "cmd"))
	if err != nil {
		t.Fatal(err)
	}
	deps := collectors.Deps{Root: root, Run: fake, Log: zerolog.Nop(), Now: func() time.Time { return fixedMtime }}
	version := func(c *Collector) string {
		res, err := c.Collect(context.Background())
		if err != nil || len(res.Components) != 1 {
			t.Fatalf("collect: %v, %+v", err, res.Components)
		}
		return res.Components[0].Version
	}
	if v := version(New(deps)); v != "" || len(fake.Calls()) != 0 {
		t.Fatalf("mounted root: version %q, calls %v", v, fake.Calls())
	}
	deps.Live = collectortest.Running()
	if v := version(New(deps)); v != "1.703" {
		t.Fatalf("running host: version %q, calls %v", v, fake.Calls())
	}
}
