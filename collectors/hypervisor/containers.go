package hypervisor

import (
	"fmt"
	"strings"

	"github.com/demarc/demarc/internal/pkgver"
	"github.com/demarc/demarc/report"
)

// lxdSnapYAML is the LXD snap's metadata, holding its version.
const lxdSnapYAML = "/snap/lxd/current/meta/snap.yaml"

// lxd reports an LXD host: the lxd package (older Ubuntu debs), the snap's
// metadata, `lxd --version`, or only its data directory.
func (s *state) lxd() {
	comp := report.Component{Product: "lxd", Details: map[string]string{}}
	found := false
	if p, ok := s.Pkg("lxd"); ok {
		v, err := pkgver.FromPackage(p.Version)
		// Ubuntu 20.04+ ships an "lxd" deb of version 0.x that only
		// installs the snap: it says nothing about LXD's version.
		if err == nil && !strings.HasPrefix(v, "0.") {
			comp.Version, comp.Source, found = v, s.Packages().Source, true
			comp.Details["package_version"] = p.Version
		}
	}
	if !found {
		if b, ok := s.readFile(lxdSnapYAML); ok {
			v, err := ParseSnapVersion([]byte(b))
			if err != nil {
				s.Fail(fmt.Errorf("read %s: %w", lxdSnapYAML, err))
			} else {
				comp.Version, comp.Source, found = v, lxdSnapYAML, true
			}
		}
	}
	marker := ""
	for _, p := range lxdDataDirs {
		if s.c.deps.Root.Exists(p) {
			marker = p
			break
		}
	}
	if !found && marker != "" {
		comp.Source, found = marker, true
		s.toolVersion(&comp, "lxd")
	}
	if found {
		s.Add(comp)
		s.sig.hostStacks = append(s.sig.hostStacks, "lxd")
	}
}

// The data directories that mark an LXD (snap or package) or Incus host
// whose package database does not list it.
var (
	lxdDataDirs  = []string{"/var/snap/lxd/common/lxd", "/var/lib/lxd"}
	incusDataDir = "/var/lib/incus"
)

// incus reports an Incus host: the incus package, `incus --version`, or
// only its data directory.
func (s *state) incus() {
	comp, found := s.FromPackage("incus", "incus")
	if !found && s.c.deps.Root.Exists(incusDataDir) {
		comp = report.Component{Product: "incus", Source: incusDataDir, Details: map[string]string{}}
		found = true
		s.toolVersion(&comp, "incus")
	}
	if found {
		s.Add(comp)
		s.sig.hostStacks = append(s.sig.hostStacks, "incus")
	}
}

// toolVersion fills comp's version from `<tool> --version` when it runs.
func (s *state) toolVersion(comp *report.Component, tool string) {
	out, ok := s.command(tool, "--version")
	if !ok {
		return
	}
	v, err := ParseToolVersion(out.text)
	if err != nil {
		s.Fail(fmt.Errorf("%s --version: %w", tool, err))
		return
	}
	comp.Version, comp.Source = v, tool+" --version"
}
