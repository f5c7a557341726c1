package webapps

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"syscall"

	"github.com/demarc/demarc/internal/hostfs"
)

// Head sizes: only the start of a version file is read. WordPress's
// assignments sit in the first 2 KiB; Drupal's VERSION follows a long doc
// comment.
const (
	wpHead    = 8 << 10
	otherHead = 32 << 10
)

// marker is one file whose presence and content identify an application.
type marker struct {
	rel   string // relative to the site's directory
	head  int64
	parse func([]byte) (version, locale string, err error)
	// quiet markers are weak evidence: a file that does not parse is not
	// worth a note (includes/bootstrap.inc is not Drupal's alone).
	quiet bool
	// internal are the site's own subdirectories, not walked for more
	// sites.
	internal []string
}

// app is an application and its markers, tried in order: the first that
// yields a version wins.
type app struct {
	product string
	markers []marker
}

var (
	joomlaInternal = []string{"administrator", "api", "cache", "cli", "components", "images", "includes",
		"installation", "language", "layouts", "libraries", "media", "modules", "plugins", "templates", "tmp"}
	drupalInternal  = []string{"core", "modules", "profiles", "sites", "themes", "vendor", "libraries"}
	drupal7Internal = []string{"includes", "misc", "modules", "profiles", "scripts", "sites", "themes"}
)

// apps is every application the collector recognises.
var apps = []app{
	{"wordpress", []marker{
		{rel: "wp-includes/version.php", head: wpHead, parse: ParseWordPress,
			internal: []string{"wp-admin", "wp-content", "wp-includes"}},
	}},
	{"joomla", []marker{
		{rel: "administrator/manifests/files/joomla.xml", head: otherHead, parse: noLocale(ParseJoomlaManifest), internal: joomlaInternal},
		{rel: "libraries/src/Version.php", head: otherHead, parse: noLocale(ParseJoomlaVersionPHP), internal: joomlaInternal},
	}},
	{"drupal", []marker{
		{rel: "core/lib/Drupal.php", head: otherHead, parse: noLocale(ParseDrupal), internal: drupalInternal},
		{rel: "web/core/lib/Drupal.php", head: otherHead, parse: noLocale(ParseDrupal), internal: []string{"web", "vendor"}},
		{rel: "docroot/core/lib/Drupal.php", head: otherHead, parse: noLocale(ParseDrupal), internal: []string{"docroot", "vendor"}},
		{rel: "includes/bootstrap.inc", head: otherHead, parse: noLocale(ParseDrupal), quiet: true, internal: drupal7Internal},
	}},
}

func noLocale(f func([]byte) (string, error)) func([]byte) (string, string, error) {
	return func(b []byte) (string, string, error) {
		v, err := f(b)
		return v, "", err
	}
}

// site is one application found.
type site struct {
	product, version, locale string
	path, source             string
}

// detect looks for every application in directory d, whose listing is
// names (nil when the listing was cut short), and returns the names of the
// subdirectories that belong to the sites found.
func (w *walker) detect(d dirItem, names map[string]bool) map[string]bool {
	skip := map[string]bool{}
	for _, a := range apps {
		s, m, problems := w.detectApp(d, names, a)
		if s == nil {
			for _, p := range problems {
				w.siteNote("%s", p)
			}
			continue
		}
		w.sites = append(w.sites, *s)
		for _, n := range m.internal {
			skip[n] = true
		}
	}
	return skip
}

// detectApp tries a's markers in order and returns the site of the first
// that yields a version, or the problems met on the way.
func (w *walker) detectApp(d dirItem, names map[string]bool, a app) (*site, marker, []string) {
	var problems []string
	for _, m := range a.markers {
		first, _, _ := strings.Cut(m.rel, "/")
		if names != nil && !names[first] {
			continue
		}
		b, err := w.readMarker(d, m.rel, m.head)
		if isAbsent(err) {
			continue
		}
		src := path.Join(d.host, m.rel)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: cannot read (%s)", src, describe(err)))
			continue
		}
		v, loc, err := m.parse(b)
		if err != nil {
			if !m.quiet {
				problems = append(problems, fmt.Sprintf("%s: %s; site skipped", src, describe(err)))
			}
			continue
		}
		return &site{product: a.product, version: v, locale: loc, path: d.host, source: src}, m, nil
	}
	return nil, marker{}, problems
}

// readMarker reads the head of the file rel below d, through the root:
// absolute links resolve inside the root, a loop ends in an error, and a
// FIFO or device is refused (hostfs.ErrNotRegular) without blocking.
func (w *walker) readMarker(d dirItem, rel string, head int64) ([]byte, error) {
	return w.root.ReadHead(path.Join(d.host, rel), head)
}

func isAbsent(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// describe names an error in words that carry no path of the scanning
// machine.
func describe(err error) string {
	switch {
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	case errors.Is(err, hostfs.ErrLoop), errors.Is(err, syscall.ELOOP):
		return "symbolic link loop"
	case errors.Is(err, hostfs.ErrNotRegular):
		return "not a regular file"
	case errors.Is(err, ErrNotPHP):
		return "not a PHP file"
	case errors.Is(err, ErrMalformed):
		return "no valid version in it"
	}
	return "unreadable"
}
