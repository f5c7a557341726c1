// Package repomd computes dnf's pending updates natively: from the root's
// repository configuration (/etc/dnf/dnf.conf, /etc/yum.repos.d, the
// variables of /etc/dnf/vars), the repository metadata dnf cached under
// /var/cache/dnf/<repoid>-<hash>/repodata (repomd.xml, primary.xml and
// updateinfo.xml, plain or gz, xz, zst, bz2) and the installed packages,
// with dnf 4's rules for `dnf check-update` and `dnf updateinfo list
// --security`. Where a case is beyond what it can decide with certainty
// it returns an error wrapping ErrUndecidable that says why, and the
// caller asks dnf instead: it never guesses.
//
// The rules, as dnf 4 (libdnf) applies them:
//   - Repositories: every *.repo section, enabled unless enabled=0; the
//     cache directory is <repoid>-<the first 8 bytes of the SHA-256 of the
//     metalink, else the mirrorlist, else the first baseurl, variables
//     expanded, in hex> (libdnf's Repo::Impl::getHash); none, or no
//     repomd.xml in it, is undecidable (dnf -C fails there).
//   - Excludes: [main] exclude=/excludepkgs= and each repository's, and
//     includepkgs=, as globs against name, name.arch, name-version,
//     name-version-release, name-evr.arch; a glob naming a file is
//     undecidable.
//   - Upgrades (hawkey's upgrades_by_priority, then latest per name.arch):
//     an available package upgrades when an installed package has its name
//     and its arch (or either is noarch) and every such installed package
//     is older; of each name.arch only the repositories of the best
//     priority count, and the newest wins.
//   - Security (updateinfo list --security): a security advisory's package
//     counts when an installed package of its name and arch is older.
//
// The same updateinfo serves zypper: ReadAdvisories reads the advisories
// of one repository's repodata (libzypp's raw cache, ZyppRawCache), and
// MatchSecurity matches them to the pending updates zypper lists, by
// libsolv's rule for a patch's packages.
//
// A version pkgver cannot order is undecidable too, never compared as a
// string.
//
// Undecidable: no repository configuration at all; a [main] option that
// changes where dnf looks (reposdir outside the defaults is followed;
// installroot, varsdir, include are not); an unknown variable in a URL;
// the versionlock (or local, priorities) plugin enabled; a repository with
// module metadata that ships a package installed here (modular filtering
// is dnf's); an available package obsoleting a different installed
// package; a cache of solv files without the XML; installed packages
// with the name of one upgrade in more than one arch when the upgrade is
// noarch; noarch installed, an arch upgrade offered.
package repomd

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/demarc/demarc/internal/hostfs"
	"github.com/demarc/demarc/internal/pkgdb"
	"github.com/demarc/demarc/internal/pkgver"
)

var (
	// ErrUndecidable means the native evaluation cannot decide with
	// certainty what dnf would answer; the error says why.
	ErrUndecidable = errors.New("not decidable natively")
	// ErrMalformed means a metadata file does not parse.
	ErrMalformed = errors.New("malformed repository metadata")
)

// CacheDir is dnf 4's system cache.
const CacheDir = "/var/cache/dnf"

// Update is one pending update, as dnf check-update lists it.
type Update struct {
	Name, Arch string
	// Installed is the installed version it replaces (the name.arch's,
	// else the name's newest), Candidate the newest offered.
	Installed, Candidate string
	Repo                 string
	// Security is true when a security advisory updates name.arch past
	// the installed version; Advisories are their ids, Severity the
	// highest severity among them, CVEs their CVE references.
	Security   bool
	Advisories []string
	Severity   string
	CVEs       []string
}

// Result is the native answer.
type Result struct {
	Updates []Update
	// SecurityDataAvailable is true when an enabled repository's
	// repomd.xml lists updateinfo.
	SecurityDataAvailable bool
	// Repos are the enabled repositories read.
	Repos []string
}

