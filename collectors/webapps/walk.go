package webapps

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
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

// dirItem is one directory to examine: its host path, its path on the
// scanning machine, its depth below the docroot and the docroot's device.
type dirItem struct {
	host, real string
	depth      int
	dev        uint64
	docroot    bool
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
			real, err := w.root.Resolve(m)
			if err != nil {
				continue // a link loop where a docroot should be: not a docroot
			}
			out = append(out, dirItem{host: m, real: real, docroot: true})
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
// subdirectories to examine next.
func (w *walker) visit(d dirItem) []dirItem {
	var st fs.FileInfo
	var err error
	if d.docroot {
		st, err = os.Stat(d.real) // resolved through the root already
	} else {
		st, err = os.Lstat(d.real)
	}
	if err != nil || !st.IsDir() {
		return nil
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if ok {
		id := fileID{uint64(sys.Dev), sys.Ino}
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
	entries, capped, err := listDir(d.real, w.maxDirEntries, d.docroot)
	if err != nil {
		w.unlistable(d.host, err)
		return nil
	}
	var names map[string]bool
	if capped {
		w.capped++
		if w.cappedExample == "" {
			w.cappedExample = d.host
		}
	} else {
		names = make(map[string]bool, len(entries))
		for _, e := range entries {
			names[e.Name()] = true
		}
	}
	skip := w.detect(d, names)
	if d.depth >= w.maxDepth {
		return nil
	}
	var next []dirItem
	for _, e := range entries {
		n := e.Name()
		if !e.IsDir() || skip[n] || skipDir(n) {
			continue // symlinks are never followed: no escape, no loop
		}
		next = append(next, dirItem{host: path.Join(d.host, n), real: filepath.Join(d.real, n), depth: d.depth + 1, dev: d.dev})
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

// listDir lists at most max entries of the directory real, sorted by name;
// capped is true when it holds more. A directory that is not a docroot is
// opened without following a symlink, should one have replaced it.
func listDir(real string, max int, follow bool) (entries []fs.DirEntry, capped bool, err error) {
	flags := os.O_RDONLY | syscall.O_DIRECTORY
	if !follow {
		flags |= syscall.O_NOFOLLOW
	}
	f, err := os.OpenFile(real, flags, 0)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	for {
		batch, err := f.ReadDir(512)
		entries = append(entries, batch...)
		if len(entries) > max {
			entries, capped = entries[:max], true
			break
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, false, err
		}
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	return entries, capped, nil
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
