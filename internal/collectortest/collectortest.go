// Package collectortest runs a collector against fixture roots and
// compares the result with golden files, for collector tests laid out as
// testdata/<case>/{rootfs/…, cmd/*.yaml, rpm-qa.out, want.json}.
//
// The golden holds the components, the virtualisation host facts, the
// notes, and each error by the sentinel it wraps (errors.Is), never by its
// text.
package collectortest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
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

// Now is the fixed clock of every case.
var Now = time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)

// Golden is what want.json holds.
type Golden struct {
	Virtualization *report.Virtualization `json:"virtualization,omitempty"`
	Components     []report.Component     `json:"components"`
	Notes          []string               `json:"notes,omitempty"`
	// Errors names the sentinel each partial error wraps.
	Errors []string `json:"errors,omitempty"`
	// Err names the sentinel the returned error wraps.
	Err string `json:"err,omitempty"`
}

// Sentinel pairs an error value with the name a golden uses for it.
type Sentinel struct {
	Name string
	Err  error
}

// common are the sentinels every collector can meet.
var common = []Sentinel{
	{"execx.ErrTimeout", execx.ErrTimeout}, {"execx.ErrNotFound", execx.ErrNotFound},
	{"execx.ErrUnexpected", execx.ErrUnexpected}, {"execx.ErrOutputTooLarge", execx.ErrOutputTooLarge},
	{"hostfs.ErrTooLarge", hostfs.ErrTooLarge}, {"hostfs.ErrLoop", hostfs.ErrLoop},
	{"pkgdb.ErrMalformed", pkgdb.ErrMalformed}, {"fs.ErrPermission", fs.ErrPermission},
	{"fs.ErrNotExist", fs.ErrNotExist}, {"context.DeadlineExceeded", context.DeadlineExceeded},
	{"context.Canceled", context.Canceled},
}

// Classify names the first sentinel err wraps, "other" when none.
func Classify(err error, extra []Sentinel) string {
	for _, s := range append(append([]Sentinel{}, extra...), common...) {
		if errors.Is(err, s.Err) {
			return s.Name
		}
	}
	return "other"
}

// Deps builds the dependencies of one case: its rootfs (an empty
// directory when it has none), a Fake runner from its cmd/ directory, the
// rpm query answered from rpm-qa.out when present, and, when the case has
// a live.yaml, the live facts of a running host (fixture.Live); without
// one the root is a mounted root.
func Deps(t testing.TB, caseDir string) collectors.Deps {
	t.Helper()
	rootDir := filepath.Join(caseDir, "rootfs")
	if _, err := os.Stat(rootDir); err != nil {
		rootDir = t.TempDir()
	}
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
	deps := collectors.Deps{
		Root: root, Run: fake, Log: zerolog.Nop(), Now: func() time.Time { return Now },
		Packages: pkgdb.NewCache(root, fake),
	}
	if live != nil {
		deps.Live = live.Facts()
	}
	return deps
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

// Cases returns the case directories under dir (testdata).
func Cases(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
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
// as ${ROOT} (it appears in `rpm --root` sources). It returns the result
// for further assertions.
func Check(t *testing.T, caseDir string, deps collectors.Deps, c collectors.Collector, extra []Sentinel) collectors.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := c.Collect(ctx)
	g := Golden{Components: res.Components, Notes: res.Notes}
	if g.Components == nil {
		g.Components = []report.Component{}
	}
	if res.Host != nil {
		v := res.Host.Virtualization
		g.Virtualization = &v
	}
	for _, e := range res.Errors {
		g.Errors = append(g.Errors, Classify(e, extra))
	}
	if err != nil {
		g.Err = Classify(err, extra)
	}
	got, jerr := json.MarshalIndent(g, "", "  ")
	if jerr != nil {
		t.Fatal(jerr)
	}
	got = bytes.ReplaceAll(append(got, '\n'), []byte(deps.Root.Dir()), []byte("${ROOT}"))
	golden.Check(t, filepath.Join(caseDir, "want.json"), got)
	return res
}
