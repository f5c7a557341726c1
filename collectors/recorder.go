package collectors

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"

	"github.com/demarc/demarc/internal/hostfs"
	"github.com/demarc/demarc/internal/pkgdb"
	"github.com/demarc/demarc/internal/pkgver"
	"github.com/demarc/demarc/report"
)

// Recorder is what one Collect run has observed so far: components, host
// facts, notes and partial errors. Every collector records through one, so
// that the same situation (a file that is missing, one that is unreadable
// or unusable, a package version that is not a version, a package database
// that failed) is worded and handled the same everywhere. The zero
// Recorder is ready to use; it is not safe for concurrent use.
type Recorder struct {
	// Layer is given to every added component that has none.
	Layer report.Layer
	res   Result
	db    *pkgdb.DB
}

// Note records a non-fatal observation.
func (r *Recorder) Note(format string, args ...any) {
	r.res.Notes = append(r.res.Notes, fmt.Sprintf(format, args...))
}

// NoteAll records notes worded elsewhere (a parser's, a shared reader's).
func (r *Recorder) NoteAll(notes []string) { r.res.Notes = append(r.res.Notes, notes...) }

// Fail records a partial failure: the collector goes on, and the scan
// reports the error like a collector's.
func (r *Recorder) Fail(err error) { r.res.Errors = append(r.res.Errors, err) }

// Add records a component. A detail with an empty value is not observed
// and dropped; a component without details has nil Details.
func (r *Recorder) Add(c report.Component) {
	if c.Layer == "" {
		c.Layer = r.Layer
	}
	for k, v := range c.Details {
		if v == "" {
			delete(c.Details, k)
		}
	}
	if len(c.Details) == 0 {
		c.Details = nil
	}
	r.res.Components = append(r.res.Components, c)
}

// Host returns the host facts recorded so far, creating them on first use.
func (r *Recorder) Host() *report.Host {
	if r.res.Host == nil {
		r.res.Host = &report.Host{}
	}
	return r.res.Host
}

// Result returns everything recorded.
func (r *Recorder) Result() Result { return r.res }

// ReadOutcome is what reading a host file came to.
type ReadOutcome int

// The outcomes of ReadProblem.
const (
	// Read: there was no error.
	Read ReadOutcome = iota
	// Absent: the file is not there (nor a directory on its path).
	Absent
	// Denied: it is there (or behind a directory) but not readable; a note
	// says so. "Not installed" must not be concluded from it.
	Denied
	// Failed: it is there but unusable (too large, not a regular file, an
	// I/O error); a partial error, or a note (see ReadProblemNote), says so.
	Failed
)

// IsAbsent reports whether err means the host path is not there: it does
// not exist, or a component of its path is not a directory.
func IsAbsent(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// ReadProblem records the error of reading the host path p: nothing when
// err is nil or p is absent, a note when p is unreadable (permission), a
// partial error otherwise.
func (r *Recorder) ReadProblem(p string, err error) ReadOutcome {
	return r.readProblem(p, err, false)
}

// ReadProblemNote is ReadProblem for a file that does not decide the
// result (a fallback, a hint): an unusable file is a note, not an error.
func (r *Recorder) ReadProblemNote(p string, err error) ReadOutcome {
	return r.readProblem(p, err, true)
}

func (r *Recorder) readProblem(p string, err error, asNote bool) ReadOutcome {
	switch {
	case err == nil:
		return Read
	case IsAbsent(err):
		return Absent
	case errors.Is(err, fs.ErrPermission):
		r.Note("%s: permission denied (present but unreadable, or in an unreadable directory)", p)
		return Denied
	case asNote:
		r.Note("%s: unusable (%s)", p, describe(err))
	default:
		r.Fail(fmt.Errorf("read %s: %w", p, err))
	}
	return Failed
}

// describe says what is wrong with a file, without the scanning
// machine's own path that os errors carry.
func describe(err error) string {
	switch {
	case errors.Is(err, hostfs.ErrTooLarge):
		return "file too large"
	case errors.Is(err, hostfs.ErrNotRegular):
		return "not a regular file"
	case errors.Is(err, hostfs.ErrLoop):
		return "symbolic link loop"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// UsePackages records the installed-package database the run reads
// packages from (Deps.InstalledPackages' answer): a host without one is
// normal, any other failure a partial error. Pkg and FromPackage find
// nothing until then.
func (r *Recorder) UsePackages(db *pkgdb.DB, err error) {
	switch {
	case err == nil:
		r.db = db
	case !errors.Is(err, pkgdb.ErrNoDatabase):
		r.Fail(fmt.Errorf("package database: %w", err))
	}
}

// Packages returns the database of UsePackages; nil when there is none.
func (r *Recorder) Packages() *pkgdb.DB { return r.db }

// Pkg returns the newest installed package of the first of names
// installed, in the order given.
func (r *Recorder) Pkg(names ...string) (pkgdb.Package, bool) {
	if r.db == nil {
		return pkgdb.Package{}, false
	}
	for _, n := range names {
		if p := r.db.Get(n); len(p) > 0 {
			return p[len(p)-1], true
		}
	}
	return pkgdb.Package{}, false
}

// FromPackage builds product's component from the first of names
// installed: the upstream version of its package version, the database as
// source, the package's name and version as details. A package version
// that is not a version is a partial error, and no component.
func (r *Recorder) FromPackage(product string, names ...string) (report.Component, bool) {
	p, ok := r.Pkg(names...)
	if !ok {
		return report.Component{}, false
	}
	return r.PackageComponent(product, p)
}

// PackageComponent is FromPackage for the installed package p of the
// database of UsePackages.
func (r *Recorder) PackageComponent(product string, p pkgdb.Package) (report.Component, bool) {
	v, err := pkgver.FromPackage(p.Version)
	if err != nil {
		r.Fail(fmt.Errorf("%s package: %w", p.Name, err))
		return report.Component{}, false
	}
	return report.Component{Product: product, Version: v, Source: r.db.Source,
		Details: map[string]string{"package": p.Name, "package_version": p.Version}}, true
}
