package webapps

import (
	"context"
	"fmt"
	"path"
	"sort"
	"time"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/report"
)

// Name is the collector's name, as used by --only.
const Name = "webapps"

// Defaults of the walk's bounds, used where the configuration sets none.
const (
	DefaultMaxDepth = 3
	DefaultMaxSites = 2000
	DefaultTimeout  = 10 * time.Second
	// DefaultMaxDirEntries bounds how many entries of one directory are
	// examined: a cache or upload directory may hold millions.
	DefaultMaxDirEntries = 10000
)

// DefaultRoots are the docroot patterns of the common panels: cPanel,
// DirectAdmin, Plesk, and a plain web server.
var DefaultRoots = []string{
	"/home/*/public_html",
	"/home/*/domains/*/public_html",
	"/var/www/vhosts/*/httpdocs",
	"/var/www/html",
}

// Collector finds WordPress, Joomla and Drupal sites under the docroots.
type Collector struct {
	deps          collectors.Deps
	roots         []string
	maxDepth      int
	maxSites      int
	maxDirEntries int
	timeout       time.Duration
}

// Options bound the walk (the agent's collectors.webapps settings); zero
// values take the defaults.
type Options struct {
	// Roots are the document-root globs walked (DefaultRoots).
	Roots []string
	// MaxDepth is how deep below a root a site is looked for.
	MaxDepth int
	// MaxSites caps the sites reported.
	MaxSites int
	// Timeout bounds the walk.
	Timeout time.Duration
}

// New returns the web application collector with o's bounds.
func New(deps collectors.Deps, o Options) *Collector {
	c := &Collector{
		deps:          deps,
		roots:         o.Roots,
		maxDepth:      o.MaxDepth,
		maxSites:      o.MaxSites,
		maxDirEntries: DefaultMaxDirEntries,
		timeout:       o.Timeout,
	}
	if len(c.roots) == 0 {
		c.roots = DefaultRoots
	}
	if c.maxDepth <= 0 {
		c.maxDepth = DefaultMaxDepth
	}
	if c.maxSites <= 0 {
		c.maxSites = DefaultMaxSites
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	return c
}

// Name implements collectors.Collector.
func (c *Collector) Name() string { return Name }

// Sources implements collectors.Collector.
func (c *Collector) Sources() collectors.Sources {
	files := append([]string{}, c.roots...)
	for _, a := range apps {
		for _, m := range a.markers {
			files = append(files, path.Join("<docroot>[/<subdir>…]", m.rel))
		}
	}
	files = append(files, path.Join("<WordPress site>", wpPlugins, "<slug>/<slug>.php (or its other top-level *.php)"),
		path.Join("<WordPress site>", wpPlugins, "*.php"), path.Join("<WordPress site>", wpThemes, "<slug>/style.css"))
	return collectors.Sources{
		Detects: fmt.Sprintf("WordPress, Joomla and Drupal sites in docroots and their subdirectories (depth %d, at most %d sites, %s), and each WordPress site's plugins and themes with their versions",
			c.maxDepth, c.maxSites, c.timeout),
		Files:       files,
		Privileges:  "read access to the docroots (root on shared hosting, where account homes are private)",
		NotDetected: "no docroot pattern matched, or no docroot holds a known application's version file",
	}
}

// Collect implements collectors.Collector.
func (c *Collector) Collect(ctx context.Context) (collectors.Result, error) {
	res, _, err := c.run(ctx)
	return res, err
}

// run walks the docroots and returns the result with the walker, whose
// counters the tests inspect.
func (c *Collector) run(ctx context.Context) (collectors.Result, *walker, error) {
	now := c.deps.Now
	if now == nil {
		now = time.Now
	}
	budget := c.timeout
	if dl, ok := ctx.Deadline(); ok {
		// Leave a tenth of the scan's time for reporting what was found.
		if rem := time.Until(dl) * 9 / 10; rem < budget {
			budget = rem
		}
	}
	w := newWalker(ctx, c, now().Add(budget), now)
	w.budget = budget
	var res collectors.Result
	docroots, err := w.docroots(c.roots)
	if err != nil {
		res.Errors = append(res.Errors, err)
	}
	w.walk(docroots)
	for _, s := range w.sites {
		details := map[string]string{"path": s.path}
		if s.locale != "" {
			details["locale"] = s.locale
		}
		res.Components = append(res.Components, report.Component{
			Layer: report.LayerThirdPartyApps, Product: s.product, Version: s.version,
			Source: s.source, Details: details,
		})
		if s.product != "wordpress" {
			continue
		}
		for _, x := range w.wpExtensions(s.path) {
			res.Components = append(res.Components, report.Component{
				Layer: report.LayerThirdPartyApps, Product: x.kind, Version: x.version, Source: x.source,
				Details: map[string]string{"path": s.path, "slug": x.slug, "name": x.name, "instance": x.slug + " in " + s.path},
			})
		}
	}
	sort.SliceStable(res.Components, func(i, j int) bool {
		a, b := res.Components[i], res.Components[j]
		if a.Details["path"] != b.Details["path"] {
			return a.Details["path"] < b.Details["path"]
		}
		if a.Product != b.Product {
			return a.Product < b.Product
		}
		return a.Details["slug"] < b.Details["slug"]
	})
	res.Notes = w.finalNotes()
	if w.ctxErr != nil {
		return res, w, fmt.Errorf("webapps: %w", w.ctxErr)
	}
	return res, w, nil
}