// Evaluate computes the pending updates of the root with the installed
// packages db (read natively or by rpm).
func Evaluate(root hostfs.Root, db *pkgdb.DB) (*Result, error) {
	if db.Format != pkgver.RPM {
		return nil, fmt.Errorf("%w: the package database is not rpm's", ErrUndecidable)
	}
	releasever, err := detectReleasever(db)
	if err != nil {
		return nil, err
	}
	cfg, err := readConfig(root, releasever, detectBasearch(db))
	if err != nil {
		return nil, err
	}
	if len(cfg.repos) == 0 {
		return nil, fmt.Errorf("%w: no repository configuration (/etc/yum.repos.d/*.repo)", ErrUndecidable)
	}
	if solvOnly(root, cfg) {
		return nil, fmt.Errorf("%w: the cache has solv files but no repodata", ErrUndecidable)
	}
	installed := map[string][]pkgdb.Package{} // by name
	for _, p := range db.Packages {
		installed[p.Name] = append(installed[p.Name], p)
	}
	res := &Result{}
	var avail []Available
	var advisories []Advisory
	for _, r := range cfg.repos {
		if !r.Enabled {
			continue
		}
		dir, err := cacheDir(root, r)
		if err != nil {
			return nil, err
		}
		md, err := readRepomd(root, dir)
		if err != nil {
			return nil, fmt.Errorf("repository %s: %w", r.ID, err)
		}
		if href := md.location("modules"); href != "" {
			if err := checkModules(root, dir, href, installed); err != nil {
				return nil, fmt.Errorf("repository %s: %w", r.ID, err)
			}
		}
		pkgs, err := readPrimary(root, dir, md.location("primary"), r.ID)
		if err != nil {
			return nil, fmt.Errorf("repository %s: %w", r.ID, err)
		}
		for _, p := range pkgs {
			if !excluded(p, cfg, r) {
				avail = append(avail, p)
			}
		}
		if href := md.location("updateinfo"); href != "" {
			res.SecurityDataAvailable = true
			adv, err := readUpdateinfo(root, dir, href, nil)
			if err != nil {
				return nil, fmt.Errorf("repository %s: %w", r.ID, err)
			}
			advisories = append(advisories, adv...)
		}
		res.Repos = append(res.Repos, r.ID)
	}
	prio := map[string]int{}
	for _, r := range cfg.repos {
		prio[r.ID] = r.Priority
	}
	if err := checkObsoletes(avail, installed); err != nil {
		return nil, err
	}
	ups, err := upgrades(avail, installed, prio)
	if err != nil {
		return nil, err
	}
	sec, err := securityIndex(advisories, installed)
	if err != nil {
		return nil, err
	}
	for i := range ups {
		if s, ok := sec[ups[i].Name+"."+ups[i].Arch]; ok {
			ups[i].Security = true
			ups[i].Advisories, ups[i].Severity, ups[i].CVEs = s.Advisories, s.Severity, s.CVEs
		}
	}
	res.Updates = ups
	return res, nil
}

// detectReleasever follows dnf's detect_releasever: the package that
// provides system-release(releasever) (else redhat-release); the version
// of that provide when it has one and the package is not named like it,
// else the package's version. "" when no package provides either; more
// than one provider is undecidable.
func detectReleasever(db *pkgdb.DB) (string, error) {
	for _, capName := range []string{"system-release(releasever)", "redhat-release"} {
		var found []string
		for _, p := range db.Packages {
			for _, pr := range p.Provides {
				if pr.Name != capName {
					continue
				}
				v := pr.Version
				if i := strings.IndexByte(v, ':'); i >= 0 {
					v = v[i+1:]
				}
				if v == "" || p.Name == capName {
					v = p.Version
					if i := strings.IndexByte(v, ':'); i >= 0 {
						v = v[i+1:]
					}
					if i := strings.LastIndexByte(v, '-'); i >= 0 {
						v = v[:i]
					}
				} else if i := strings.LastIndexByte(v, '-'); i >= 0 {
					v = v[:i]
				}
				found = append(found, v)
				break
			}
		}
		switch len(found) {
		case 0:
			continue
		case 1:
			return found[0], nil
		}
		return "", fmt.Errorf("%w: %d packages provide %s", ErrUndecidable, len(found), capName)
	}
	return "", nil
}

// basearchOf maps rpm architectures to dnf's base architecture.
var basearchOf = map[string]string{
	"x86_64": "x86_64", "amd64": "x86_64", "i386": "i386", "i486": "i386", "i586": "i386", "i686": "i386", "athlon": "i386",
	"aarch64": "aarch64", "ppc64le": "ppc64le", "ppc64": "ppc64", "s390x": "s390x", "armv7hl": "armhfp", "riscv64": "riscv64",
}

