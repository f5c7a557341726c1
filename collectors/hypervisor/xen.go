package hypervisor

import (
	"fmt"
	"strings"

	"github.com/demarc/demarc/internal/pkgver"
	"github.com/demarc/demarc/report"
)

// xen reports the Xen hypervisor under this kernel: /sys/hypervisor (any
// domain, no privileges), else `xl info` (dom0, root), else the package
// database. dom0 says whether this host is Xen's control domain.
func (s *state) xen() {
	caps, capsOK := s.liveFile("/proc/xen/capabilities")
	dom0 := capsOK && strings.Contains(caps, "control_d")
	s.sig.xenDom0 = dom0
	var comp *report.Component
	if typ, ok := s.liveFile("/sys/hypervisor/type"); ok {
		s.sig.sysHypervisor = typ
		if typ == "xen" {
			major, _ := s.liveFile("/sys/hypervisor/version/major")
			minor, _ := s.liveFile("/sys/hypervisor/version/minor")
			extra, _ := s.liveFile("/sys/hypervisor/version/extra")
			if x, err := XenVersion(major, minor, extra); err != nil {
				s.Fail(fmt.Errorf("read /sys/hypervisor/version: %w", err))
			} else {
				comp = xenComponent(x, "/sys/hypervisor/version")
			}
		}
	}
	if comp == nil && dom0 {
		if out, ok := s.command("xl", "info"); ok && out.exit != 0 {
			s.Note("xl info: exit %d (it needs root)", out.exit)
		} else if ok {
			if x, err := ParseXLInfo(out.text); err != nil {
				s.Fail(fmt.Errorf("xl info: %w", err))
			} else {
				comp = xenComponent(x, "xl info")
			}
		}
	}
	if comp == nil {
		if c, ok := s.FromPackage("xen", "xen-hypervisor-common", "xen-hypervisor", "xen"); ok {
			comp = &c
		}
	}
	if comp == nil && dom0 {
		comp = &report.Component{Product: "xen", Source: "/proc/xen/capabilities", Details: map[string]string{}}
	}
	if comp == nil {
		return
	}
	if capsOK {
		comp.Details["dom0"] = fmt.Sprint(dom0)
	}
	s.Add(*comp)
}

func xenComponent(x Xen, source string) *report.Component {
	d := map[string]string{}
	if x.Extra != "" {
		d["extra"] = x.Extra
	}
	return &report.Component{Product: "xen", Version: x.Version, Source: source, Details: d}
}

// xensourceInventory is XAPI's inventory on XCP-ng and XenServer hosts.
const xensourceInventory = "/etc/xensource-inventory"

// xapi reports XCP-ng or XenServer/Citrix Hypervisor from the XAPI
// inventory, or XCP-ng from os-release alone.
func (s *state) xapi() {
	osr := s.osRelease()
	b, ok := s.readFile(xensourceInventory)
	if !ok {
		if osr["ID"] != "xcp-ng" {
			return
		}
		v, err := pkgver.Check(osr["VERSION_ID"])
		if err != nil {
			s.Fail(fmt.Errorf("os-release VERSION_ID: %w", err))
		}
		s.Add(report.Component{Product: "xcp-ng", Version: v, Source: "/etc/os-release"})
		s.sig.hostStacks = append(s.sig.hostStacks, "xcp-ng")
		return
	}
	p, err := ParseInventory([]byte(b), osr["ID"])
	if err != nil {
		s.Fail(fmt.Errorf("read %s: %w", xensourceInventory, err))
		return
	}
	d := map[string]string{}
	if p.BuildNumber != "" {
		d["build_number"] = p.BuildNumber
	}
	if p.Brand != "" {
		d["brand"] = p.Brand
	}
	s.Add(report.Component{Product: p.Product, Version: p.Version, Source: xensourceInventory, Details: d})
	s.sig.hostStacks = append(s.sig.hostStacks, p.Product)
}

// osRelease returns the os-release variables, or an empty map.
func (s *state) osRelease() map[string]string {
	for _, p := range []string{"/etc/os-release", "/usr/lib/os-release"} {
		if b, ok := s.readFile(p); ok {
			return ParseShellVars([]byte(b))
		}
	}
	return map[string]string{}
}
