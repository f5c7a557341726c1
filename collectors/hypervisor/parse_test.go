package hypervisor

import (
	"errors"
	"strings"
	"testing"

	"github.com/demarc/demarc/internal/pkgver"
)

// huge is a line past every parser's limit.
var huge = strings.Repeat("A", 2<<20)

// junk are inputs every parser must reject without panicking.
var junk = []string{"", "\n\n", "\x00\x01\x02\xff\xfe", huge, "QEMU emulator version", "pve-manager/", "libvirtd (libvirt)", "VMware ESXi  build-"}

func isBad(err error) bool {
	return errors.Is(err, ErrUnrecognized) || errors.Is(err, pkgver.ErrInvalid)
}

func TestParsePveversion(t *testing.T) {
	for _, tc := range []struct{ in, version, running, kernel string }{
		{"pve-manager/7.2-5/12f1e639 (running kernel: 5.15.35-2-pve)\n", "7.2-5", "", "5.15.35-2-pve"},
		{"pve-manager/8.0.3/bbf3993334bfa916 (running kernel: 6.2.16-3-pve)", "8.0.3", "", "6.2.16-3-pve"},
		{"Kernelversion\nLinux 7.0.0-3-pve (2026-04-21T22:56Z)\n\nManager-Version\npve-manager/9.1.9/ee7bad0a3d1546c9\n", "9.1.9", "", ""},
		{"proxmox-ve: 9.1.0 (running kernel: 6.17.2-1-pve)\npve-manager: 9.1.1 (running version: 9.1.1/42db4a6cf33dac83)\n", "9.1.1", "9.1.1", "6.17.2-1-pve"},
		{"proxmox-ve-2.6.32: 3.4-156 (running kernel: 2.6.32-39-pve)\npve-manager: 3.4-6 (running version: 3.4-6/102d4547)\n", "3.4-6", "3.4-6", "2.6.32-39-pve"},
	} {
		p, err := ParsePveversion(tc.in)
		if err != nil || p.Version != tc.version || p.Running != tc.running || p.RunningKernel != tc.kernel {
			t.Errorf("ParsePveversion(%q) = %+v, %v", tc.in, p, err)
		}
	}
	for _, in := range append(junk, "pve-manager/11.x/abc", "pve-manager/9999999999999999999/abc (running kernel: x)", "pve-manager/8.0.3/bbf3993334bfa916 (running kern") {
		if _, err := ParsePveversion(in); !isBad(err) {
			t.Errorf("ParsePveversion(%.40q) = %v; want rejected", in, err)
		}
	}
}

