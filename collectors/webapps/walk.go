package webapps

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"syscall"
	"time"

	"github.com/demarc/demarc/internal/hostfs"
)

// maxSiteNotes caps the per-site notes; the rest are counted.
const maxSiteNotes = 20

// bound names what cut a walk short.
type bound string

const (
	boundNone     bound = ""
	boundMaxSites bound = "max_sites"
	boundTime     bound = "timeout"
	boundContext  bound = "context"
)

// dirItem is one directory to examine: its host path, its depth below the
// docroot and the docroot's device.
type dirItem struct {
	host    string
	depth   int
	dev     uint64
	docroot bool
}

type fileID struct{ dev, ino uint64 }

// walker is one bounded breadth-first walk over every docroot: all
// docroots first, then their subdirectories level by level, so that a
// walk cut short has still seen the main site of every account.
type walker struct {
	ctx           context.Context
	root          hostfs.Root
	maxDepth      int
	maxSites      int
	maxDirEntries int
	deadline      time.Time
	budget        time.Duration
	now           func() time.Time

	visited map[fileID]bool
	sites   []site

	// What happened, for the notes.
	cut             bound
	cutDepth        int // depth being examined when the walk was cut
	docrootCount    int
	docrootsDone    int // docroots examined when cut at depth 0
	dirs            int
	capped          int
	cappedExample   string
	unlisted        int
	unlistedExample string
	unlistedWhy     string
	siteNotes       []string
	siteNotesMore   int
	ctxErr          error
}

func newWalker(ctx context.Context, c *Collector, deadline time.Time, now func() time.Time) *walker {
	return &walker{
		ctx: ctx, root: c.deps.Root, maxDepth: c.maxDepth, maxSites: c.maxSites,
		maxDirEntries: c.maxDirEntries, deadline: deadline, now: now,
		visited: map[fileID]bool{},
	}
}

// docroots expands the root patterns through the host root.
func (w *walker) docroots(patterns []string) ([]dirItem, error) {
	var out []dirItem
	var errs []error
	for _, p := range patterns {
		matches, err := w.root.Glob(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("docroot pattern: %w", err))
			continue
		}
		for _, m := range matches {
			if _, err := w.root.Stat(m); errors.Is(err, hostfs.ErrLoop) {
				continue // a link loop where a docroot should be: not a docroot
			}
			out = append(out, dirItem{host: m, docroot: true})
		}
	}
	w.docrootCount = len(out)
	return out, errors.Join(errs...)
}

// walk examines the queue breadth first until it is empty or a bound
// cuts it short.
func (w *walker) walk(queue []dirItem) {
	for len(queue) > 0 {
		d := queue[0]
		queue = queue[1:]
		if b := w.checkBounds(); b != boundNone {
			w.cut, w.cutDepth = b, d.depth
			return
		}
		if d.docroot {
			w.docrootsDone++
		}
		children := w.visit(d)
		queue = append(queue, children...)
		if len(w.sites) >= w.maxSites {
			if len(queue) > 0 {
				w.cut, w.cutDepth = boundMaxSites, d.depth
			}
			w.sites = w.sites[:w.maxSites]
			return
		}
	}
}

func (w *walker) checkBounds() bound {
	if err := w.ctx.Err(); err != nil {
		if w.ctxErr == nil && !errors.Is(err, context.DeadlineExceeded) {
			w.ctxErr = err
		}
		return boundContext
	}
	if w.now().After(w.deadline) {
		return boundTime
	}
	return boundNone
}

// visit examines one directory: lists it, looks for sites, and returns the
// subdirectories to examine next. Everything goes through the root: a
// docroot may be a symlink inside the root; below it no symlink is
// followed, should one have replaced a directory since it was listed.
func (w *walker) visit(d dirItem) []dirItem {
	l, err := w.root.ListDir(d.host, w.maxDirEntries, d.docroot)
	if err != nil {
		if !d.docroot && errors.Is(err, syscall.ELOOP) {
			return nil // a directory swapped for a symlink since it was listed
		}
		w.unlistable(d.host, err)
		return nil
	}
	if dev, ino, ok := hostfs.FileID(l.Dir); ok {
		id := fileID{dev, ino}
		if w.visited[id] {
			return nil // seen through another docroot pattern or a bind mount
		}
		w.visited[id] = true
		if d.docroot {
			d.dev = id.dev
		} else if id.dev != d.dev {
			return nil // another filesystem mounted inside the docroot
		}
	}
	w.dirs++
	var names map[string]bool
	if l.Capped {
		w.capped++
		if w.cappedExample == "" {
			w.cappedExample = d.host
		}
	} else {
		names = make(map[string]bool, len(l.Entries))
		for _, e := range l.Entries {
			names[e.Name()] = true
		}
	}
	skip := w.detect(d, names)
	if d.depth >= w.maxDepth {
		return nil
	}
	var next []dirItem
	for _, e := range l.Entries {
		n := e.Name()
		if !e.IsDir() || skip[n] || skipDir(n) {
			continue // symlinks are never followed: no escape, no loop
		}
		next = append(next, dirItem{host: path.Join(d.host, n), depth: d.depth + 1, dev: d.dev})
	}
	return next
}

// skipDir reports whether a directory name never holds a site: hidden
// directories, dependency trees and WordPress's own directories (which a
// damaged site may have without version.php).
func skipDir(name string) bool {
	if strings.HasPrefix(name, ".") {
		return true
	}
	switch name {
	case "cgi-bin", "node_modules", "vendor", "wp-admin", "wp-content", "wp-includes":
		return true
	}
	return false
}

func (w *walker) unlistable(host string, err error) {
	if isAbsent(err) {
		return // gone since its parent was listed
	}
	w.unlisted++
	if w.unlistedExample == "" {
		w.unlistedExample, w.unlistedWhy = host, describe(err)
	}
}

func (w *walker) siteNote(format string, args ...any) {
	if len(w.siteNotes) >= maxSiteNotes {
		w.siteNotesMore++
		return
	}
	w.siteNotes = append(w.siteNotes, fmt.Sprintf(format, args...))
}
