package collectors

import (
	"context"
	"errors"
	"time"

	"github.com/rs/zerolog"

	"github.com/demarc/demarc/internal/execx"
	"github.com/demarc/demarc/internal/hostfs"
	"github.com/demarc/demarc/internal/pkgdb"
	"github.com/demarc/demarc/report"
)

// ErrNotApplicable is returned (wrapped) by a collector that cannot work on
// this scan at all, e.g. a live-only collector under another --root, or a
// package manager without an alternate-root option. The scan records it as
// a collector error so that nothing is silently skipped.
var ErrNotApplicable = errors.New("not applicable to this scan")

// Deps is what every collector is built with. Nothing else reaches a
// collector: no globals, no environment variables.
type Deps struct {
	// Root is the host's root: every host path is read through it.
	Root hostfs.Root
	// Run runs every external command.
	Run execx.Runner
	// Log already carries collector=<name>. Collectors return errors rather
	// than log them; the log is for debug detail.
	Log zerolog.Logger
	// Now is the clock.
	Now func() time.Time
	// Packages is the installed-package database, read once per scan and
	// shared; nil means read it on demand (tests).
	Packages *pkgdb.Cache
	// Live is the running host's live-only facts; nil when the root is not
	// a running host (see LiveFacts). It is the one way a collector asks
	// "may I read /proc, /sys and the running kernel, and run the host's
	// commands?": Root answers path questions only.
	Live LiveFacts
}

// InstalledPackages returns the host's installed packages through the
// shared cache (or a fresh read when Deps has none). pkgdb.ErrNoDatabase
// means the host has no supported package database.
func (d Deps) InstalledPackages(ctx context.Context) (*pkgdb.DB, error) {
	if d.Packages != nil {
		return d.Packages.Get(ctx)
	}
	return pkgdb.Read(ctx, d.Root, d.Run)
}

// Collector observes one part of the host. It never judges: versions and
// facts go out, lifecycle and responsibility are the rules' business.
type Collector interface {
	// Name is the collector's short name, as used by --only.
	Name() string
	// Collect observes the host. "Not installed here" is a normal, empty
	// Result, not an error. A returned error means the collector could not
	// do its job; whatever it observed before failing is still returned in
	// Result and kept.
	Collect(ctx context.Context) (Result, error)
	// Sources describes what the collector reads and runs, for
	// `demarc collectors` and the docs.
	Sources() Sources
}

// Sources describes a collector for people: what it detects, from where,
// with which privileges, and what "not detected" means.
type Sources struct {
	Detects     string   `json:"detects"`
	Files       []string `json:"files,omitempty"`
	Commands    []string `json:"commands,omitempty"`
	Privileges  string   `json:"privileges"`
	NotDetected string   `json:"not_detected"`
}

// Result is what one collector observed.
type Result struct {
	// Host carries host facts; zero fields are "not observed here" and do
	// not overwrite what another collector set.
	Host *report.Host
	// Components is what is installed.
	Components []report.Component
	// Updates is the pending OS updates (packages collector only).
	Updates *report.Updates
	// Notes are non-fatal observations: a permission error on one file, a
	// bounded walk cut short.
	Notes []string
	// Errors are partial failures that did not stop the collector (one
	// command of several timed out). They are reported like a returned
	// error but the rest of the Result is complete.
	Errors []error
}