// corePackages are packages every RPM host has in its own architecture.
var corePackages = []string{"rpm", "glibc", "bash", "filesystem", "coreutils", "systemd", "kernel-core", "kernel", "openssl-libs"}

// detectBasearch is the base architecture of the root's own core
// packages, not of the scanning machine (dnf --installroot would take the
// scanning machine's); a 32-bit multilib package beside 64-bit ones does
// not count; "" when unknown or contradictory.
func detectBasearch(db *pkgdb.DB) string {
	seen := map[string]bool{}
	for _, n := range corePackages {
		for _, p := range db.Get(n) {
			if b := basearchOf[p.Arch]; b != "" {
				seen[b] = true
			}
		}
	}
	if len(seen) == 2 && seen["i386"] {
		delete(seen, "i386")
	}
	if len(seen) != 1 {
		return ""
	}
	for b := range seen {
		return b
	}
	return ""
}

// cacheDir is the repository's cache directory, named as libdnf names it.
func cacheDir(root hostfs.Root, r Repo) (string, error) {
	sum := sha256.Sum256([]byte(r.URL))
	dir := path.Join(CacheDir, r.ID+"-"+hex.EncodeToString(sum[:8]))
	if fi, err := root.Stat(dir); err != nil || !fi.IsDir() {
		return "", fmt.Errorf("%w: no cache for repository %s (%s)", ErrUndecidable, r.ID, dir)
	}
	return dir, nil
}

// solvOnly reports a cache holding solv files for an enabled repository
// whose repodata directory is missing.
func solvOnly(root hostfs.Root, cfg *config) bool {
	for _, r := range cfg.repos {
		if r.Enabled && root.Exists(path.Join(CacheDir, r.ID+".solv")) {
			if _, err := cacheDir(root, r); err != nil {
				return true
			}
		}
	}
	return false
}

func readPrimary(root hostfs.Root, dir, href, repo string) ([]Available, error) {
	if href == "" {
		return nil, fmt.Errorf("%w: repomd.xml lists no primary", ErrUndecidable)
	}
	f, _, err := open(root, dir, href)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parsePrimary(f, repo)
}

func checkModules(root hostfs.Root, dir, href string, installed map[string][]pkgdb.Package) error {
	f, p, err := open(root, dir, href)
	if err != nil {
		return err
	}
	defer f.Close()
	names, err := moduleNames(f)
	if err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	var hit []string
	for n := range names {
		if len(installed[n]) > 0 {
			hit = append(hit, n)
		}
	}
	if len(hit) > 0 {
		sort.Strings(hit)
		return fmt.Errorf("%w: modular packages installed (%s): module filtering is dnf's", ErrUndecidable, strings.Join(hit[:min(3, len(hit))], ", "))
	}
	return nil
}

// excluded applies [main] and the repository's excludes and includes.
func excluded(p Available, cfg *config, r Repo) bool {
	for _, g := range append(append([]string{}, cfg.exclude...), r.Exclude...) {
		if matchPkg(g, p) {
			return true
		}
	}
	for _, inc := range [][]string{cfg.include, r.Include} {
		if len(inc) == 0 {
			continue
		}
		in := false
		for _, g := range inc {
			if matchPkg(g, p) {
				in = true
			}
		}
		if !in {
			return true
		}
	}
	return false
}

// matchPkg matches a dnf package spec glob against the forms dnf's
// excludes match (a glob naming a file is refused by readConfig).
func matchPkg(glob string, p Available) bool {
	vr := p.EVR
	if i := strings.IndexByte(vr, ':'); i >= 0 {
		vr = vr[i+1:]
	}
	ver := vr
	if i := strings.LastIndexByte(ver, '-'); i >= 0 {
		ver = ver[:i]
	}
	for _, s := range []string{p.Name, p.Name + "." + p.Arch, p.Name + "-" + ver, p.Name + "-" + vr, p.Name + "-" + vr + "." + p.Arch, p.Name + "-" + p.EVR, p.Name + "-" + p.EVR + "." + p.Arch} {
		if ok, _ := path.Match(glob, s); ok {
			return true
		}
	}
	return false
}

// comparer orders rpm versions and keeps the first pair pkgver cannot
// order (an empty version): the caller returns that as undecidable
// instead of guessing an order.
type comparer struct{ err error }

