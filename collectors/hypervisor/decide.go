package hypervisor

import (
	"slices"

	"github.com/demarc/demarc/report"
)

// decide applies detection.md §B.9: the innermost layer wins. A container
// comes first (systemd-detect-virt --container, else marker files, else
// the OpenVZ /proc rule), then a VM (systemd-detect-virt --vm, else the DMI
// vendor table, else the cpuinfo hypervisor flag, else /sys/hypervisor).
// systemd-detect-virt's "none" is an answer, not a missing signal. A Xen
// dom0 is not a guest although its CPU flags say hypervisor. Without a
// guest signal, hypervisor software (or Xen dom0, or an OpenVZ /proc/bc)
// makes the host a "host"; /dev/kvm alone only says it could be one.
func decide(g signals) report.Virtualization {
	v := report.Virtualization{Evidence: g.evidence}
	if ct := container(g); ct != "" {
		v.System, v.Role = ct, "guest"
		return v
	}
	if vm := vm(g); vm != "" {
		v.System, v.Role = vm, "guest"
		return v
	}
	switch {
	case g.xenDom0:
		v.System, v.Role = "xen", "host"
	case g.bc:
		v.System, v.Role = "openvz", "host"
	case hasAny(g.hostStacks, "proxmox-ve", "qemu", "libvirt"):
		v.System, v.Role = "kvm", "host"
	case hasAny(g.hostStacks, "xcp-ng", "xenserver"):
		v.System, v.Role = "xen", "host"
	case hasAny(g.hostStacks, "esxi"):
		v.System, v.Role = "vmware", "host"
	case hasAny(g.hostStacks, "lxd", "incus"):
		v.System, v.Role = "lxc", "host"
	}
	return v
}

func container(g signals) string {
	switch {
	case g.detectCT != "":
		if g.detectCT == "none" {
			return ""
		}
		return g.detectCT
	case g.ctID != "":
		return g.ctID
	case g.vz && !g.lve && !g.bc:
		return "openvz"
	}
	return ""
}

func vm(g signals) string {
	switch {
	case g.detectVM != "":
		if g.detectVM == "none" {
			return ""
		}
		return g.detectVM
	case g.xenDom0:
		return ""
	case g.dmiID != "":
		return g.dmiID
	case g.cpuGuest && g.cpuID != "":
		return g.cpuID
	case g.cpuGuest && g.sysHypervisor == "xen":
		return "xen"
	case g.cpuGuest:
		return "vm-other"
	case g.sysHypervisor == "xen":
		return "xen"
	}
	return ""
}

func hasAny(list []string, names ...string) bool {
	for _, n := range names {
		if slices.Contains(list, n) {
			return true
		}
	}
	return false
}
