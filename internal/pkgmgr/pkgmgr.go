// Package pkgmgr describes the package managers demarc knows, one
// descriptor each: how the collector finds the manager under a root, which
// binary it asks, which database and metadata it reads, how its versions
// order, where its security flag comes from, and the commands a remediation
// names. Everything the code knows about one manager that is data, not a
// parser, is here; collectors/packages holds the parsers, rules the words
// around the commands. Adding a manager starts with an entry in Managers.
package pkgmgr

import (
	"slices"

	"github.com/demarc/demarc/internal/pkgver"
)

// Manager is one package manager.
type Manager struct {
	// Name is what report.Updates.Manager says: "apt", "dnf", "yum",
	// "zypper", "apk".
	Name string
	// Binary is argv[0] of its queries.
	Binary string
	// Markers are files under the root, every one of which must exist for
	// the manager to be the host's (the first manager of Managers whose
	// markers all exist is).
	Markers []string
	// Database is the installed-package database under the root.
	Database string
	// Metadata are globs of its repository metadata, whose newest mtime
	// dates its answer (dnf lists dnf5's and dnf4's caches).
	Metadata []string
	// Versions is its version order.
	Versions pkgver.Format
	// Security says where the security flag of a pending update comes
	// from, as the docs and the collector's sources word it.
	Security string
	// Upgrade installs the pending updates; Refresh refreshes the
	// repository metadata. Both are quoted in remediations.
	Upgrade, Refresh string
}

// Managers are the supported managers, in detection order (apt before the
// RPM managers: a Debian host with rpm installed is still apt's; dnf before
// yum: EL8+ keeps a yum.conf for compatibility).
var Managers = []Manager{
	{
		Name: "apt", Binary: "apt-get", Markers: []string{"/var/lib/dpkg/status", "/etc/apt"},
		Database: "/var/lib/dpkg/status",
		Metadata: []string{"/var/lib/apt/lists/*_InRelease", "/var/lib/apt/lists/*_Release"},
		Versions: pkgver.Deb,
		Security: "the candidate's origin is a security archive or pocket (Debian-Security, <codename>-security)",
		Upgrade:  "apt-get upgrade, or unattended-upgrades", Refresh: "apt-get update",
	},
	{
		Name: "dnf", Binary: "dnf", Markers: []string{"/etc/dnf"},
		Database: "/var/lib/rpm",
		Metadata: []string{"/var/cache/libdnf5/*/repodata/repomd.xml", "/var/cache/dnf/*/repodata/repomd.xml"},
		Versions: pkgver.RPM,
		Security: "the repositories' updateinfo advisories of type security",
		Upgrade:  "dnf upgrade", Refresh: "dnf makecache",
	},
	{
		Name: "yum", Binary: "yum", Markers: []string{"/etc/yum.conf"},
		Database: "/var/lib/rpm",
		Metadata: []string{"/var/cache/yum/*/*/*/repomd.xml"},
		Versions: pkgver.RPM,
		Security: "the repositories' updateinfo advisories of type security (CentOS 7's base repositories publish none)",
		Upgrade:  "yum upgrade", Refresh: "yum makecache",
	},
	{
		Name: "zypper", Binary: "zypper", Markers: []string{"/etc/zypp"},
		Database: "/var/lib/rpm",
		Metadata: []string{"/var/cache/zypp/raw/*/repodata/repomd.xml"},
		Versions: pkgver.RPM,
		Security: "the repositories' patches of category security",
		Upgrade:  "zypper patch", Refresh: "zypper refresh",
	},
	{
		Name: "apk", Binary: "apk", Markers: []string{"/lib/apk/db/installed"},
		Database: "/lib/apk/db/installed",
		Metadata: []string{"/var/cache/apk/APKINDEX.*.tar.gz", "/etc/apk/cache/APKINDEX.*.tar.gz"},
		Versions: pkgver.APK,
		Security: "none: Alpine's indexes publish no security data",
		Upgrade:  "apk upgrade", Refresh: "apk update",
	},
}

// Get returns the manager named name.
func Get(name string) (Manager, bool) {
	i := slices.IndexFunc(Managers, func(m Manager) bool { return m.Name == name })
	if i < 0 {
		return Manager{}, false
	}
	return Managers[i], true
}

// Names are the managers' names, in detection order.
func Names() []string {
	out := make([]string, len(Managers))
	for i, m := range Managers {
		out[i] = m.Name
	}
	return out
}

// Detect returns the first manager whose markers all exist (exists
// answers for a path under the scanned root), or false.
func Detect(exists func(path string) bool) (Manager, bool) {
	for _, m := range Managers {
		if !slices.ContainsFunc(m.Markers, func(p string) bool { return !exists(p) }) {
			return m, true
		}
	}
	return Manager{}, false
}
