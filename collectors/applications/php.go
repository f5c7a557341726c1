package applications

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"

	"github.com/demarc/demarc/internal/pkgdb"
	"github.com/demarc/demarc/report"
)

// phpFamily is one way of installing PHP branches side by side, each
// branch in its own prefix with its own packages.
type phpFamily struct {
	// instance names a branch: "ea-php" + "74".
	instance string
	// pkgBase is the packages' common prefix for a branch ("ea-php74").
	pkgBase func(xy string) string
	// pkgRe matches the family's package names; group 1 is the major
	// digit, group 2 the minor digits.
	pkgRe *regexp.Regexp
	// candidates are the package suffixes that carry PHP's version, in
	// order of preference ("-php-cli" for ea-php74-php-cli).
	candidates []string
	// glob finds the family's binaries; pathRe parses one.
	glob   string
	pathRe *regexp.Regexp
	// path is the binary of a branch.
	path func(major, minor string) string
}

// distroPHP is the distribution's PHP binary; branches beside it are
// distroPHP + "X.Y" (Debian's and Ubuntu's php8.2).
const distroPHP = "/usr/bin/php"

var phpFamilies = []phpFamily{
	{
		instance: "ea-php", pkgBase: func(xy string) string { return "ea-php" + xy },
		pkgRe:      regexp.MustCompile(`^ea-php([5-9])([0-9]{1,2})(?:-|$)`),
		candidates: []string{"-php-cli", "-php-common", "-php-fpm", ""},
		glob:       "/opt/cpanel/ea-php*/root/usr/bin/php",
		pathRe:     regexp.MustCompile(`^/opt/cpanel/ea-php([5-9])([0-9]{1,2})/root/usr/bin/php$`),
		path:       func(x, y string) string { return "/opt/cpanel/ea-php" + x + y + "/root/usr/bin/php" },
	},
	{
		instance: "alt-php", pkgBase: func(xy string) string { return "alt-php" + xy },
		pkgRe:      regexp.MustCompile(`^alt-php([5-9])([0-9]{1,2})(?:-|$)`),
		candidates: []string{"-cli", "-common", ""},
		glob:       "/opt/alt/php*/usr/bin/php",
		pathRe:     regexp.MustCompile(`^/opt/alt/php([5-9])([0-9]{1,2})/usr/bin/php$`),
		path:       func(x, y string) string { return "/opt/alt/php" + x + y + "/usr/bin/php" },
	},
	{
		instance: "plesk-php", pkgBase: func(xy string) string { return "plesk-php" + xy },
		pkgRe:      regexp.MustCompile(`^plesk-php([5-9])([0-9]{1,2})(?:-|$)`),
		candidates: []string{"-cli", ""},
		glob:       "/opt/plesk/php/*/bin/php",
		pathRe:     regexp.MustCompile(`^/opt/plesk/php/([5-9])\.([0-9]{1,2})/bin/php$`),
		path:       func(x, y string) string { return "/opt/plesk/php/" + x + "." + y + "/bin/php" },
	},
	{
		// DirectAdmin's CustomBuild compiles each PHP release it is told
		// to (php1_release…php4_release of its options.conf) into
		// /usr/local/phpXY; no package records it.
		instance: "da-php", pkgBase: func(xy string) string { return "da-php" + xy },
		pkgRe:  regexp.MustCompile(`^da-php([5-9])([0-9]{1,2})$`), // no such packages: binaries only
		glob:   "/usr/local/php*/bin/php",
		pathRe: regexp.MustCompile(`^/usr/local/php([5-9])([0-9]{1,2})/bin/php$`),
		path:   func(x, y string) string { return "/usr/local/php" + x + y + "/bin/php" },
	},
	{
		instance: "remi-php", pkgBase: func(xy string) string { return "php" + xy },
		pkgRe:      regexp.MustCompile(`^php([5-9])([0-9]{1,2})-(?:php-|runtime$)`),
		candidates: []string{"-php-cli", "-php-common"},
		glob:       "/opt/remi/php*/root/usr/bin/php",
		pathRe:     regexp.MustCompile(`^/opt/remi/php([5-9])([0-9]{1,2})/root/usr/bin/php$`),
		path:       func(x, y string) string { return "/opt/remi/php" + x + y + "/root/usr/bin/php" },
	},
}

// phpInstance is one PHP branch found on the host.
type phpInstance struct {
	instance     string
	major, minor string
	path         string        // binary, when it exists under the root
	pkg          pkgdb.Package // version-carrying package; Name "" when none
}

func (p phpInstance) branch() string { return p.major + "." + p.minor }

// php reports every PHP instance: the panel families first, then the
// distribution's own.
func (s *state) php() {
	var all []phpInstance
	for _, f := range phpFamilies {
		all = append(all, s.phpFamily(f)...)
	}
	all = append(all, s.systemPHP(len(all) == 0)...)
	for _, inst := range all {
		s.phpComponent(inst)
	}
}

