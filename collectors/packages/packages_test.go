package packages

import (
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/demarc/demarc/internal/collectortest"
	"github.com/demarc/demarc/internal/repomd"
	"github.com/demarc/demarc/report"
)

var sentinels = []collectortest.Sentinel{
	{Name: "packages.ErrUnexpectedOutput", Err: ErrUnexpectedOutput},
	{Name: "packages.ErrManagerFailed", Err: ErrManagerFailed},
	{Name: "repomd.ErrMalformed", Err: repomd.ErrMalformed},
	{Name: "repomd.ErrUndecidable", Err: repomd.ErrUndecidable},
}

// TestCases runs the collector over every testdata case (see
// collectortest): its rootfs as the scanned root, not live (so every
// command carries the alternate-root options), the Fake runner answering
// from cmd/*.yaml and rpm-qa.out as the RPM database.
func TestCases(t *testing.T) {
	t.Parallel()
	dirs := collectortest.Cases(t, "testdata")
	if len(dirs) < 15 {
		t.Fatalf("only %d cases", len(dirs))
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			deps := collectortest.Deps(t, dir)
			if deps.Live != nil {
				t.Fatal("a packages case is a mounted root: no live.yaml")
			}
			c := New(deps)
			c.timeout = 200 * time.Millisecond // the hang case; real answers are instant
			res := collectortest.Check(t, dir, deps, c, sentinels)
			checkInvariants(t, res.Updates)
		})
	}
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
