package kernel

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/demarc/demarc/internal/pkgdb"
	"github.com/demarc/demarc/internal/pkgver"
)

// installedKernel is one kernel package in the package database.
type installedKernel struct {
	Package string
	// Family groups kernels that replace each other: the flavour on
	// Debian and Alpine ("amd64", "generic", "pve", "virt"), the package
	// family on RPM hosts ("kernel", "kernel-uek", "kernel-default",
	// "vzkernel").
	Family string
	// Release is what uname -r prints when this kernel runs.
	Release string
	// Version is the package version, for ordering.
	Version string
	Arch    string
}

// rpmFamilies maps RPM kernel package names to their family. kernel and
// kernel-core (EL8+) install the same kernel; so do kernel-uek and
// kernel-uek-core.
// The flavours Red Hat and Fedora build beside the standard kernel —
// debug, real-time, 64k pages (aarch64) and PAE (32-bit x86) — are
// families of their own: a debug kernel replaces only a debug kernel.
var rpmFamilies = map[string]string{
	"kernel":                "kernel",
	"kernel-core":           "kernel",
	"kernel-uek":            "kernel-uek",
	"kernel-uek-core":       "kernel-uek",
	"kernel-default":        "kernel-default",
	"vzkernel":              "vzkernel",
	"kernel-debug":          "kernel-debug",
	"kernel-debug-core":     "kernel-debug",
	"kernel-rt":             "kernel-rt",
	"kernel-rt-core":        "kernel-rt",
	"kernel-rt-debug":       "kernel-rt-debug",
	"kernel-rt-debug-core":  "kernel-rt-debug",
	"kernel-64k":            "kernel-64k",
	"kernel-64k-core":       "kernel-64k",
	"kernel-64k-debug":      "kernel-64k-debug",
	"kernel-64k-debug-core": "kernel-64k-debug",
	"kernel-PAE":            "kernel-PAE",
	"kernel-PAE-core":       "kernel-PAE",
}

