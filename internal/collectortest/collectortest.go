// Package collectortest runs a collector against fixture roots and
// compares the result with golden files. It is the one harness of the
// collector tests: a case is a directory testdata/<case>/ holding
//
//	rootfs/      the host root (an empty directory when absent); every
//	             file and directory in it gets the mtime FileTime
//	cmd/*.yaml   the Fake runner's answers (${ROOT} is the root's directory)
//	rpm-qa.out   the answer to internal/pkgdb's RPM database query
//	live.yaml    present: the root is a running host (fixture.Live)
//	deny         host paths, one a line, refused with fs.ErrPermission
//	             (hostfs.Root.Deny), as root-only files to an unprivileged scan
//	want.json    the golden Result (go test -update rewrites it)
//
// The golden holds the host facts, components, updates and notes, each
// error by every sentinel it wraps (errors.Is, never its text: "pkg.ErrX",
// several joined by "+", "other" for none), and the commands run, in
// order.
package collectortest

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
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/internal/execx"
	"github.com/demarc/demarc/internal/fixture"
	"github.com/demarc/demarc/internal/golden"
	"github.com/demarc/demarc/internal/hostfs"
	"github.com/demarc/demarc/internal/pkgdb"
	"github.com/demarc/demarc/report"
)

// RPMQueryFormat is the query pkgdb runs through `rpm --root`; a case's
// rpm-qa.out is served as its output.
const RPMQueryFormat = "%{NAME}\t%{EPOCH}:%{VERSION}-%{RELEASE}\t%{ARCH}\n"

// DenyFile is the file of a case directory listing the host paths denied
// to the collector.
const DenyFile = "deny"

// Now is the fixed clock of every case.
var Now = time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)

// FileTime is the mtime of every file of a case's rootfs (three hours
// before Now), so that ages and dates read from mtimes are the same on
// every checkout.
var FileTime = Now.Add(-3 * time.Hour)

// Golden is what want.json holds.
type Golden struct {
	Host       *report.Host       `json:"host,omitempty"`
	Components []report.Component `json:"components"`
	Updates    *report.Updates    `json:"updates,omitempty"`
	Notes      []string           `json:"notes,omitempty"`
	// Errors names the sentinels each partial error wraps.
	Errors []string `json:"errors,omitempty"`
	// Err names the sentinels the returned error wraps.
	Err string `json:"err,omitempty"`
	// Calls are the commands run, in order.
	Calls []string `json:"calls,omitempty"`
}

// Sentinel pairs an error value with the name a golden uses for it.
type Sentinel struct {
	Name string
	Err  error
}

// common are the sentinels every collector can meet.
var common = []Sentinel{
	{"collectors.ErrNotApplicable", collectors.ErrNotApplicable},
	{"execx.ErrTimeout", execx.ErrTimeout}, {"execx.ErrNotFound", execx.ErrNotFound},
	{"execx.ErrUnexpected", execx.ErrUnexpected}, {"execx.ErrOutputTooLarge", execx.ErrOutputTooLarge},
	{"hostfs.ErrTooLarge", hostfs.ErrTooLarge}, {"hostfs.ErrNotRegular", hostfs.ErrNotRegular},
	{"hostfs.ErrLoop", hostfs.ErrLoop},
	{"pkgdb.ErrNoDatabase", pkgdb.ErrNoDatabase}, {"pkgdb.ErrMalformed", pkgdb.ErrMalformed},
	{"fs.ErrPermission", fs.ErrPermission}, {"fs.ErrNotExist", fs.ErrNotExist},
	{"context.DeadlineExceeded", context.DeadlineExceeded}, {"context.Canceled", context.Canceled},
}

// Classify names every sentinel err wraps, the collector's own (extra)
// first, joined by "+"; "other" when none.
func Classify(err error, extra []Sentinel) string {
	var names []string
	for _, s := range append(append([]Sentinel{}, extra...), common...) {
		if errors.Is(err, s.Err) {
			names = append(names, s.Name)
		}
	}
	if names == nil {
		return "other"
	}
	return strings.Join(names, "+")
}

