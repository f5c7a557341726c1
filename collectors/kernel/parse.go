package kernel

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// ErrMalformed is returned (wrapped) for a reboot list or command output
// that is not the expected format at all (binary content).
var ErrMalformed = errors.New("malformed kernel data")

// maxPackages caps a parsed package list: a real one names a handful.
const maxPackages = 1000

// packageName matches a package name as dpkg, rpm and apk allow them.
var packageName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9+._:~-]{0,127}$`)

// parseRebootPkgs parses /run/reboot-required.pkgs: one package name a
// line, often repeated (one line per trigger). Blank and invalid lines are
// skipped; names come out once each, in first-seen order.
func parseRebootPkgs(b []byte) ([]string, error) {
	if bytes.IndexByte(b, 0) >= 0 {
		return nil, fmt.Errorf("%w: binary content", ErrMalformed)
	}
	var out []string
	seen := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		name := strings.TrimSpace(line)
		if !packageName.MatchString(name) || seen[name] {
			continue
		}
		seen[name] = true
		out = append(out, name)
		if len(out) == maxPackages {
			break
		}
	}
	return out, nil
}

// parseNeedsRestarting parses the output of `needs-restarting -r` when it
// says a reboot is needed, and returns the packages it names. dnf prints
// "  * kernel-core"; yum-utils on EL7 prints "  kernel -> 3.10.0-1160.el7".
// The header and the closing sentences are not indented and are skipped.
func parseNeedsRestarting(b []byte) ([]string, error) {
	if bytes.IndexByte(b, 0) >= 0 {
		return nil, fmt.Errorf("%w: binary content", ErrMalformed)
	}
	var out []string
	seen := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" || (line[0] != ' ' && line[0] != '\t') {
			continue
		}
		f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "*"))
		if len(f) == 0 || !packageName.MatchString(f[0]) || seen[f[0]] {
			continue
		}
		seen[f[0]] = true
		out = append(out, f[0])
		if len(out) == maxPackages {
			break
		}
	}
	return out, nil
}

// debRelease splits a Debian-style kernel release ("6.1.0-28-amd64",
// "5.15.0-91-generic", "6.8.12-4-pve", "6.12.38+deb13-cloud-amd64", and
// Alpine's "6.6.58-0-virt") into its version part and its flavour. A
// string without a numeric start or a flavour is not a kernel release
// (metapackages: "amd64", "generic-hwe-22.04", "6.8").
var debRelease = regexp.MustCompile(`^(\d+\.\d+[0-9A-Za-z.+~-]*?)-([a-z][a-z0-9]*(?:-[a-z][a-z0-9]*)*)$`)

// flavourOf returns the flavour of a Debian-style kernel release, or "".
func flavourOf(release string) string {
	if m := debRelease.FindStringSubmatch(release); m != nil {
		return m[2]
	}
	return ""
}

// debPackagePrefixes are the dpkg kernel image packages, as
// <prefix><release>[-signed|-unsigned].
var debPackagePrefixes = []string{"linux-image-", "pve-kernel-", "proxmox-kernel-"}

// debKernelRelease returns the kernel release a dpkg package installs:
// "linux-image-6.1.0-28-amd64" → "6.1.0-28-amd64",
// "linux-image-unsigned-6.5.0-14-generic" → "6.5.0-14-generic",
// "proxmox-kernel-6.8.12-4-pve-signed" → "6.8.12-4-pve". Metapackages
// ("linux-image-amd64", "proxmox-kernel-6.8"), debug symbols and module
// packages ("linux-image-extra-…") give ok=false.
func debKernelRelease(name string) (release string, ok bool) {
	for _, p := range debPackagePrefixes {
		rest, found := strings.CutPrefix(name, p)
		if !found {
			continue
		}
		if strings.HasSuffix(rest, "-dbg") || strings.HasSuffix(rest, "-dbgsym") {
			return "", false
		}
		rest = strings.TrimPrefix(rest, "unsigned-")
		rest = strings.TrimSuffix(rest, "-signed")
		rest = strings.TrimSuffix(rest, "-unsigned")
		if debRelease.MatchString(rest) {
			return rest, true
		}
		return "", false
	}
	return "", false
}

// rpmKernelRelease returns the uname -r of an RPM kernel package:
// VERSION-RELEASE.ARCH ("5.14.0-427.13.1.el9_4.x86_64"), without the
// epoch. SUSE's kernel-default drops the release's last counter and adds
// the flavour: 5.14.21-150500.55.39.1 → "5.14.21-150500.55.39-default".
func rpmKernelRelease(name, version, arch string) string {
	if i := strings.IndexByte(version, ':'); i >= 0 {
		version = version[i+1:]
	}
	if name == "kernel-default" {
		if i, dash := strings.LastIndexByte(version, '.'), strings.LastIndexByte(version, '-'); dash >= 0 && i > dash {
			version = version[:i]
		}
		return version + "-default"
	}
	rel := version
	if arch != "" && arch != "(none)" && arch != "noarch" {
		rel += "." + arch
	}
	return rel + rpmFlavourSuffix(rpmFamilies[name], version)
}

// rpmFlavourSuffix is what uname -r appends to version.arch for a kernel
// flavour: "+debug" (EL8 and later, Fedora; ".debug" on EL7), "+64k",
// "+64k-debug", "+PAE" (Fedora; EL5's "2.6.18-419.el5PAE" is not
// handled). Real-time kernels carry "rt" in the release itself.
func rpmFlavourSuffix(family, version string) string {
	switch family {
	case "kernel-debug", "kernel-rt-debug":
		if strings.Contains(version, ".el7") {
			return ".debug"
		}
		return "+debug"
	case "kernel-64k":
		return "+64k"
	case "kernel-64k-debug":
		return "+64k-debug"
	case "kernel-PAE":
		return "+PAE"
	}
	return ""
}

// apkFlavours are Alpine's kernel packages, linux-<flavour>.
var apkFlavours = []string{"lts", "virt", "edge", "rpi"}

// apkVersion matches an apk package version "6.6.58-r0".
var apkVersion = regexp.MustCompile(`^(\d+\.\d+[0-9a-z._]*)-r(\d+)$`)

// apkKernelRelease returns the uname -r of Alpine's linux-<flavour>
// package: 6.6.58-r0 → "6.6.58-0-virt".
func apkKernelRelease(flavour, version string) (string, bool) {
	m := apkVersion.FindStringSubmatch(version)
	if m == nil {
		return "", false
	}
	return m[1] + "-" + m[2] + "-" + flavour, true
}

// releaseAsAPKVersion turns an Alpine uname -r back into a package
// version, for ordering: "6.6.58-0-virt" → "6.6.58-r0".
func releaseAsAPKVersion(release string) (string, bool) {
	m := debRelease.FindStringSubmatch(release)
	if m == nil {
		return "", false
	}
	ver, rel, ok := strings.Cut(m[1], "-")
	if !ok {
		return "", false
	}
	return ver + "-r" + rel, true
}

// runningBuild matches the package version that Debian and Proxmox kernels
// print in uname -v: "#1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)",
// "#1 SMP PREEMPT_DYNAMIC PMX 6.8.12-4 (2024-11-06T15:04Z)".
var runningBuild = regexp.MustCompile(`(?:^|\s)(?:Debian|PMX) ([0-9][0-9A-Za-z.+~:-]*) \(`)

// parseRunningBuild returns the package version in uname -v, or "".
func parseRunningBuild(unameVersion string) string {
	if m := runningBuild.FindStringSubmatch(unameVersion); m != nil {
		return m[1]
	}
	return ""
}

// unameDate finds the build date uname -v ends with where the kernel prints
// one: Debian's and Proxmox's "(2024-11-22)" or "(2024-11-06T15:04Z)", or
// the date(1)-style stamp of Ubuntu, RHEL and most others
// ("… Fri Sep 27 13:19:16 UTC 2024").
var (
	unameISODate  = regexp.MustCompile(`\((\d{4}-\d{2}-\d{2})(?:T[0-9:]+Z?)?\)\s*$`)
	unameDateTime = regexp.MustCompile(`(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ((?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2}) \d{2}:\d{2}:\d{2}(?: [A-Z]{2,5}| [+-]\d{4})? (\d{4})\s*$`)
)

// buildDate returns the running kernel's build date from uname -v as
// YYYY-MM-DD, or "" when it carries none (or an impossible one).
func buildDate(unameVersion string) string {
	if m := unameISODate.FindStringSubmatch(unameVersion); m != nil {
		if _, err := time.Parse(time.DateOnly, m[1]); err == nil {
			return m[1]
		}
		return ""
	}
	if m := unameDateTime.FindStringSubmatch(unameVersion); m != nil {
		if t, err := time.Parse("Jan 2 2006", strings.Join(strings.Fields(m[1]), " ")+" "+m[2]); err == nil {
			return t.Format(time.DateOnly)
		}
	}
	return ""
}
