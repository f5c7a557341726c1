package packages

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/internal/aptpolicy"
	"github.com/demarc/demarc/internal/execx"
	"github.com/demarc/demarc/internal/hostfs"
	"github.com/demarc/demarc/internal/pkgdb"
	"github.com/demarc/demarc/internal/pkgmgr"
	"github.com/demarc/demarc/internal/repomd"
	"github.com/demarc/demarc/report"
)

// DefaultTimeout bounds each package-manager command. A simulated
// dist-upgrade of a large Debian host takes seconds; a minute and a half
// means the manager hangs (a stuck NFS mount, a plugin waiting on the
// network) and the scan must go on without it.
const DefaultTimeout = 90 * time.Second

var (
	// ErrUnexpectedOutput means a package manager printed something in a
	// shape the parser does not know, or counts that contradict its own
	// summary. No Updates are reported from such output.
	ErrUnexpectedOutput = errors.New("unexpected package manager output")
	// ErrManagerFailed means a package manager exited with an error status
	// (a missing cache in cache-only mode, broken configuration).
	ErrManagerFailed = errors.New("package manager failed")
)

// Collector reports pending OS package updates, computed natively from
// the manager's files where that is certain (dnf 4), else asking the
// host's own package manager offline.
type Collector struct {
	deps    collectors.Deps
	timeout time.Duration
	// simulateOnly skips the native apt evaluation (tests of the
	// apt-get path).
	simulateOnly bool
}

// New returns the packages collector.
func New(deps collectors.Deps) *Collector {
	return &Collector{deps: deps, timeout: DefaultTimeout}
}

// Name implements collectors.Collector.
func (c *Collector) Name() string { return "packages" }

// Sources implements collectors.Collector.
func (c *Collector) Sources() collectors.Sources {
	return collectors.Sources{
		Detects: "pending OS package updates (count, security count, each package, its advisories), offline and without locks: apt's and dnf 4's computed natively from their own files where that is certain, the manager itself asked otherwise",
		Files:   sourceFiles(),
		Commands: []string{
			"apt: none when the native evaluation of its files decides; the next two are the fallback",
			"apt-get -o Debug::NoLocking=true -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o Dir::Log::Planner= -o Dir::Log::History= -o Dir::Log::Terminal= -o APT::Get::Show-User-Simulation-Note=false -s -q -V dist-upgrade",
			"apt list --upgradable [kept-back packages]",
			"dnf -q -C check-update", "dnf -q -C check-upgrade --json (dnf5)", "dnf -q -C updateinfo list --security",
			"yum -q -C check-update", "yum -q -C updateinfo list security",
			"zypper --non-interactive --no-refresh --xmlout list-updates", "zypper --non-interactive --no-refresh --xmlout list-patches --category security",
			"apk --no-network list --upgradable", "apk --no-network version -l <",
			pkgdb.Commands[0],
		},
		Privileges:  "none for apt and apk; dnf, yum and zypper read their system cache, which needs read access to /var/cache (root on most hosts)",
		NotDetected: "no supported package manager (" + strings.Join(pkgmgr.Names(), ", ") + ") under the root: no updates section and a note, no error",
	}
}

// The files isDnf5 looks at.
const (
	dnfBinary  = "/usr/bin/dnf"
	dnf5Binary = "/usr/bin/dnf5"
	dnf4Binary = "/usr/bin/dnf-3"
	// dnfCacheDir is dnf 4's system cache, whose repositories the private
	// cache links to under another root.
	dnfCacheDir = "/var/cache/dnf"
)