// Deps builds the dependencies of one case: its rootfs (an empty
// directory when it has none) with every file dated FileTime and the
// paths of its deny file denied, a Fake runner from its cmd/ directory,
// the rpm query answered from rpm-qa.out when present, and, when the case
// has a live.yaml, the live facts of a running host (fixture.Live);
// without one the root is a mounted root.
func Deps(t testing.TB, caseDir string) collectors.Deps {
	t.Helper()
	rootDir := filepath.Join(caseDir, "rootfs")
	if _, err := os.Stat(rootDir); err != nil {
		rootDir = t.TempDir()
	}
	setMtimes(t, rootDir)
	root, err := hostfs.New(rootDir)
	if err != nil {
		t.Fatal(err)
	}
	fake, err := fixture.Runner(caseDir, root)
	if err != nil {
		t.Fatal(err)
	}
	live, err := fixture.LoadLive(caseDir)
	if err != nil {
		t.Fatal(err)
	}
	root = root.Deny(denied(t, caseDir)...)
	deps := collectors.Deps{
		Root: root, Run: fake, Log: zerolog.Nop(), Now: func() time.Time { return Now },
		Packages: pkgdb.NewCache(root, fake),
	}
	if live != nil {
		deps.Live = live.Facts()
	}
	return deps
}

// denied reads the host paths of caseDir's deny file, if any.
func denied(t testing.TB, caseDir string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(caseDir, DenyFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// setMtimes gives every file and directory under dir (not the symlinks,
// which may point outside it) the mtime FileTime.
func setMtimes(t testing.TB, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.Type()&fs.ModeSymlink != 0 {
			return err
		}
		return os.Chtimes(p, FileTime, FileTime)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Root writes files (host path => content) into a new temporary directory
// and returns it as a root, for tests that build a host inline.
func Root(t testing.TB, files map[string]string) hostfs.Root {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	root, err := hostfs.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// Running is a running host with no live facts of its own: its /proc and
// /sys are the root's, its commands the Fake's.
func Running() collectors.LiveFacts { return (&fixture.Live{}).Facts() }

// FailingLive is a running host whose every live fact fails with Err.
type FailingLive struct{ Err error }

// Uname implements collectors.LiveFacts.
func (f FailingLive) Uname() (collectors.Uname, error) { return collectors.Uname{}, f.Err }

// Hostname implements collectors.LiveFacts.
func (f FailingLive) Hostname() (string, error) { return "", f.Err }

// Uptime implements collectors.LiveFacts.
func (f FailingLive) Uptime(context.Context) (uint64, error) { return 0, f.Err }

// Virtualization implements collectors.LiveFacts.
func (f FailingLive) Virtualization(context.Context) (string, string, error) { return "", "", f.Err }

// Cases returns the case directories under dir (testdata); the fuzz
// corpus directory (testdata/fuzz) is not a case.
func Cases(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() && e.Name() != "fuzz" {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	if len(out) == 0 {
		t.Fatalf("no cases under %s", dir)
	}
	return out
}

// Check runs c and compares the result with caseDir/want.json (rewritten
// by go test -update). The root's directory on this machine is written
// as ${ROOT} (it appears in `rpm --root` sources). The commands run are
// the calls of deps.Run when it is an *execx.Fake. It returns the result
// for further assertions.
func Check(t *testing.T, caseDir string, deps collectors.Deps, c collectors.Collector, extra []Sentinel) collectors.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := c.Collect(ctx)
	g := Golden{Host: res.Host, Components: res.Components, Updates: res.Updates, Notes: res.Notes}
	if g.Components == nil {
		g.Components = []report.Component{}
	}
	for _, e := range res.Errors {
		g.Errors = append(g.Errors, Classify(e, extra))
	}
	if err != nil {
		g.Err = Classify(err, extra)
	}
	if fake, ok := deps.Run.(*execx.Fake); ok {
		g.Calls = fake.Calls()
	}
	got, jerr := json.MarshalIndent(g, "", "  ")
	if jerr != nil {
		t.Fatal(jerr)
	}
	got = bytes.ReplaceAll(append(got, '\n'), []byte(deps.Root.Dir()), []byte("${ROOT}"))
	golden.Check(t, filepath.Join(caseDir, "want.json"), got)
	return res
}
