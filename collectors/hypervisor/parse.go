package hypervisor

import (
	"bufio"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/demarc/demarc/internal/pkgver"
)

// ErrUnrecognized is returned (wrapped) when a file or a command's output
// holds no version in the expected format.
var ErrUnrecognized = errors.New("unrecognized format")

// maxLine bounds the lines a parser looks at; longer lines are junk.
const maxLine = 64 * 1024

// lines returns the lines of s, each trimmed of surrounding space, cut at
// maxLine bytes.
func lines(s string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 4096), maxLine)
	for sc.Scan() {
		out = append(out, strings.TrimSpace(sc.Text()))
	}
	return out
}

func unrecognized(s string) error {
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return fmt.Errorf("%w: %q", ErrUnrecognized, s)
}

// PVE is what pveversion says about Proxmox VE.
type PVE struct {
	// Version is pve-manager's version as printed ("7.4-3", "8.3.5").
	Version string
	// Running is the version the running daemons report (pveversion -v
	// "running version"), when printed.
	Running string
	// RepoID is the git commit the build came from.
	RepoID string
	// RunningKernel is the kernel release pveversion reports.
	RunningKernel string
}

var (
	pveShort   = regexp.MustCompile(`^pve-manager/([^/\s]+)/([0-9a-f]+)(?: \(running kernel: ([^)\s]+)\))?$`)
	pveVerbose = regexp.MustCompile(`^pve-manager: (\S+) \(running version: ([^/\s]+)/([0-9a-f]+)\)$`)
	pveKernel  = regexp.MustCompile(`^proxmox-ve(?:-[0-9.]+)?: \S+ \(running kernel: ([^)\s]+)\)$`)
)

// ParsePveversion parses the output of `pveversion` ("pve-manager/8.3.5/
// dac3aa88bac3f300 (running kernel: 6.8.12-8-pve)") or of `pveversion -v`
// ("pve-manager: 8.0.4 (running version: 8.0.4/d258a813cfa6b390)").
func ParsePveversion(out string) (PVE, error) {
	var p PVE
	for _, l := range lines(out) {
		if m := pveShort.FindStringSubmatch(l); m != nil && p.Version == "" {
			p.Version, p.RepoID, p.RunningKernel = m[1], m[2], m[3]
		}
		if m := pveVerbose.FindStringSubmatch(l); m != nil {
			p.Version, p.Running, p.RepoID = m[1], m[2], m[3]
		}
		if m := pveKernel.FindStringSubmatch(l); m != nil {
			p.RunningKernel = m[1]
		}
	}
	if p.Version == "" {
		return PVE{}, unrecognized(out)
	}
	if _, err := NormalisePVE(p.Version); err != nil {
		return PVE{}, err
	}
	return p, nil
}

var pvecfgSub = regexp.MustCompile(`sub\s+(version_text|version|release|repoid)\s*\{\s*return\s+'([^']*)'\s*;\s*\}`)

// ParsePvecfg reads the version from PVE/pvecfg.pm, which pve-manager's
// build writes with the version as Perl string literals:
//
//	sub version_text { return '7.4-3/9002ab8a'; }
//
// version_text is preferred; older files (5.x) split it into version
// ('5.2') and release ('8').
func ParsePvecfg(b []byte) (version, repoid string, err error) {
	subs := map[string]string{}
	for _, m := range pvecfgSub.FindAllStringSubmatch(string(b), 20) {
		subs[m[1]] = m[2]
	}
	if vt := subs["version_text"]; vt != "" {
		version, repoid, _ = strings.Cut(vt, "/")
	} else if v := subs["version"]; v != "" {
		version, repoid = v, subs["repoid"]
		if r := subs["release"]; r != "" && !strings.Contains(v, "-") && !strings.HasPrefix(r, v) {
			version = v + "-" + r
		}
	}
	if version == "" {
		return "", "", unrecognized(string(b))
	}
	if _, err := NormalisePVE(version); err != nil {
		return "", "", err
	}
	return version, repoid, nil
}

// NormalisePVE turns a pve-manager version into dotted form: Proxmox VE 7
// and older write "7.4-3" (a dash before the release), 8 and newer
// "8.3.5". An epoch is dropped.
func NormalisePVE(v string) (string, error) {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, ':'); i >= 0 {
		v = v[i+1:]
	}
	return pkgver.Check(strings.ReplaceAll(v, "-", "."))
}

var qemuLine = regexp.MustCompile(`QEMU emulator version ([^\s,(]+)(?:\s*\(([^)]*)\))?`)

// ParseQEMUVersion parses `qemu-system-x86_64 --version` in its one-line
// ("QEMU emulator version 1.5.3 (qemu-kvm-1.5.3-160.el7), Copyright (c)
// 2003-2008 Fabrice Bellard") and two-line (copyright on the next line)
// forms, with or without a warning line before it. pkg is the package
// version in parentheses, without the "Debian " prefix.
func ParseQEMUVersion(out string) (version, pkg string, err error) {
	for _, l := range lines(out) {
		m := qemuLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		v, err := pkgver.Check(m[1])
		if err != nil {
			return "", "", err
		}
		return v, strings.TrimPrefix(strings.TrimSpace(m[2]), "Debian "), nil
	}
	return "", "", unrecognized(out)
}

var libvirtLine = regexp.MustCompile(`^\S+ \((?:libvirt|libvir)\) (\S+)$`)

// ParseLibvirtdVersion parses `libvirtd --version` ("libvirtd (libvirt)
// 10.8.0") and the modular daemons' same-shaped `virtqemud --version`.
func ParseLibvirtdVersion(out string) (string, error) {
	for _, l := range lines(out) {
		if m := libvirtLine.FindStringSubmatch(l); m != nil {
			v, err := pkgver.Check(m[1])
			if err != nil {
				return "", err
			}
			return v, nil
		}
	}
	return "", unrecognized(out)
}

var vmwareLine = regexp.MustCompile(`^VMware ESXi (\S+) build-([0-9]{1,12})$`)

// ParseVMwareV parses `vmware -v` ("VMware ESXi 6.7.0 build-13006603").
func ParseVMwareV(out string) (version, build string, err error) {
	for _, l := range lines(out) {
		if m := vmwareLine.FindStringSubmatch(l); m != nil {
			v, err := pkgver.Check(m[1])
			if err != nil {
				return "", "", err
			}
			return v, m[2], nil
		}
	}
	return "", "", unrecognized(out)
}

var detectVirtID = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)

// ParseDetectVirt parses `systemd-detect-virt --vm|--container`: one id
// ("kvm", "lxc", "none").
func ParseDetectVirt(out string) (string, error) {
	l := lines(out)
	if len(l) == 0 || !detectVirtID.MatchString(l[0]) {
		return "", unrecognized(out)
	}
	return l[0], nil
}

// ParseToolVersion parses a bare version as `lxd --version` and `incus
// --version` print it ("5.21.2", "6.0.1 LTS") on their first line.
func ParseToolVersion(out string) (string, error) {
	for _, l := range lines(out) {
		if f := strings.Fields(l); len(f) > 0 {
			return pkgver.FromPackage(f[0])
		}
	}
	return "", unrecognized(out)
}

// ParseSnapVersion reads the "version:" line of a snap's meta/snap.yaml
// ("version: 5.21.2-34459c8"), returning the upstream part.
func ParseSnapVersion(b []byte) (string, error) {
	for _, l := range lines(string(b)) {
		if v, ok := strings.CutPrefix(l, "version:"); ok {
			return pkgver.FromPackage(strings.Trim(strings.TrimSpace(v), `'"`))
		}
	}
	return "", unrecognized(string(b))
}