// rpmKernelPackages are rpmFamilies' names in a fixed order.
var rpmKernelPackages = func() []string {
	names := make([]string, 0, len(rpmFamilies))
	for n := range rpmFamilies {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}()

// installedKernels lists the kernel packages in db, one per release and
// family.
func installedKernels(db *pkgdb.DB) []installedKernel {
	var out []installedKernel
	seen := map[string]bool{}
	add := func(k installedKernel) {
		key := k.Family + "\x00" + k.Release
		if !seen[key] {
			seen[key] = true
			out = append(out, k)
		}
	}
	switch db.Format {
	case pkgver.Deb:
		for _, prefix := range debPackagePrefixes {
			for _, p := range db.WithPrefix(prefix) {
				if rel, ok := debKernelRelease(p.Name); ok {
					add(installedKernel{Package: p.Name, Family: flavourOf(rel), Release: rel, Version: p.Version, Arch: p.Arch})
				}
			}
		}
	case pkgver.RPM:
		for _, name := range rpmKernelPackages {
			for _, p := range db.Get(name) {
				rel := rpmKernelRelease(name, p.Version, p.Arch)
				add(installedKernel{Package: name, Family: rpmFamilies[name], Release: rel, Version: p.Version, Arch: p.Arch})
			}
		}
	case pkgver.APK:
		for _, fl := range apkFlavours {
			for _, p := range db.Get("linux-" + fl) {
				if rel, ok := apkKernelRelease(fl, p.Version); ok {
					add(installedKernel{Package: p.Name, Family: fl, Release: rel, Version: p.Version, Arch: p.Arch})
				}
			}
		}
	}
	return out
}

// sameRelease reports whether uname -r running is the release of k; RPM
// kernels before EL6 and OpenVZ's omit the ".arch" suffix.
func sameRelease(running string, k installedKernel) bool {
	return running == k.Release || (k.Arch != "" && running+"."+k.Arch == k.Release)
}

// guessFamily is the family of a running kernel that no installed package
// matches.
func guessFamily(f pkgver.Format, running string) string {
	if f != pkgver.RPM {
		return flavourOf(running)
	}
	switch {
	case strings.Contains(running, "uek"):
		return "kernel-uek"
	case strings.HasSuffix(running, "+64k-debug"):
		return "kernel-64k-debug"
	case strings.HasSuffix(running, "+64k"):
		return "kernel-64k"
	case rtRelease.MatchString(running) && isDebugRelease(running):
		return "kernel-rt-debug"
	case rtRelease.MatchString(running):
		return "kernel-rt"
	case isDebugRelease(running):
		return "kernel-debug"
	case strings.HasSuffix(running, "PAE"):
		return "kernel-PAE"
	case strings.HasSuffix(running, "-default"):
		return "kernel-default"
	case strings.Contains(running, "stab") || strings.Contains(running, ".vz"):
		return "vzkernel"
	}
	return "kernel"
}

// assessment is what the package database says about the running kernel.
type assessment struct {
	Newest *installedKernel
	// Running is the installed package of the running kernel, if any.
	Running *installedKernel
	// Newer is true when a reboot would boot a newer kernel.
	Newer bool
	Notes []string
}

// assess compares the running kernel (uname -r, "" when unknown) and,
// where the kernel prints it, its package build (uname -v) with the
// installed kernels of its family. Versions are ordered by the package
// manager's rules, never as strings.
func assess(f pkgver.Format, running, build string, kernels []installedKernel) assessment {
	var a assessment
	family, known := "", false
	for i := range kernels {
		if running != "" && sameRelease(running, kernels[i]) {
			a.Running, family, known = &kernels[i], kernels[i].Family, true
			break
		}
	}
	if !known && running != "" {
		family, known = guessFamily(f, running), true
	}
	for i := range kernels {
		k := &kernels[i]
		if known && k.Family != family {
			continue
		}
		if a.Newest == nil {
			a.Newest = k
			continue
		}
		c, err := pkgver.Compare(f, k.Version, a.Newest.Version)
		if err != nil {
			a.Notes = append(a.Notes, fmt.Sprintf("kernel package %s %q: %v; not ordered", k.Package, k.Version, err))
			continue
		}
		if c > 0 {
			a.Newest = k
		}
	}
	if a.Newest == nil && known && len(kernels) > 0 {
		a.Notes = append(a.Notes, fmt.Sprintf("no installed kernel package of the running kernel's kind %q: not compared", family))
	}
	if running == "" || a.Newest == nil {
		return a
	}
	a.Newer = a.newerThanRunning(f, running, build)
	return a
}

func (a *assessment) newerThanRunning(f pkgver.Format, running, build string) bool {
	if a.Running != nil {
		have := a.Running.Version
		if build != "" && f == pkgver.Deb {
			// Debian and Proxmox can update a kernel package in place
			// without a new release string; uname -v names the build
			// that runs.
			have = build
		}
		c, err := pkgver.Compare(f, a.Newest.Version, have)
		if err != nil {
			a.Notes = append(a.Notes, fmt.Sprintf("cannot order kernel versions %q and %q: %v", a.Newest.Version, have, err))
			return false
		}
		return c > 0
	}
	// The running kernel's package is gone (removed, or replaced in place
	// as Alpine does): order the releases themselves.
	a.Notes = append(a.Notes, fmt.Sprintf("running kernel %s is not an installed package; comparing release strings", running))
	newest, have := a.Newest.Release, running
	if f == pkgver.APK {
		var ok1, ok2 bool
		newest, ok1 = releaseAsAPKVersion(newest)
		have, ok2 = releaseAsAPKVersion(have)
		if !ok1 || !ok2 {
			a.Notes = append(a.Notes, fmt.Sprintf("cannot order kernel releases %q and %q", a.Newest.Release, running))
			return false
		}
	}
	c, err := pkgver.Compare(f, newest, have)
	if err != nil {
		a.Notes = append(a.Notes, fmt.Sprintf("cannot order kernel releases %q and %q: %v", a.Newest.Release, running, err))
		return false
	}
	return c > 0
}

// rtRelease matches the real-time kernels' releases, which carry the rt
// patch level in the release: 5.14.0-284.11.1.rt14.296.el9_2.x86_64,
// 4.18.0-80.rt9.138.el8.x86_64.
var rtRelease = regexp.MustCompile(`\.rt\d+\.`)

// isDebugRelease reports a debug kernel's release: "+debug" (EL8 and
// later, Fedora) or ".debug" (EL7) at the end.
func isDebugRelease(release string) bool {
	return strings.HasSuffix(release, "+debug") || strings.HasSuffix(release, ".debug")
}
