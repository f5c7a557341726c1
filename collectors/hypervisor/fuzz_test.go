package hypervisor

import (
	"testing"

	"github.com/demarc/demarc/internal/pkgver"
)

func seeds(f *testing.F, in ...string) {
	for _, s := range append(in, "", "\x00\xff", "11.x") {
		f.Add(s)
	}
}

func FuzzParsePveversion(f *testing.F) {
	seeds(f, "pve-manager/7.2-5/12f1e639 (running kernel: 5.15.35-2-pve)", "pve-manager: 8.0.4 (running version: 8.0.4/d258a813cfa6b390)")
	f.Fuzz(func(t *testing.T, s string) {
		if p, err := ParsePveversion(s); err == nil {
			if _, err := NormalisePVE(p.Version); err != nil {
				t.Fatalf("accepted %q whose version does not normalise", p.Version)
			}
		}
	})
}

func FuzzParsePvecfg(f *testing.F) {
	seeds(f, "sub version_text {\n    return '7.4-3/9002ab8a';\n}\n", "sub version { return '5.2'; }\nsub release { return '8'; }")
	f.Fuzz(func(t *testing.T, s string) { _, _, _ = ParsePvecfg([]byte(s)) })
}

func FuzzParseQEMUVersion(f *testing.F) {
	seeds(f, "QEMU emulator version 8.2.2 (Debian 1:8.2.2+ds-0ubuntu1.16)", "QEMU emulator version 1.5.3 (qemu-kvm-1.5.3-160.el7), Copyright")
	f.Fuzz(func(t *testing.T, s string) {
		if v, _, err := ParseQEMUVersion(s); err == nil && !pkgver.Valid(v) {
			t.Fatalf("invalid version %q accepted", v)
		}
	})
}

func FuzzParseLibvirtdVersion(f *testing.F) {
	seeds(f, "libvirtd (libvirt) 10.8.0")
	f.Fuzz(func(t *testing.T, s string) {
		if v, err := ParseLibvirtdVersion(s); err == nil && !pkgver.Valid(v) {
			t.Fatalf("invalid version %q accepted", v)
		}
	})
}

func FuzzParseVMwareV(f *testing.F) {
	seeds(f, "VMware ESXi 6.7.0 build-13006603")
	f.Fuzz(func(t *testing.T, s string) { _, _, _ = ParseVMwareV(s) })
}

func FuzzParseXLInfo(f *testing.F) {
	seeds(f, "xen_major : 4\nxen_minor : 13\nxen_extra : .4-9.24.1\n", "xen_version : 4.17.4-pre")
	f.Fuzz(func(t *testing.T, s string) { _, _ = ParseXLInfo(s) })
}

func FuzzParseInventory(f *testing.F) {
	seeds(f, "PRODUCT_VERSION='8.2.1'\nPRODUCT_BRAND='XCP-ng'\n")
	f.Fuzz(func(t *testing.T, s string) { _, _ = ParseInventory([]byte(s), "") })
}

func FuzzParseSmall(f *testing.F) {
	seeds(f, "kvm\n", "6.0.1 LTS", "version: 5.21.2-34459c8")
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = ParseDetectVirt(s)
		_, _ = ParseToolVersion(s)
		_, _ = ParseSnapVersion([]byte(s))
	})
}
