package hwinfo

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/demarc/demarc/internal/hostfs"
)

// Trimmed from chef/ohai spec/data/plugins/cpuinfo-x86-guest-kvm.output
// (Apache-2.0): a KVM guest with the hypervisor flag and microcode 0x1.
const cpuinfoKVM = `processor	: 0
vendor_id	: GenuineIntel
cpu family	: 6
model		: 6
model name	: QEMU Virtual CPU version 2.5+
stepping	: 3
microcode	: 0x1
flags		: fpu de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pse36 clflush mmx fxsr sse sse2 syscall nx lm rep_good nopl xtopology cpuid tsc_known_freq pni cx16 x2apic hypervisor lahf_lm cpuid_fault pti
`

const cpuinfoHost = `processor	: 0
vendor_id	: AuthenticAMD
cpu family	: 23
model		: 49
model name	: AMD EPYC 7302P 16-Core Processor
stepping	: 0
microcode	: 0x830107a
flags		: fpu vme de pse tsc msr

processor	: 1
vendor_id	: AuthenticAMD
cpu family	: 23
model		: 49
model name	: AMD EPYC 7302P 16-Core Processor
stepping	: 0
microcode	: 0x8301055
flags		: fpu vme de pse tsc msr
`

func TestParseCPUInfo(t *testing.T) {
	cpus, err := ParseCPUInfo([]byte(cpuinfoKVM))
	if err != nil || len(cpus) != 1 || !cpus[0].Hypervisor || cpus[0].Microcode != "0x1" {
		t.Fatalf("kvm: %+v %v", cpus, err)
	}
	if g, id := CPUGuest(cpus); !g || id != "qemu" {
		t.Fatalf("CPUGuest = %v %q", g, id)
	}
	cpus, err = ParseCPUInfo([]byte(cpuinfoHost))
	if err != nil || len(cpus) != 2 || cpus[1].Family != "23" || cpus[0].Hypervisor {
		t.Fatalf("host: %+v %v", cpus, err)
	}
	if g, _ := CPUGuest(cpus); g {
		t.Fatal("host reported as guest")
	}
	m, ok := SummariseMicrocode([]string{cpus[0].Microcode, cpus[1].Microcode, "junk"})
	if !ok || m.Min != 0x8301055 || m.Max != 0x830107a || !m.Mixed || m.Bad != 1 {
		t.Fatalf("summary %+v", m)
	}
	for _, in := range []string{"", "processor : 0", cpuinfoHost[:40], strings.Repeat("x", 2<<20)} {
		if _, err := ParseCPUInfo([]byte(in)); err != nil && !errors.Is(err, ErrMalformed) {
			t.Errorf("%.20q: %v", in, err)
		}
	}
	if _, err := ParseCPUInfo([]byte("\x00\x01\x02 junk without fields")); !errors.Is(err, ErrMalformed) {
		t.Errorf("binary: %v", err)
	}
}

func TestParseMicrocode(t *testing.T) {
	for in, want := range map[string]uint64{"0x2f": 0x2f, "0XF0": 0xf0, "47": 47, " 0x1\n": 1} {
		if got, err := ParseMicrocode(in); err != nil || got != want {
			t.Errorf("%q = %d %v", in, got, err)
		}
	}
	for _, in := range []string{"", "0x", "zz", "0x99999999999999999999", "9999999999999999999999", "-1"} {
		if _, err := ParseMicrocode(in); !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: %v", in, err)
		}
	}
}

func TestParseBIOSDate(t *testing.T) {
	for in, want := range map[string]string{"04/12/2021": "2021-04-12", "4/2/2019\n": "2019-04-02", "12/31/99": "1999-12-31", "01/05/12": "2012-01-05"} {
		if got, err := ParseBIOSDate(in); err != nil || got != want {
			t.Errorf("%q = %q %v", in, got, err)
		}
	}
	for _, in := range []string{"", "2021-04-12", "13/01/2021", "02/30/2021", "04/12/20211", "04/12", "aa/bb/cccc", "\xff\xfe"} {
		if _, err := ParseBIOSDate(in); !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: %v", in, err)
		}
	}
}

