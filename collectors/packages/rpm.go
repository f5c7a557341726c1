package packages

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/internal/pkgdb"
	"github.com/demarc/demarc/internal/repomd"
	"github.com/demarc/demarc/report"
)

// rpmFlavor is one of the RPM-family front ends.
type rpmFlavor int

const (
	dnf4 rpmFlavor = iota
	dnf5
	yum
)

func (f rpmFlavor) binary() string {
	if f == yum {
		return "yum"
	}
	return "dnf"
}

// rpmCache globs each flavor's cached repomd.xml files.
var rpmCache = map[rpmFlavor]string{
	dnf4: "/var/cache/dnf/*/repodata/repomd.xml",
	dnf5: "/var/cache/libdnf5/*/repodata/repomd.xml",
	yum:  "/var/cache/yum/*/*/*/repomd.xml",
}

func rpmCollect(f rpmFlavor) func(*Collector, context.Context, *collectors.Result, *private) (*report.Updates, error) {
	return func(c *Collector, ctx context.Context, res *collectors.Result, p *private) (*report.Updates, error) {
		return c.collectRPM(ctx, res, f, p)
	}
}

// rpmBase is the command, the global options and the environment of every
// call: quiet and cache-only (no network; a regular user may read the
// system cache), with dnf's logs in the private directory. Under another
// root, see rpmRoot.
func (c *Collector) rpmBase(f rpmFlavor, p *private) ([]string, []string, error) {
	bin := "dnf"
	if f == yum {
		bin = "yum"
	}
	argv := []string{bin, "-q", "-C"}
	if c.deps.Root.IsSlash() {
		if f == dnf4 {
			logDir, err := p.mkdir("dnf/log")
			if err != nil {
				return nil, nil, err
			}
			argv = append(argv, "--setopt=logdir="+logDir)
		}
		return argv, nil, nil
	}
	switch f {
	case yum: // not in Debian, so not run here: yum(8) documents --noplugins
		return append(argv, "--noplugins", "--installroot="+c.deps.Root.Dir()), nil, nil
	case dnf5: // not in Debian 12: unchanged, not run here
		return append(argv, "--installroot="+c.deps.Root.Dir()), nil, nil
	}
	return c.rpmRoot(argv, p)
}

// rpmRoot adds what dnf (4) needs to answer for another root without
// writing to it or running anything from it. --installroot makes dnf read
// the root's dnf.conf, repositories, variables and module state; every
// option it would write through is then overridden on the command line
// (which outranks the root's dnf.conf), into the private directory: the
// cache (a directory of symlinks to the root's cached repositories, so
// that the solv files and metadata_lock.pid dnf writes land beside them),
// the logs, and persistdir. dnf prefixes each with the installroot, so
// each is spelled as a climb from the root to "/" (fromRoot). --noplugins:
// no plugin is loaded, whatever pluginpath the root's dnf.conf names. The
// RPM database is a private copy, named by _dbpath in a private HOME's
// .rpmmacros (dnf has no option for it, and Debian's rpm would otherwise
// look for ~/.rpmdb inside the root).
func (c *Collector) rpmRoot(argv []string, p *private) ([]string, []string, error) {
	realRoot, err := filepath.EvalSymlinks(c.deps.Root.Dir())
	if err != nil {
		return nil, nil, err
	}
	dirs := map[string]string{}
	for _, d := range []string{"cache", "log", "lib", "home", "rpmdb"} {
		if dirs[d], err = p.mkdir("dnf/" + d); err != nil {
			return nil, nil, err
		}
	}
	if db, err := pkgdb.RPMDBPath(c.deps.Root); err == nil {
		if err := pkgdb.CopyRPMDB(c.deps.Root, db, dirs["rpmdb"]); err != nil {
			return nil, nil, err
		}
	}
	if err := c.linkRepoCaches(dirs["cache"]); err != nil {
		return nil, nil, err
	}
	macros := "%_dbpath " + fromRoot(realRoot, dirs["rpmdb"]) + "\n"
	if _, err := p.write("dnf/home/.rpmmacros", []byte(macros)); err != nil {
		return nil, nil, err
	}
	argv = append(argv, "--noplugins", "--installroot="+c.deps.Root.Dir(),
		"--setopt=cachedir="+fromRoot(realRoot, dirs["cache"]),
		"--setopt=logdir="+fromRoot(realRoot, dirs["log"]),
		"--setopt=persistdir="+fromRoot(realRoot, dirs["lib"]))
	return argv, []string{"HOME=" + dirs["home"]}, nil
}

// linkRepoCaches links each cached repository directory of the root's
// /var/cache/dnf (resolved inside the root) into the private cache.
func (c *Collector) linkRepoCaches(cache string) error {
	entries, err := c.deps.Root.ReadDir(dnfCacheDir)
	if err != nil {
		return nil // no cache: dnf -C says so itself
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		target, err := c.deps.Root.Resolve(dnfCacheDir + "/" + e.Name())
		if err != nil {
			continue
		}
		if err := os.Symlink(target, filepath.Join(cache, e.Name())); err != nil {
			return fmt.Errorf("private dnf cache: %w", err)
		}
	}
	return nil
}