// sourceFiles are the files the collector reads: every manager's markers
// and metadata (what detect and metadataAge read), apt's files the native
// evaluation reads, the dnf binaries isDnf5 tells dnf4 from dnf5 by, dnf's
// cache directory and the shared package database (installed versions on
// RPM hosts).
func sourceFiles() []string {
	var out []string
	for _, m := range pkgmgr.Managers {
		for _, f := range slices.Concat(m.Markers, m.Metadata) {
			if !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	for _, f := range aptpolicy.Files {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return slices.Concat(out, []string{dnfBinary, dnf5Binary, dnf4Binary, dnfCacheDir,
		// The native dnf evaluation's (internal/repomd).
		"/etc/dnf/dnf.conf", "/etc/dnf/vars/*", "/etc/dnf/plugins/*.conf",
		repomd.CacheDir + "/*/repodata/*", repomd.CacheDir + "/*.solv",
		// zypper's advisories: libzypp's raw cache of each repository.
		repomd.ZyppRawCache, repomd.ZyppRawCache + "/*/repodata/*"}, repomd.ReposDirs, pkgdb.Files)
}

// collectFunc asks one manager for its pending updates.
type collectFunc func(c *Collector, ctx context.Context, res *collectors.Result, p *private) (*report.Updates, error)

// nativeFunc computes one manager's pending updates from its files,
// without running it; an error means the manager must be asked instead.
type nativeFunc func(c *Collector, ctx context.Context, res *collectors.Result) (*report.Updates, error)

// manager is the host's package manager: its descriptor, how it is
// evaluated natively (nil: never) and how it is asked.
type manager struct {
	pkgmgr.Manager
	native  nativeFunc
	collect collectFunc
}

// natives choose the native evaluation of a manager, given its root.
var natives = map[string]func(root hostfs.Root) nativeFunc{
	"apt": func(hostfs.Root) nativeFunc { return (*Collector).nativeApt },
	"dnf": func(root hostfs.Root) nativeFunc {
		if isDnf5(root) {
			return nil // dnf5's cache (/var/cache/libdnf5) is not read natively
		}
		return (*Collector).nativeDnf
	},
}

// parsers choose how each manager of pkgmgr.Managers is asked, given the
// root it was found under.
var parsers = map[string]func(root hostfs.Root) collectFunc{
	"apt": func(hostfs.Root) collectFunc { return (*Collector).collectApt },
	"dnf": func(root hostfs.Root) collectFunc {
		if isDnf5(root) {
			return rpmCollect(dnf5)
		}
		return rpmCollect(dnf4)
	},
	"yum":    func(hostfs.Root) collectFunc { return rpmCollect(yum) },
	"zypper": func(hostfs.Root) collectFunc { return (*Collector).collectZypper },
	"apk":    func(hostfs.Root) collectFunc { return (*Collector).collectApk },
}

// detect picks the host's package manager from its files (never from the
// binaries of the scanning machine), or nil.
func detect(root hostfs.Root) *manager {
	d, ok := pkgmgr.Detect(root.Exists)
	if !ok {
		return nil
	}
	parser, ok := parsers[d.Name]
	if !ok {
		return nil // a descriptor without a parser: TestEveryManagerHasAParser
	}
	m := &manager{Manager: d, collect: parser(root)}
	if n, ok := natives[d.Name]; ok {
		m.native = n(root)
	}
	return m
}

// isDnf5 reports whether the root's dnf is dnf5: /usr/bin/dnf links to
// dnf5 (Fedora 41+), or dnf5 is there and dnf4's dnf-3 is not.
func isDnf5(root hostfs.Root) bool {
	if target, err := root.Readlink(dnfBinary); err == nil {
		return strings.HasPrefix(target[strings.LastIndexByte(target, '/')+1:], "dnf5")
	}
	return root.Exists(dnf5Binary) && !root.Exists(dnf4Binary)
}

// Collect implements collectors.Collector.
func (c *Collector) Collect(ctx context.Context) (collectors.Result, error) {
	var res collectors.Result
	m := detect(c.deps.Root)
	if m == nil {
		res.Notes = append(res.Notes, "no supported package manager ("+strings.Join(pkgmgr.Names(), ", ")+") found: pending updates not checked")
		return res, nil
	}
	var nativeErr error
	if m.native != nil {
		u, err := m.native(c, ctx, &res)
		if err == nil {
			u.MetadataAgeSeconds = c.metadataAge(m.Metadata)
			sortPackages(u)
			res.Updates = u
			return res, nil
		}
		nativeErr = err
	}
	if _, err := c.deps.Run.LookPath(m.Binary); err != nil {
		why := ""
		if nativeErr != nil && !errors.Is(nativeErr, errNativeNoted) {
			why = " (" + clip(nativeErr.Error()) + ")"
		}
		if !c.deps.Root.IsSlash() {
			return res, fmt.Errorf("%s: cannot ask %s about the root %s from this machine%s: %w: %w",
				m.Name, m.Binary, c.deps.Root.Dir(), why, collectors.ErrNotApplicable, err)
		}
		return res, fmt.Errorf("%s: the host has %s's files but no %s%s: %w", m.Name, m.Name, m.Binary, why, err)
	}
	p, err := newPrivate()
	if err != nil {
		return res, fmt.Errorf("%s: %w", m.Name, err)
	}
	defer p.remove()
	u, err := m.collect(c, ctx, &res, p)
	if u != nil && nativeErr != nil && !errors.Is(nativeErr, errNativeNoted) {
		u.Source += " (asked " + m.Name + ": " + clip(nativeErr.Error()) + ")"
	}
	if u != nil {
		u.MetadataAgeSeconds = c.metadataAge(m.Metadata)
		sortPackages(u)
		res.Updates = u
	}
	return res, err
}

// run runs one package-manager command with the collector's timeout.
func (c *Collector) run(ctx context.Context, argv []string, env ...string) (execx.Result, error) {
	return c.deps.Run.Run(ctx, execx.Cmd{Argv: argv, Timeout: c.timeout, Env: env})
}

// failed is the error for a command that exited with an error status.
func failed(argv []string, r execx.Result) error {
	return fmt.Errorf("%s: %w: exit %d: %s", strings.Join(argv, " "), ErrManagerFailed, r.ExitCode, firstLine(r.Stderr, r.Stdout))
}

// newUpdates starts the Updates of one run of argv; the source names the
// private directory "[private]".
func newUpdates(mgr string, argv []string, p *private) *report.Updates {
	return &report.Updates{Manager: mgr, Source: displayArgv(argv, p), MetadataAgeSeconds: -1, Packages: []report.Package{}}
}

// sortPackages orders the packages by name, then architecture, and counts
// them; SecurityCount is left alone when it is already set (zypper counts
// patches).
func sortPackages(u *report.Updates) {
	sort.SliceStable(u.Packages, func(i, j int) bool {
		a, b := u.Packages[i], u.Packages[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Arch < b.Arch
	})
	u.Count = len(u.Packages)
	if u.SecurityCount == 0 {
		for _, p := range u.Packages {
			if p.Security {
				u.SecurityCount++
			}
		}
	}
}

// metadataAge is the age in seconds of the newest file matching globs, -1
// when none exists.
func (c *Collector) metadataAge(globs []string) int64 {
	var newest time.Time
	for _, g := range globs {
		paths, _ := c.deps.Root.Glob(g)
		for _, p := range paths {
			if st, err := c.deps.Root.Stat(p); err == nil && st.ModTime().After(newest) {
				newest = st.ModTime()
			}
		}
	}
	if newest.IsZero() {
		return -1
	}
	age := c.now().Sub(newest)
	if age < 0 {
		return 0
	}
	return int64(age / time.Second)
}

func (c *Collector) now() time.Time {
	if c.deps.Now != nil {
		return c.deps.Now()
	}
	return time.Now()
}

// installedVersions maps "name.arch" and "name" to the newest installed
// version, from the shared package database. A failure is a partial error:
// the updates are still reported, without installed versions.
func (c *Collector) installedVersions(ctx context.Context, res *collectors.Result) map[string]string {
	db, err := c.deps.InstalledPackages(ctx)
	if err != nil {
		res.Errors = append(res.Errors, fmt.Errorf("installed versions: %w", err))
		return nil
	}
	out := make(map[string]string, 2*len(db.Packages))
	for _, p := range db.Packages { // sorted by name, then version: the last wins
		out[p.Name+"."+p.Arch] = p.Version
		out[p.Name] = p.Version
	}
	return out
}

// firstLine returns the first non-empty line of the first non-empty
// output, shortened, for error messages.
func firstLine(outs ...[]byte) string {
	for _, b := range outs {
		for _, l := range strings.Split(string(b), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				return clip(l)
			}
		}
	}
	return "no output"
}