// phpFamily finds a family's branches by package and by binary path.
func (s *state) phpFamily(f phpFamily) []phpInstance {
	found := map[string]*phpInstance{}
	get := func(x, y string) *phpInstance {
		if p := found[x+y]; p != nil {
			return p
		}
		p := &phpInstance{instance: f.instance + x + y, major: x, minor: y}
		found[x+y] = p
		return p
	}
	if s.Packages() != nil {
		prefix := f.pkgBase("")
		for _, p := range s.Packages().WithPrefix(prefix) {
			if m := f.pkgRe.FindStringSubmatch(p.Name); m != nil {
				get(m[1], m[2])
			}
		}
	}
	paths, _ := s.c.deps.Root.Glob(f.glob)
	for _, p := range paths {
		if m := f.pathRe.FindStringSubmatch(p); m != nil {
			get(m[1], m[2]).path = p
		}
	}
	var out []phpInstance
	for _, inst := range found {
		base := f.pkgBase(inst.major + inst.minor)
		for _, suffix := range f.candidates {
			if p, ok := s.Pkg(base + suffix); ok {
				inst.pkg = p
				break
			}
		}
		if inst.path == "" && s.c.deps.Root.Exists(f.path(inst.major, inst.minor)) {
			inst.path = f.path(inst.major, inst.minor)
		}
		out = append(out, *inst)
	}
	sortInstances(out)
	return out
}

var debPHP = regexp.MustCompile(`^(?:php|libapache2-mod-php)([5-9])\.([0-9]{1,2})(?:-(?:cli|common|fpm|cgi))?$`)

// systemPHP finds the distribution's PHP: Debian-style phpX.Y-* packages
// (several branches can sit side by side), or the RPM php-cli/php (SUSE:
// php8-cli/php8, php7-cli/php7). When
// no PHP was found at all and commands may run, `php -v` answers.
func (s *state) systemPHP(nothingElse bool) []phpInstance {
	var out []phpInstance
	if s.Packages() != nil {
		seen := map[string]bool{}
		for _, prefix := range []string{"php", "libapache2-mod-php"} {
			for _, p := range s.Packages().WithPrefix(prefix) {
				m := debPHP.FindStringSubmatch(p.Name)
				if m == nil || seen[m[1]+"."+m[2]] {
					continue
				}
				seen[m[1]+"."+m[2]] = true
				out = append(out, s.debBranch(m[1], m[2]))
			}
		}
		if len(out) == 0 {
			// RPM: php-cli (RHEL family), php8-cli / php7-cli (SUSE).
			for _, name := range []string{"php-cli", "php-common", "php", "php8-cli", "php8", "php7-cli", "php7"} {
				if p, ok := s.Pkg(name); ok {
					out = append(out, phpInstance{pkg: p, path: s.existing(distroPHP)})
					break
				}
			}
		}
	}
	sortInstances(out)
	for i := range out {
		out[i].instance = "system"
		if len(out) > 1 {
			out[i].instance = "system-" + out[i].branch()
		}
	}
	if len(out) == 0 && nothingElse && s.c.deps.Live != nil {
		if p, err := s.c.deps.Run.LookPath("php"); err == nil {
			out = append(out, phpInstance{instance: "system", path: p})
		}
	}
	return out
}

func (s *state) debBranch(x, y string) phpInstance {
	inst := phpInstance{major: x, minor: y, path: s.existing(distroPHP + x + "." + y)}
	for _, name := range []string{"-cli", "-common", "-fpm", "-cgi"} {
		if p, ok := s.Pkg("php" + x + "." + y + name); ok {
			inst.pkg = p
			return inst
		}
	}
	for _, name := range []string{"libapache2-mod-php" + x + "." + y, "php" + x + "." + y} {
		if p, ok := s.Pkg(name); ok {
			inst.pkg = p
			return inst
		}
	}
	return inst
}

// existing returns p when it exists under the root, else "".
func (s *state) existing(p string) string {
	if s.c.deps.Root.Exists(p) {
		return p
	}
	return ""
}

// phpComponent reports one instance: version from its package, else from
// its binary's -v (live), else unknown with the branch from its name.
func (s *state) phpComponent(inst phpInstance) {
	comp := report.Component{Product: "php", Details: map[string]string{}}
	ok := false
	if inst.pkg.Name != "" {
		comp, ok = s.PackageComponent("php", inst.pkg)
	}
	if !ok && inst.path != "" {
		comp, ok = s.fromBinary(ParsePHPVersion, inst.path, "-v")
	}
	if !ok {
		if inst.major == "" {
			return // a php binary on PATH that did not answer
		}
		comp = report.Component{Product: "php", Source: inst.path, Details: map[string]string{}}
		why := "its binary is not run on a mounted root"
		if s.c.deps.Live != nil {
			why = "its binary gave no version"
		}
		s.Note("%s: version unknown: no package, and %s", inst.instance, why)
	}
	comp.Details["instance"] = inst.instance
	if inst.path != "" {
		comp.Details["path"] = inst.path
	}
	if inst.major != "" {
		comp.Details["branch"] = inst.branch()
		if comp.Version != "" && branchOf(comp.Version) != inst.branch() {
			s.Note("%s: version %s is not of branch %s", inst.instance, comp.Version, inst.branch())
		}
	} else if comp.Version != "" {
		comp.Details["branch"] = branchOf(comp.Version)
	}
	delete(comp.Details, "binary")
	s.Add(comp)
}

func sortInstances(list []phpInstance) {
	key := func(p phpInstance) (int, int) {
		x, _ := strconv.Atoi(p.major)
		y, _ := strconv.Atoi(p.minor)
		return x, y
	}
	sort.Slice(list, func(i, j int) bool {
		xi, yi := key(list[i])
		xj, yj := key(list[j])
		if xi != xj {
			return xi < xj
		}
		return yi < yj
	})
}

// branchOf is X.Y of a version.
func branchOf(v string) string {
	var x, y int
	if n, _ := fmt.Sscanf(v, "%d.%d", &x, &y); n == 2 {
		return fmt.Sprintf("%d.%d", x, y)
	}
	return v
}