// collectRPM lists pending updates with dnf or yum, joins the installed
// versions from the package database, and marks the packages that
// security advisories (updateinfo) update.
func (c *Collector) collectRPM(ctx context.Context, res *collectors.Result, f rpmFlavor, p *private) (*report.Updates, error) {
	base, env, err := c.rpmBase(f, p)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.binary(), err)
	}
	ups, argv, err := c.rpmCheckUpdate(ctx, res, f, base, env)
	if err != nil {
		return nil, err
	}
	u := newUpdates(argv[0], argv, p)
	installed := map[string]string{}
	if len(ups) > 0 {
		installed = c.installedVersions(ctx, res)
	}
	for _, r := range ups {
		inst := installed[r.Name+"."+r.Arch]
		if inst == "" {
			inst = installed[r.Name]
		}
		u.Packages = append(u.Packages, report.Package{Name: r.Name, Arch: r.Arch, Installed: inst, Candidate: r.EVR, Origin: r.Repo})
	}
	if !c.hasUpdateinfo(f) {
		return u, nil // CentOS 7 and old mirrors: no security metadata at all
	}
	sec, err := c.rpmSecurity(ctx, f, base, env)
	if err != nil {
		res.Errors = append(res.Errors, err)
		return u, nil
	}
	u.SecurityDataAvailable = true
	for i := range u.Packages {
		p := &u.Packages[i]
		if a, ok := sec[p.Name+"."+p.Arch]; ok {
			p.Security, p.Advisories, p.Severity = true, a.IDs, a.Severity
		}
	}
	return u, nil
}

// rpmCheckUpdate runs check-update (dnf4, yum) or check-upgrade --json
// (dnf5, falling back to its text form when the JSON option is missing).
// Exit 100 means updates, 0 none, anything else failure.
func (c *Collector) rpmCheckUpdate(ctx context.Context, res *collectors.Result, f rpmFlavor, base, env []string) ([]rpmUpdate, []string, error) {
	argv := append(append([]string{}, base...), "check-update")
	parse := parseDnfCheckUpdate
	if f == dnf5 {
		argv = append(append([]string{}, base...), "check-upgrade", "--json")
		parse = parseDnf5JSON
	}
	out, err := c.run(ctx, argv, env...)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", argv[0], err)
	}
	if f == dnf5 && out.ExitCode != 0 && out.ExitCode != 100 && !bytes.HasPrefix(bytes.TrimSpace(out.Stdout), []byte("{")) {
		res.Notes = append(res.Notes, fmt.Sprintf("dnf check-upgrade --json failed (%s); read the text output instead", firstLine(out.Stderr, out.Stdout)))
		argv = append(append([]string{}, base...), "check-upgrade")
		parse = parseDnfCheckUpdate
		if out, err = c.run(ctx, argv, env...); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", argv[0], err)
		}
	}
	if out.ExitCode != 0 && out.ExitCode != 100 {
		return nil, nil, failed(argv, out)
	}
	ups, err := parse(out.Stdout)
	if err != nil {
		return nil, nil, fmt.Errorf("%s check-update: %w", argv[0], err)
	}
	text := argv[len(argv)-1] != "--json"
	if text && (out.ExitCode == 0 && len(ups) > 0 || out.ExitCode == 100 && len(ups) == 0) {
		return nil, nil, fmt.Errorf("%s: %w: exit %d contradicts %d update rows", argv[0], ErrUnexpectedOutput, out.ExitCode, len(ups))
	}
	return ups, argv, nil
}

// hasUpdateinfo reports whether any cached repository metadata lists an
// updateinfo file (security advisories).
func (c *Collector) hasUpdateinfo(f rpmFlavor) bool {
	paths, _ := c.deps.Root.Glob(rpmCache[f])
	for _, p := range paths {
		if b, err := c.deps.Root.ReadFile(p); err == nil && bytes.Contains(b, []byte(`type="updateinfo"`)) {
			return true
		}
	}
	return false
}

// rpmSecurity lists the packages security advisories update.
func (c *Collector) rpmSecurity(ctx context.Context, f rpmFlavor, base, env []string) (map[string]*advisories, error) {
	argv := append(append([]string{}, base...), "updateinfo", "list", "--security")
	if f == yum {
		argv = append(append([]string{}, base...), "updateinfo", "list", "security")
	}
	out, err := c.run(ctx, argv, env...)
	if err != nil {
		return nil, fmt.Errorf("security advisories: %w", err)
	}
	if out.ExitCode != 0 {
		return nil, fmt.Errorf("security advisories: %w", failed(argv, out))
	}
	sec, err := parseUpdateinfo(out.Stdout)
	if err != nil {
		return nil, fmt.Errorf("security advisories: %w", err)
	}
	return sec, nil
}

// nativeSource is Updates.Source of a native dnf evaluation.
const nativeSource = "dnf's cached repository metadata, evaluated natively"

// nativeDnf computes dnf 4's pending updates from the root's repository
// configuration and cache and the installed packages (internal/repomd),
// without running dnf. Any error (a case repomd cannot decide, an
// unreadable package database) sends the collector to dnf.
func (c *Collector) nativeDnf(ctx context.Context, _ *collectors.Result) (*report.Updates, error) {
	db, err := c.deps.InstalledPackages(ctx)
	if err != nil {
		return nil, fmt.Errorf("installed packages: %w", err)
	}
	r, err := repomd.Evaluate(c.deps.Root, db)
	if err != nil {
		return nil, err
	}
	u := &report.Updates{Manager: "dnf", Source: nativeSource + " (" + strings.Join(r.Repos, ", ") + ")",
		MetadataAgeSeconds: -1, SecurityDataAvailable: r.SecurityDataAvailable, Packages: make([]report.Package, 0, len(r.Updates))}
	for _, p := range r.Updates {
		u.Packages = append(u.Packages, report.Package{Name: p.Name, Arch: p.Arch, Installed: p.Installed, Candidate: p.Candidate,
			Origin: p.Repo, Security: p.Security, Advisories: p.Advisories, Severity: p.Severity, CVEs: p.CVEs})
	}
	return u, nil
}
