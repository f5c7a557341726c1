// Package pkgmgr describes the package managers demarc knows, one
// descriptor each: how the collector finds the manager under a root, which
// binary it asks, which metadata dates its answer, and the commands a
// remediation names. Everything the code knows about one manager that is data, not a
// parser, is here; collectors/packages holds the parsers, rules the words
// around the commands. Adding a manager starts with an entry in Managers.
package pkgmgr

import (
	"slices"
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
	// Metadata are globs of its repository metadata, whose newest mtime
	// dates its answer (dnf lists dnf5's and dnf4's caches).
	Metadata []string
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
		Metadata: []string{"/var/lib/apt/lists/*_InRelease", "/var/lib/apt/lists/*_Release"},
		Upgrade:  "apt-get upgrade, or unattended-upgrades", Refresh: "apt-get update",
	},
	{
		Name: "dnf", Binary: "dnf", Markers: []string{"/etc/dnf"},
		Metadata: []string{"/var/cache/libdnf5/*/repodata/repomd.xml", "/var/cache/dnf/*/repodata/repomd.xml"},
		Upgrade:  "dnf upgrade", Refresh: "dnf makecache",
	},
	{
		Name: "yum", Binary: "yum", Markers: []string{"/etc/yum.conf"},
		Metadata: []string{"/var/cache/yum/*/*/*/repomd.xml"},
		Upgrade:  "yum upgrade", Refresh: "yum makecache",
	},
	{
		Name: "zypper", Binary: "zypper", Markers: []string{"/etc/zypp"},
		Metadata: []string{"/var/cache/zypp/raw/*/repodata/repomd.xml"},
		Upgrade:  "zypper patch", Refresh: "zypper refresh",
	},
	{
		Name: "apk", Binary: "apk", Markers: []string{"/lib/apk/db/installed"},
		Metadata: []string{"/var/cache/apk/APKINDEX.*.tar.gz", "/etc/apk/cache/APKINDEX.*.tar.gz"},
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
