package rules

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/demarc/demarc/report"
	"github.com/demarc/demarc/rules/lifecycle"
)

// thirdPartyRepo matches package versions built by a repository other
// than the distribution's: Ondřej Surý's PHP (deb.sury.org, "+0~2024…",
// ".gbp"), Remi, IUS, MariaDB's ("+maria~"), PGDG ("pgdg"), nginx.org
// ("-1~bookworm", ".ngx"), MySQL's APT/Yum repositories ("-1debian12",
// "-1ubuntu22.04"), cPanel/CloudLinux/Plesk builds.
var thirdPartyRepo = regexp.MustCompile(`(?i)sury|\+0~\d|\.gbp|remi|\bius\b|\.ius|maria~|pgdg|\.ngx|-\d+~[a-z]+$|-\d+debian\d|-\d+ubuntu\d\d\.\d\d$|cpanel|cloudlinux|plesk`)

// distroRevision matches a distribution's own build revision: Debian
// ("-1", "+deb12u1", "~deb12u1"), Ubuntu ("ubuntu0.22.04.1"), RHEL-likes
// (".el9", ".el8_10", "module+el8"; AlmaLinux and CloudLinux spell module
// builds "module_el8"), Amazon Linux (".amzn2", ".amzn2023"), SUSE
// ("150500.3.12.1"), Alpine ("-r2").
var distroRevision = regexp.MustCompile(`(?i)[+~]deb\d+u\d+|ubuntu\d*\.|\d+ubuntu\d+$|\.el\d+|module[+_]el|\.amzn\d|-\d+(\.\d+)*$|-r\d+$|\.\d{6}\.`)

// vendorPackage matches package names of software vendors' own builds,
// whatever their revision looks like: MariaDB's repositories
// ("MariaDB-server", "-1.el9"), MySQL's ("mysql-community-server"), Plesk's
// ("sw-nginx", "-ubuntu.22.04.240829"), cPanel's EasyApache ("ea-apache24")
// and Percona's.
var vendorPackage = regexp.MustCompile(`^(MariaDB-|mysql-community|percona-|sw-|ea-)`)

// distroPackaged reports whether an application came from the OS's own
// repositories: reported from the package database (a package version),
// not a panel's or vendor's build (PHP instances other than "system"), and
// a package version with a distribution revision and no third-party
// repository marker. A heuristic: see doc.go.
func (x *evaluation) distroPackaged(c report.Component) bool {
	pv := detail(c, "package_version")
	if pv == "" {
		return false
	}
	if c.Product == "php" && !strings.HasPrefix(detail(c, "instance"), "system") {
		return false
	}
	if vendorPackage.MatchString(detail(c, "package")) {
		return false
	}
	if thirdPartyRepo.MatchString(pv) {
		return false
	}
	return distroRevision.MatchString(pv)
}

// hardenedPHP reports whether c is CloudLinux's hardened PHP: an alt-php
// branch on CloudLinux OS, to which CloudLinux keeps backporting security
// fixes after PHP's own end of life. Elsewhere alt-php comes from TuxCare's
// paid PHP ELS, which demarc cannot see.
func (x *evaluation) hardenedPHP(c report.Component) bool {
	return c.Product == "php" && x.os.id == "cloudlinux" && strings.HasPrefix(detail(c, "instance"), "alt-php")
}

// hardenedGap words an upstream end of life of CloudLinux's hardened PHP
// truthfully: the branch stays a high-severity end of life (nothing but
// backported security fixes, only while the OS is supported, and the sites
// on it run a PHP nobody else maintains), but "no security fixes" would be
// untrue.
func (x *evaluation) hardenedGap(g *gap, st lifecycle.Status) {
	if st.Cycle == nil {
		return
	}
	g.what = fmt.Sprintf("PHP %s reached the end of upstream support %s; CloudLinux backports security fixes to its hardened build (%s) while %s is supported, but the branch gets nothing else",
		st.Cycle.Name, onDay(st.Cycle.End()), g.instance, x.osRelease())
}
