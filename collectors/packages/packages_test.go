package packages

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
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

// now is the clock of every case; every file of a case's rootfs gets the
// mtime metaTime, so metadata ages are the same on every checkout.
var (
	now      = time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)
	metaTime = now.Add(-3 * time.Hour)
)

// rpmQueryFormat is the query pkgdb runs through `rpm --root`; a case's
// rpm-qa.out is its output.
const rpmQueryFormat = "%{NAME}\t%{EPOCH}:%{VERSION}-%{RELEASE}\t%{ARCH}\n"

// wantFile is what a case's want.json holds: the Updates, the notes, and
// each error by the sentinels it wraps (errors.Is), never by its text.
type wantFile struct {
	Updates *report.Updates `json:"updates"`
	Notes   []string        `json:"notes,omitempty"`
	Errors  [][]string      `json:"errors,omitempty"`
	Err     []string        `json:"err,omitempty"`
}

var sentinels = []struct {
	name string
	err  error
}{
	{"ErrUnexpectedOutput", ErrUnexpectedOutput}, {"ErrManagerFailed", ErrManagerFailed},
	{"collectors.ErrNotApplicable", collectors.ErrNotApplicable},
	{"execx.ErrTimeout", execx.ErrTimeout}, {"execx.ErrNotFound", execx.ErrNotFound},
	{"execx.ErrUnexpected", execx.ErrUnexpected}, {"execx.ErrOutputTooLarge", execx.ErrOutputTooLarge},
	{"pkgdb.ErrNoDatabase", pkgdb.ErrNoDatabase}, {"pkgdb.ErrMalformed", pkgdb.ErrMalformed},
}

// classify names every sentinel err wraps.
func classify(err error) []string {
	var out []string
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			out = append(out, s.name)
		}
	}
	if out == nil {
		out = []string{"other"}
	}
	return out
}

// TestCases runs the collector over every testdata/<case>: its rootfs as
// the scanned root (so every command carries the alternate-root options),
// a Fake runner answering from cmd/*.yaml (${ROOT} stands for the root's
// directory) and rpm-qa.out as the RPM database.
func TestCases(t *testing.T) {
	t.Parallel()
	entries, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		n++
		dir := filepath.Join("testdata", e.Name())
		t.Run(e.Name(), func(t *testing.T) {
			t.Parallel()
			runCase(t, dir)
		})
	}
	if n < 15 {
		t.Fatalf("only %d cases", n)
	}
}

func runCase(t *testing.T, dir string) {
	rootDir, err := filepath.Abs(filepath.Join(dir, "rootfs"))
	if err != nil {
		t.Fatal(err)
	}
	setMtimes(t, rootDir)
	root, err := hostfs.New(rootDir)
	if err != nil {
		t.Fatal(err)
	}
	fake, err := fixture.Runner(dir, root)
	if err != nil {
		t.Fatal(err)
	}
	c := New(collectors.Deps{
		Root: root, Run: fake, Log: zerolog.Nop(), Now: func() time.Time { return now },
		Packages: pkgdb.NewCache(root, fake),
	})
	c.timeout = 200 * time.Millisecond // the hang case; real answers are instant
	res, err := c.Collect(context.Background())
	checkInvariants(t, res.Updates)
	g := wantFile{Updates: res.Updates, Notes: res.Notes}
	for _, e := range res.Errors {
		g.Errors = append(g.Errors, classify(e))
	}
	if err != nil {
		g.Err = classify(err)
	}
	got, err := json.MarshalIndent(g, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = bytes.ReplaceAll(append(got, '\n'), []byte(root.Dir()), []byte("${ROOT}"))
	want := filepath.Join(dir, "want.json")
	golden.Check(t, want, got)
}

// checkInvariants holds for every answer: Count is the package list's
// length, the list is sorted, and apt, dnf and yum never count more
// security updates than updates (zypper counts patches).
func checkInvariants(t *testing.T, u *report.Updates) {
	t.Helper()
	if u == nil {
		return
	}
	if u.Count != len(u.Packages) {
		t.Errorf("count %d, %d packages", u.Count, len(u.Packages))
	}
	if u.Manager != "zypper" && u.SecurityCount > u.Count {
		t.Errorf("security %d > count %d", u.SecurityCount, u.Count)
	}
	if !sort.SliceIsSorted(u.Packages, func(i, j int) bool { return u.Packages[i].Name < u.Packages[j].Name }) {
		t.Error("packages not sorted by name")
	}
	for _, p := range u.Packages {
		if p.Name == "" || p.Candidate == "" {
			t.Errorf("incomplete package %+v", p)
		}
	}
}

// setMtimes gives every file under dir the mtime metaTime.
func setMtimes(t *testing.T, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.Type()&fs.ModeSymlink != 0 {
			return err
		}
		return os.Chtimes(p, metaTime, metaTime)
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
}
