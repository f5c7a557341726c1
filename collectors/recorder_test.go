package collectors

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"
	"testing"

	"github.com/demarc/demarc/internal/hostfs"
	"github.com/demarc/demarc/internal/pkgdb"
	"github.com/demarc/demarc/internal/pkgver"
	"github.com/demarc/demarc/report"
)

// TestReadProblem: every collector files the same read error the same
// way: absent is nothing, permission a note, anything else an error, or a
// note for a file that does not decide the result.
func TestReadProblem(t *testing.T) {
	t.Parallel()
	perm := &fs.PathError{Op: "open", Path: "/etc/x", Err: fs.ErrPermission}
	cases := []struct {
		name          string
		err           error
		asNote        bool
		want          ReadOutcome
		notes, errors int
		sentinel      error
	}{
		{"nil", nil, false, Read, 0, 0, nil},
		{"missing", &fs.PathError{Op: "open", Path: "/etc/x", Err: fs.ErrNotExist}, false, Absent, 0, 0, nil},
		{"not a directory on the way", &fs.PathError{Op: "open", Path: "/etc/x", Err: syscall.ENOTDIR}, false, Absent, 0, 0, nil},
		{"permission", perm, false, Denied, 1, 0, nil},
		{"permission, hint", perm, true, Denied, 1, 0, nil},
		{"too large", fmt.Errorf("read /etc/x: %w", hostfs.ErrTooLarge), false, Failed, 0, 1, hostfs.ErrTooLarge},
		{"too large, hint", fmt.Errorf("read /etc/x: %w", hostfs.ErrTooLarge), true, Failed, 1, 0, nil},
		{"not regular", fmt.Errorf("open /etc/x: %w", hostfs.ErrNotRegular), false, Failed, 0, 1, hostfs.ErrNotRegular},
	}
	for _, c := range cases {
		var r Recorder
		var got ReadOutcome
		if c.asNote {
			got = r.ReadProblemNote("/etc/x", c.err)
		} else {
			got = r.ReadProblem("/etc/x", c.err)
		}
		res := r.Result()
		if got != c.want || len(res.Notes) != c.notes || len(res.Errors) != c.errors {
			t.Errorf("%s: outcome %d, notes %q, errors %v", c.name, got, res.Notes, res.Errors)
		}
		if c.sentinel != nil && !errors.Is(res.Errors[0], c.sentinel) {
			t.Errorf("%s: %v does not wrap %v", c.name, res.Errors[0], c.sentinel)
		}
	}
}

func TestAddDropsEmptyDetails(t *testing.T) {
	t.Parallel()
	r := Recorder{Layer: report.LayerControlPanel}
	r.Add(report.Component{Product: "a", Details: map[string]string{"tier": "", "edition": "pro"}})
	r.Add(report.Component{Product: "b", Layer: report.LayerApplications, Details: map[string]string{"tier": ""}})
	c := r.Result().Components
	if len(c) != 2 || c[0].Layer != report.LayerControlPanel || len(c[0].Details) != 1 || c[1].Layer != report.LayerApplications || c[1].Details != nil {
		t.Fatalf("%+v", c)
	}
}

func TestFromPackage(t *testing.T) {
	t.Parallel()
	var r Recorder
	if _, ok := r.FromPackage("nginx", "nginx"); ok {
		t.Fatal("a component without a package database")
	}
	r.UsePackages(nil, pkgdb.ErrNoDatabase)
	r.UsePackages(nil, errors.New("rpm failed"))
	if n := len(r.Result().Errors); n != 1 {
		t.Fatalf("no database is normal, a failed one an error: %d errors", n)
	}
	r.UsePackages(&pkgdb.DB{Source: "/var/lib/dpkg/status", Packages: []pkgdb.Package{
		{Name: "junk", Version: "~~"}, {Name: "nginx", Version: "1.22.1-9"}, // sorted by name
	}}, nil)
	c, ok := r.FromPackage("nginx", "nginx-full", "nginx")
	if !ok || c.Version != "1.22.1" || c.Source != "/var/lib/dpkg/status" || c.Details["package"] != "nginx" || c.Details["package_version"] != "1.22.1-9" {
		t.Fatalf("%+v", c)
	}
	if _, ok := r.FromPackage("junk", "junk"); ok || !errors.Is(r.Result().Errors[1], pkgver.ErrInvalid) {
		t.Fatalf("a package version that is not one: %v", r.Result().Errors)
	}
}
