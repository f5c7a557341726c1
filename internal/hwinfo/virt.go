package hwinfo

import "strings"

// dmiVendors is systemd-detect-virt's DMI prefix table (src/basic/virt.c),
// with the additions Ansible's facts/virtual/linux.py makes (Nutanix AHV,
// oVirt, RHEV, DigitalOcean, Hetzner, Scaleway, OpenStack Nova). The id is
// systemd's.
var dmiVendors = []struct{ prefix, id string }{
	{"KVM", "kvm"}, {"OpenStack", "kvm"}, {"KubeVirt", "kvm"}, {"AHV", "kvm"},
	{"RHEV Hypervisor", "kvm"}, {"oVirt", "kvm"}, {"Nutanix", "kvm"},
	{"DigitalOcean", "kvm"}, {"Hetzner", "kvm"}, {"Scaleway", "kvm"},
	{"Amazon EC2", "amazon"}, {"QEMU", "qemu"}, {"VMware", "vmware"}, {"VMW", "vmware"},
	{"innotek GmbH", "oracle"}, {"VirtualBox", "oracle"},
	{"Xen", "xen"}, {"Bochs", "bochs"}, {"Parallels", "parallels"}, {"BHYVE", "bhyve"},
	{"Hyper-V", "microsoft"}, {"Apple Virtualization", "apple"}, {"Google", "google"},
}

// VirtVendor matches the DMI strings against the virtualisation vendor
// table, in systemd's order (product_name, sys_vendor, board_vendor,
// bios_vendor, product_version). It returns systemd's id ("kvm", "qemu",
// "vmware"…) and the field and value that matched, or "" when the DMI
// describes physical hardware (or nothing).
//
// Three known false positives are avoided: a "Microsoft Corporation" vendor
// is Hyper-V only with product_name "Virtual Machine" (Surface laptops share
// the vendor); Amazon EC2 ".metal" instances are bare metal; and systemd's
// "Oracle Corporation" entry is left out because Oracle's own x86 servers
// carry that vendor (VirtualBox is still matched by its product name).
func VirtVendor(d DMI) (id, evidence string) {
	if strings.HasPrefix(d.SysVendor, "Microsoft") && d.ProductName == "Virtual Machine" {
		return "microsoft", "dmi sys_vendor=" + d.SysVendor + " product_name=" + d.ProductName
	}
	if d.SysVendor == "Amazon EC2" && strings.HasSuffix(d.ProductName, ".metal") {
		return "", ""
	}
	for _, f := range []struct{ name, v string }{
		{"product_name", d.ProductName}, {"sys_vendor", d.SysVendor},
		{"board_vendor", d.BoardVendor}, {"bios_vendor", d.BIOSVendor},
		{"product_version", d.ProductVersion},
	} {
		if f.v == "" {
			continue
		}
		for _, e := range dmiVendors {
			if strings.HasPrefix(f.v, e.prefix) {
				return e.id, "dmi " + f.name + "=" + f.v
			}
		}
	}
	return "", ""
}

// CPUGuest reports whether cpuinfo says the kernel runs under a
// hypervisor, and which one when the model name names it ("QEMU Virtual
// CPU", "Common KVM processor"); id is "" for an unnamed hypervisor.
func CPUGuest(cpus []CPU) (guest bool, id string) {
	for _, c := range cpus {
		switch {
		case strings.HasPrefix(c.ModelName, "QEMU Virtual CPU"):
			return true, "qemu"
		case strings.HasPrefix(c.ModelName, "Common KVM processor"),
			strings.HasPrefix(c.ModelName, "Common 32-bit KVM processor"):
			return true, "kvm"
		case c.Hypervisor:
			guest = true
		}
	}
	return guest, ""
}