func TestCleanDMIAndVendor(t *testing.T) {
	for in, want := range map[string]string{"Dell Inc.\n": "Dell Inc.", "To Be Filled By O.E.M.": "", "Default string\n": "", " QEMU\x00": "QEMU", "\xff\xff": ""} {
		if got := CleanDMI(in); got != want {
			t.Errorf("CleanDMI(%q) = %q; want %q", in, got, want)
		}
	}
	for _, tc := range []struct {
		d    DMI
		want string
	}{
		{DMI{SysVendor: "Red Hat", ProductName: "KVM"}, "kvm"},
		{DMI{SysVendor: "QEMU", ProductName: "Standard PC (i440FX + PIIX, 1996)"}, "qemu"},
		{DMI{SysVendor: "VMware, Inc.", ProductName: "VMware Virtual Platform"}, "vmware"},
		{DMI{SysVendor: "Microsoft Corporation", ProductName: "Virtual Machine"}, "microsoft"},
		{DMI{SysVendor: "Microsoft Corporation", ProductName: "Surface Laptop 4"}, ""},
		{DMI{SysVendor: "Amazon EC2", ProductName: "c5n.large"}, "amazon"},
		{DMI{SysVendor: "Amazon EC2", ProductName: "m5.metal"}, ""},
		{DMI{SysVendor: "Xen", ProductName: "HVM domU"}, "xen"},
		{DMI{SysVendor: "Oracle Corporation", ProductName: "VirtualBox"}, "oracle"},
		{DMI{SysVendor: "Oracle Corporation", ProductName: "ORACLE SERVER X8-2"}, ""},
		{DMI{SysVendor: "Dell Inc.", ProductName: "PowerEdge R6515"}, ""},
		{DMI{}, ""},
	} {
		if got, _ := VirtVendor(tc.d); got != tc.want {
			t.Errorf("VirtVendor(%+v) = %q; want %q", tc.d, got, tc.want)
		}
	}
}

func TestReadDMI(t *testing.T) {
	dir := t.TempDir()
	id := filepath.Join(dir, "sys/class/dmi/id")
	if err := os.MkdirAll(id, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, v string) {
		if err := os.WriteFile(filepath.Join(id, name), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("sys_vendor", "Dell Inc.\n")
	write("product_name", "PowerEdge R6515\n")
	write("board_name", strings.Repeat("x", dmiLimit+1))
	write("product_serial", "SECRET\n")
	root, err := hostfs.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	d, notes := ReadDMI(root)
	if d.SysVendor != "Dell Inc." || d.ProductName != "PowerEdge R6515" || d.BoardName != "" || len(notes) != 1 {
		t.Fatalf("%+v %v", d, notes)
	}
	empty, _ := hostfs.New(t.TempDir())
	if d, notes := ReadDMI(empty); !d.Empty() || notes != nil {
		t.Fatalf("empty root: %+v %v", d, notes)
	}
}

func FuzzParseCPUInfo(f *testing.F) {
	f.Add([]byte(cpuinfoKVM))
	f.Add([]byte(cpuinfoHost))
	f.Add([]byte("processor:\nmicrocode:0x"))
	f.Fuzz(func(t *testing.T, b []byte) {
		cpus, _ := ParseCPUInfo(b)
		revs := make([]string, 0, len(cpus))
		for _, c := range cpus {
			revs = append(revs, c.Microcode)
		}
		if m, ok := SummariseMicrocode(revs); ok && m.Min > m.Max {
			t.Fatalf("min > max: %+v", m)
		}
		CPUGuest(cpus)
	})
}

func FuzzParseBIOSDate(f *testing.F) {
	for _, s := range []string{"04/12/2021", "12/31/99", "", "1/1/1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseBIOSDate(s)
		if err == nil && len(d) != 10 {
			t.Fatalf("%q -> %q", s, d)
		}
	})
}

func FuzzCleanDMI(f *testing.F) {
	f.Add("Dell Inc.\n")
	f.Fuzz(func(t *testing.T, s string) {
		v := CleanDMI(s)
		if len(v) > 128 {
			t.Fatalf("too long: %d", len(v))
		}
		VirtVendor(DMI{SysVendor: v, ProductName: v})
	})
}