func (c *comparer) cmp(a, b string) int {
	n, err := pkgver.Compare(pkgver.RPM, a, b)
	if err != nil && c.err == nil {
		c.err = fmt.Errorf("%w: cannot order versions %q and %q: %v", ErrUndecidable, a, b, err)
	}
	return n
}

// archMatch is hawkey's what_upgrades arch rule.
func archMatch(a, b string) bool { return a == b || a == "noarch" || b == "noarch" }

// upgrades applies upgrades_by_priority and latest per name.arch.
func upgrades(avail []Available, installed map[string][]pkgdb.Package, prio map[string]int) ([]Update, error) {
	var c comparer
	cmp := c.cmp
	best := map[string]int{} // name.arch => best priority
	for _, a := range avail {
		k := a.Name + "." + a.Arch
		if p, ok := best[k]; !ok || prio[a.Repo] < p {
			best[k] = prio[a.Repo]
		}
	}
	latest := map[string]Available{}
	for _, a := range avail {
		k := a.Name + "." + a.Arch
		if prio[a.Repo] != best[k] {
			continue
		}
		matched, newer := false, true
		for _, i := range installed[a.Name] {
			if archMatch(i.Arch, a.Arch) {
				matched = true
				if cmp(i.Version, a.EVR) >= 0 {
					newer = false
				}
			}
		}
		if !matched || !newer {
			continue
		}
		if cur, ok := latest[k]; !ok || cmp(a.EVR, cur.EVR) > 0 || cmp(a.EVR, cur.EVR) == 0 && a.Repo < cur.Repo {
			latest[k] = a
		}
	}
	if c.err != nil {
		return nil, c.err
	}
	out := make([]Update, 0, len(latest))
	for _, a := range latest {
		var archs []string
		newest := map[string]string{}
		for _, i := range installed[a.Name] {
			if cur, ok := newest[i.Arch]; !ok || cmp(i.Version, cur) > 0 {
				if !ok {
					archs = append(archs, i.Arch)
				}
				newest[i.Arch] = i.Version
			}
		}
		if a.Arch == "noarch" && len(archs) > 1 {
			return nil, fmt.Errorf("%w: %s.noarch would upgrade %s installed in %d architectures", ErrUndecidable, a.Name, a.Name, len(archs))
		}
		if a.Arch != "noarch" && newest[a.Arch] == "" {
			return nil, fmt.Errorf("%w: %s: noarch installed, %s offered", ErrUndecidable, a.Name, a.Arch)
		}
		inst := newest[a.Arch]
		if inst == "" { // the collector's rule: name.arch, else the name's newest
			for _, v := range newest {
				if inst == "" || cmp(v, inst) > 0 {
					inst = v
				}
			}
		}
		out = append(out, Update{Name: a.Name, Arch: a.Arch, Installed: inst, Candidate: a.EVR, Repo: a.Repo})
	}
	if c.err != nil {
		return nil, c.err
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Arch < out[j].Arch
	})
	return out, nil
}

// checkObsoletes refuses an available package that obsoletes a
// differently named installed package at its installed version.
func checkObsoletes(avail []Available, installed map[string][]pkgdb.Package) error {
	var c comparer
	for _, a := range avail {
		for _, o := range a.Obsoletes {
			if o.Name == a.Name {
				continue
			}
			for _, i := range installed[o.Name] {
				hit := satisfies(&c, i.Version, o)
				if c.err != nil {
					return c.err
				}
				if hit {
					return fmt.Errorf("%w: %s-%s.%s (%s) obsoletes the installed %s", ErrUndecidable, a.Name, a.EVR, a.Arch, a.Repo, o.Name)
				}
			}
		}
	}
	return nil
}

// satisfies reports whether version v meets the dependency's range; a
// range without release compares without the installed release.
func satisfies(c *comparer, v string, d Dep) bool {
	if d.Flags == "" {
		return true
	}
	if !strings.Contains(strings.TrimPrefix(d.EVR, strings.SplitN(d.EVR, ":", 2)[0]+":"), "-") {
		if i := strings.LastIndexByte(v, '-'); i >= 0 {
			v = v[:i]
		}
	}
	n := c.cmp(v, d.EVR)
	switch d.Flags {
	case "EQ":
		return n == 0
	case "LT":
		return n < 0
	case "LE":
		return n <= 0
	case "GT":
		return n > 0
	case "GE":
		return n >= 0
	}
	return true // an unknown flag: counted as applying, so undecidable
}