func TestNormalisePVE(t *testing.T) {
	for in, want := range map[string]string{"7.4-3": "7.4.3", "8.3.5": "8.3.5", "6.4-13": "6.4.13", "1:3.1-21": "3.1.21"} {
		if got, err := NormalisePVE(in); err != nil || got != want {
			t.Errorf("NormalisePVE(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "7.x", "-", "9999999999999999999"} {
		if _, err := NormalisePVE(in); !errors.Is(err, pkgver.ErrInvalid) {
			t.Errorf("NormalisePVE(%q) = %v", in, err)
		}
	}
}

func TestParsePvecfg(t *testing.T) {
	v74 := "sub version {\n    return '7.4-3';\n}\nsub release {\n    return '7.4';\n}\nsub version_text {\n    return '7.4-3/9002ab8a';\n}\n"
	v52 := "sub version {\n\treturn '5.2';\n}\n\nsub release {\n\treturn '8';\n}\n\nsub repoid {\n\treturn 'fdf39912';\n}\n"
	for in, want := range map[string][2]string{v74: {"7.4-3", "9002ab8a"}, v52: {"5.2-8", "fdf39912"}} {
		v, r, err := ParsePvecfg([]byte(in))
		if err != nil || v != want[0] || r != want[1] {
			t.Errorf("ParsePvecfg = %q %q %v; want %v", v, r, err, want)
		}
	}
	for _, in := range append(junk, v74[:30], "sub version_text { return '@VERSION@-@PACKAGERELEASE@/@REPOID@'; }") {
		if _, _, err := ParsePvecfg([]byte(in)); !isBad(err) {
			t.Errorf("ParsePvecfg(%.40q) = %v; want rejected", in, err)
		}
	}
}

func TestParseQEMUVersion(t *testing.T) {
	for _, tc := range []struct{ in, version, pkg string }{
		{"QEMU emulator version 8.2.2 (Debian 1:8.2.2+ds-0ubuntu1.16)\nCopyright (c) 2003-2023 Fabrice Bellard and the QEMU Project developers\n", "8.2.2", "1:8.2.2+ds-0ubuntu1.16"},
		{"QEMU emulator version 1.5.3 (qemu-kvm-1.5.3-160.el7), Copyright (c) 2003-2008 Fabrice Bellard", "1.5.3", "qemu-kvm-1.5.3-160.el7"},
		{"QEMU emulator version 2.5.0 (Debian 1:2.5+dfsg-5ubuntu10.16), Copyright (c) 2003-2008 Fabrice Bellard", "2.5.0", "1:2.5+dfsg-5ubuntu10.16"},
		{"QEMU emulator version 6.1.0\nCopyright (c) 2003-2021 Fabrice Bellard and the QEMU Project developers", "6.1.0", ""},
		{"W: kvm binary is deprecated, please use qemu-system-x86_64 instead\nQEMU emulator version 1.5.0 (Debian 1.5.0+dfsg-3ubuntu5), Copyright (c) 2003-2008 Fabrice Bellard", "1.5.0", "1.5.0+dfsg-3ubuntu5"},
		{"QEMU emulator version 8.0.3 (Debian 1:8.0.3+dfsg-1)", "8.0.3", "1:8.0.3+dfsg-1"},
	} {
		v, pkg, err := ParseQEMUVersion(tc.in)
		if err != nil || v != tc.version || pkg != tc.pkg {
			t.Errorf("ParseQEMUVersion(%q) = %q %q %v", tc.in, v, pkg, err)
		}
	}
	for _, in := range append(junk, "QEMU emulator version 11.x", "QEMU emulator version 9999999999999999999.1") {
		if _, _, err := ParseQEMUVersion(in); !isBad(err) {
			t.Errorf("ParseQEMUVersion(%.40q) = %v; want rejected", in, err)
		}
	}
}

func TestParseLibvirtAndVMware(t *testing.T) {
	for in, want := range map[string]string{"libvirtd (libvirt) 10.8.0\n": "10.8.0", "$ libvirtd -v\nlibvirtd (libvirt) 7.8.0": "7.8.0", "virtqemud (libvirt) 9.0.0": "9.0.0", "libvirtd (libvir) 0.9.8": "0.9.8"} {
		if got, err := ParseLibvirtdVersion(in); err != nil || got != want {
			t.Errorf("ParseLibvirtdVersion(%q) = %q %v", in, got, err)
		}
	}
	for _, in := range append(junk, "libvirtd (libvirt) 11.x", "Compiled against library: libvirt 1.2.2") {
		if _, err := ParseLibvirtdVersion(in); !isBad(err) {
			t.Errorf("ParseLibvirtdVersion(%.40q) = %v", in, err)
		}
	}
	v, b, err := ParseVMwareV("VMware ESXi 6.7.0 build-10302608\n")
	if err != nil || v != "6.7.0" || b != "10302608" {
		t.Errorf("ParseVMwareV = %q %q %v", v, b, err)
	}
	for _, in := range append(junk, "VMware ESXi 6.x build-1", "VMware ESXi 6.7.0 build-99999999999999999999") {
		if _, _, err := ParseVMwareV(in); !isBad(err) {
			t.Errorf("ParseVMwareV(%.40q) = %v", in, err)
		}
	}
}

func TestParseXen(t *testing.T) {
	xcp := "xen_major              : 4\nxen_minor              : 13\nxen_extra              : .4-9.24.1\nxen_version            : 4.13.4-9.24.1\n"
	ovm := "xen_major              : 4\nxen_minor              : 4\nxen_extra              : .4OVM\nxen_caps               : xen-3.0-x86_64 \n"
	for in, want := range map[string]Xen{
		xcp: {"4.13.4", ".4-9.24.1"}, ovm: {"4.4.4", ".4OVM"},
		"xen_major : 4\nxen_minor : 2\nxen_extra : -unstable\n": {"4.2", "-unstable"},
		"xen_version : 4.17.4-pre\n":                            {"4.17.4", ".4-pre"},
	} {
		if got, err := ParseXLInfo(in); err != nil || got != want {
			t.Errorf("ParseXLInfo(%q) = %+v %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range append(junk, "xen_major : four\nxen_minor : 2", "xen_major : 4\n", "xen_version : x.y") {
		if _, err := ParseXLInfo(in); !isBad(err) {
			t.Errorf("ParseXLInfo(%.40q) = %v", in, err)
		}
	}
}

func TestParseInventory(t *testing.T) {
	xs := "PRODUCT_VERSION='7.0.0'\nPRODUCT_BRAND='XenServer'\nBUILD_NUMBER='125380c'\nPLATFORM_NAME='XCP'\n"
	p, err := ParseInventory([]byte(xs), "centos")
	if err != nil || p != (XAPIProduct{"xenserver", "7.0.0", "XenServer", "125380c"}) {
		t.Errorf("XenServer inventory: %+v %v", p, err)
	}
	p, err = ParseInventory([]byte("PRODUCT_VERSION=\"8.2.1\"\n"), "xcp-ng")
	if err != nil || p.Product != "xcp-ng" || p.Version != "8.2.1" {
		t.Errorf("XCP-ng by os-release: %+v %v", p, err)
	}
	for _, in := range append(junk, "PRODUCT_VERSION='11.x'", "PRODUCT_VERSION=''", "# PRODUCT_VERSION='8.2.1'") {
		if _, err := ParseInventory([]byte(in), ""); !isBad(err) {
			t.Errorf("ParseInventory(%.40q) = %v", in, err)
		}
	}
}

func TestParseSmallOutputs(t *testing.T) {
	if id, err := ParseDetectVirt("kvm\n"); err != nil || id != "kvm" {
		t.Errorf("ParseDetectVirt = %q %v", id, err)
	}
	if v, err := ParseToolVersion("6.0.1 LTS\n"); err != nil || v != "6.0.1" {
		t.Errorf("ParseToolVersion = %q %v", v, err)
	}
	if v, err := ParseSnapVersion([]byte("name: lxd\nversion: '5.21.2-34459c8'\n")); err != nil || v != "5.21.2" {
		t.Errorf("ParseSnapVersion = %q %v", v, err)
	}
	for _, in := range append(junk, "KVM", "kvm kvm") {
		if _, err := ParseDetectVirt(in); !isBad(err) {
			t.Errorf("ParseDetectVirt(%.40q) = %v", in, err)
		}
		if _, err := ParseSnapVersion([]byte(in)); !isBad(err) {
			t.Errorf("ParseSnapVersion(%.40q) = %v", in, err)
		}
	}
	for _, in := range []string{"", "11.x", "\xff"} {
		if _, err := ParseToolVersion(in); !isBad(err) {
			t.Errorf("ParseToolVersion(%q) = %v", in, err)
		}
	}
}

func TestDecide(t *testing.T) {
	for _, tc := range []struct {
		name         string
		g            signals
		system, role string
	}{
		{"nested guest running Proxmox", signals{dmiID: "kvm", devKVM: true, hostStacks: []string{"proxmox-ve"}}, "kvm", "guest"},
		{"systemd none is an answer", signals{detectVM: "none", detectCT: "none", cpuGuest: true}, "", ""},
		{"dom0 cpu flag is not a guest", signals{xenDom0: true, cpuGuest: true, sysHypervisor: "xen"}, "xen", "host"},
		{"domU by sysfs", signals{sysHypervisor: "xen"}, "xen", "guest"},
		{"unnamed hypervisor", signals{cpuGuest: true}, "vm-other", "guest"},
		{"cloudlinux", signals{vz: true, lve: true}, "", ""},
		{"openvz host", signals{vz: true, bc: true}, "openvz", "host"},
		{"container inside vm", signals{detectVM: "kvm", detectCT: "docker"}, "docker", "guest"},
		{"kvm-capable only", signals{devKVM: true}, "", ""},
	} {
		v := decide(tc.g)
		if v.System != tc.system || v.Role != tc.role {
			t.Errorf("%s: got %q/%q; want %q/%q", tc.name, v.System, v.Role, tc.system, tc.role)
		}
	}
}
