package kernel

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/demarc/demarc/internal/pkgdb"
	"github.com/demarc/demarc/internal/pkgver"
)

func TestParseRebootPkgs(t *testing.T) {
	t.Parallel()
	var sb strings.Builder
	for i := range 2 * maxPackages {
		sb.WriteString("pkg" + strconv.Itoa(i) + "\npkg0\n")
	}
	many := sb.String()
	cases := []struct {
		name    string
		in      string
		want    []string
		n       int
		wantErr bool
	}{
		{name: "empty", in: "", want: nil},
		{name: "typical", in: "linux-image-6.8.0-45-generic\nlinux-base\nlibc6\nlibc6\n", want: []string{"linux-image-6.8.0-45-generic", "linux-base", "libc6"}},
		{name: "junk lines", in: "libc6\n  \n***\nhas space\n-dash\nlibssl3:amd64\n", want: []string{"libc6", "libssl3:amd64"}},
		{name: "truncated", in: "libc6\nlibss", want: []string{"libc6", "libss"}},
		{name: "huge list capped", in: many, n: maxPackages},
		{name: "binary", in: "libc6\n\x00\x01", wantErr: true},
	}
	for _, c := range cases {
		got, err := parseRebootPkgs([]byte(c.in))
		if c.wantErr {
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("%s: err = %v", c.name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if c.n > 0 {
			if len(got) != c.n {
				t.Errorf("%s: %d names", c.name, len(got))
			}
			continue
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

func TestParseNeedsRestarting(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		in      string
		want    []string
		wantErr bool
	}{
		{name: "dnf", in: "Core libraries or services have been updated since boot-up:\n  * glibc\n  * kernel\n  * kernel-core\n\nReboot is required to fully utilize these updates.\nMore information: https://access.redhat.com/solutions/27943\n",
			want: []string{"glibc", "kernel", "kernel-core"}},
		{name: "yum-utils", in: "Core libraries or services have been updated:\n  kernel -> 3.10.0-1160.119.1.el7\n  glibc -> 2.17-326.el7_9.3\n\nReboot is required to ensure that your system benefits from these updates.\n",
			want: []string{"kernel", "glibc"}},
		{name: "not needed", in: "No core libraries or services have been updated since boot-up.\nReboot should not be necessary.\n"},
		{name: "empty", in: ""},
		{name: "truncated", in: "Core libraries or services have been updated since boot-up:\n  * gli", want: []string{"gli"}},
		{name: "junk", in: "  * \n  ***\n\t-> x\n", want: nil},
		{name: "binary", in: "\x00\x01", wantErr: true},
	}
	for _, c := range cases {
		got, err := parseNeedsRestarting([]byte(c.in))
		if c.wantErr {
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("%s: err = %v", c.name, err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%s: got %q %v, want %q", c.name, got, err, c.want)
		}
	}
}

func TestDebKernelRelease(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, release, flavour string
	}{
		{"linux-image-6.1.0-28-amd64", "6.1.0-28-amd64", "amd64"},
		{"linux-image-6.1.0-28-cloud-amd64", "6.1.0-28-cloud-amd64", "cloud-amd64"},
		{"linux-image-6.1.0-28-amd64-unsigned", "6.1.0-28-amd64", "amd64"},
		{"linux-image-6.12.38+deb13-amd64", "6.12.38+deb13-amd64", "amd64"},
		{"linux-image-4.19.0-0.bpo.6-amd64", "4.19.0-0.bpo.6-amd64", "amd64"},
		{"linux-image-5.15.0-91-generic", "5.15.0-91-generic", "generic"},
		{"linux-image-unsigned-6.5.0-14-generic", "6.5.0-14-generic", "generic"},
		{"linux-image-6.8.0-1015-aws", "6.8.0-1015-aws", "aws"},
		{"linux-image-2.6.32-5-amd64", "2.6.32-5-amd64", "amd64"},
		{"proxmox-kernel-6.8.12-4-pve-signed", "6.8.12-4-pve", "pve"},
		{"proxmox-kernel-6.8.12-4-pve", "6.8.12-4-pve", "pve"},
		{"pve-kernel-5.15.158-2-pve", "5.15.158-2-pve", "pve"},
		// not kernels: metapackages, debug symbols, helpers
		{"linux-image-amd64", "", ""},
		{"linux-image-cloud-amd64", "", ""},
		{"linux-image-generic", "", ""},
		{"linux-image-virtual", "", ""},
		{"linux-image-generic-hwe-22.04", "", ""},
		{"linux-image-6.1.0-28-amd64-dbg", "", ""},
		{"linux-image-extra-4.4.0-21-generic", "", ""},
		{"proxmox-kernel-6.8", "", ""},
		{"proxmox-kernel-helper", "", ""},
		{"pve-kernel-5.15", "", ""},
		{"linux-headers-6.1.0-28-amd64", "", ""},
		{"", "", ""},
	}
	for _, c := range cases {
		rel, ok := debKernelRelease(c.name)
		if rel != c.release || ok != (c.release != "") {
			t.Errorf("%s: got %q %v, want %q", c.name, rel, ok, c.release)
		}
		if ok && flavourOf(rel) != c.flavour {
			t.Errorf("%s: flavour %q, want %q", c.name, flavourOf(rel), c.flavour)
		}
	}
}

func TestRPMKernelRelease(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, version, arch, want string }{
		{"kernel-core", "5.14.0-427.13.1.el9_4", "x86_64", "5.14.0-427.13.1.el9_4.x86_64"},
		{"kernel", "1:3.10.0-1160.el7", "x86_64", "3.10.0-1160.el7.x86_64"},
		{"kernel-uek", "5.15.0-208.159.3.2.el8uek", "aarch64", "5.15.0-208.159.3.2.el8uek.aarch64"},
		{"kernel-default", "5.14.21-150500.55.39.1", "x86_64", "5.14.21-150500.55.39-default"},
		{"kernel-default", "4.12.14", "x86_64", "4.12.14-default"},
		{"vzkernel", "3.10.0-1160.80.1.vz7.191.4", "", "3.10.0-1160.80.1.vz7.191.4"},
		{"kernel", "", "(none)", ""},
		{"kernel-debug-core", "5.14.0-427.13.1.el9_4", "x86_64", "5.14.0-427.13.1.el9_4.x86_64+debug"},
		{"kernel-debug", "3.10.0-1160.119.1.el7", "x86_64", "3.10.0-1160.119.1.el7.x86_64.debug"},
		{"kernel-rt-core", "5.14.0-284.11.1.rt14.296.el9_2", "x86_64", "5.14.0-284.11.1.rt14.296.el9_2.x86_64"},
		{"kernel-rt-debug-core", "4.18.0-80.rt9.138.el8", "x86_64", "4.18.0-80.rt9.138.el8.x86_64+debug"},
		{"kernel-64k-core", "5.14.0-362.8.1.el9_3", "aarch64", "5.14.0-362.8.1.el9_3.aarch64+64k"},
		{"kernel-64k-debug-core", "5.14.0-362.8.1.el9_3", "aarch64", "5.14.0-362.8.1.el9_3.aarch64+64k-debug"},
		{"kernel-PAE-core", "5.3.7-301.fc31", "i686", "5.3.7-301.fc31.i686+PAE"},
	}
	for _, c := range cases {
		if got := rpmKernelRelease(c.name, c.version, c.arch); got != c.want {
			t.Errorf("%s %s: got %q, want %q", c.name, c.version, got, c.want)
		}
	}
}

func TestAPKKernelRelease(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ flavour, version, want string }{
		{"virt", "6.6.58-r0", "6.6.58-0-virt"},
		{"lts", "6.12.1-r1", "6.12.1-1-lts"},
		{"edge", "garbage", ""},
		{"lts", "", ""},
		{"lts", "9999999999999999999", ""},
	} {
		got, ok := apkKernelRelease(c.flavour, c.version)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("%s %s: got %q", c.flavour, c.version, got)
			continue
		}
		if ok {
			if back, _ := releaseAsAPKVersion(got); back != c.version {
				t.Errorf("%s: round trip %q", got, back)
			}
		}
	}
}

func TestParseRunningBuild(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"#1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)":    "6.1.119-1",
		"#1 SMP PREEMPT_DYNAMIC PMX 6.8.12-4 (2024-11-06T15:04Z)": "6.8.12-4",
		"#1 SMP Debian 4.19.249-2 (2022-06-30)":                   "4.19.249-2",
		"#104-Ubuntu SMP Tue Jan 9 15:25:40 UTC 2024":             "",
		"#1 SMP PREEMPT_DYNAMIC Debian (":                         "",
		"":                                                        "",
	} {
		if got := parseRunningBuild(in); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}

func TestAssess(t *testing.T) {
	t.Parallel()
	deb := []installedKernel{
		{Package: "linux-image-6.1.0-26-amd64", Family: "amd64", Release: "6.1.0-26-amd64", Version: "6.1.112-1"},
		{Package: "linux-image-6.1.0-28-amd64", Family: "amd64", Release: "6.1.0-28-amd64", Version: "6.1.119-1"},
		{Package: "linux-image-6.1.0-28-cloud-amd64", Family: "cloud-amd64", Release: "6.1.0-28-cloud-amd64", Version: "6.1.119-1"},
		{Package: "linux-image-6.1.0-9-amd64", Family: "amd64", Release: "6.1.0-9-amd64", Version: "6.1.27-1"},
	}
	cases := []struct {
		name, running, build string
		kernels              []installedKernel
		newest               string
		newer                bool
		notes                int
	}{
		// "6.1.0-9" sorts after "6.1.0-28" as a string; the version order
		// says otherwise.
		{name: "newer by version not string", running: "6.1.0-26-amd64", kernels: deb, newest: "6.1.0-28-amd64", newer: true},
		{name: "up to date", running: "6.1.0-28-amd64", kernels: deb, newest: "6.1.0-28-amd64"},
		{name: "other flavour ignored", running: "6.1.0-28-cloud-amd64", kernels: deb, newest: "6.1.0-28-cloud-amd64"},
		{name: "rebuilt in place", running: "6.1.0-28-amd64", build: "6.1.106-3", kernels: deb, newest: "6.1.0-28-amd64", newer: true},
		{name: "not live", kernels: deb, newest: "6.1.0-28-amd64"},
		{name: "running package removed", running: "6.1.0-25-amd64", kernels: deb, newest: "6.1.0-28-amd64", newer: true, notes: 1},
		{name: "custom kernel", running: "6.18.44-custom", kernels: deb, notes: 1},
		{name: "garbage versions", running: "6.1.0-26-amd64", kernels: []installedKernel{
			{Family: "amd64", Release: "6.1.0-26-amd64", Version: "6.1.112-1"},
			{Family: "amd64", Release: "6.1.0-99-amd64", Version: "11.x:"},
		}, newest: "6.1.0-26-amd64", notes: 1},
	}
	for _, c := range cases {
		a := assess(pkgver.Deb, c.running, c.build, c.kernels)
		got := ""
		if a.Newest != nil {
			got = a.Newest.Release
		}
		if got != c.newest || a.Newer != c.newer || len(a.Notes) != c.notes {
			t.Errorf("%s: newest %q newer %v notes %q", c.name, got, a.Newer, a.Notes)
		}
	}
}

// TestRPMFlavours: a debug, real-time or 64k kernel is compared only with
// kernels of its own flavour, from the installed packages to the verdict.
func TestRPMFlavours(t *testing.T) {
	t.Parallel()
	db := &pkgdb.DB{Format: pkgver.RPM, Source: "test", Packages: []pkgdb.Package{
		{Name: "kernel-64k-core", Version: "5.14.0-362.8.1.el9_3", Arch: "aarch64"},
		{Name: "kernel-core", Version: "5.14.0-503.11.1.el9_5", Arch: "aarch64"},
		{Name: "kernel-debug-core", Version: "5.14.0-362.8.1.el9_3", Arch: "aarch64"},
		{Name: "kernel-debug-core", Version: "5.14.0-427.13.1.el9_4", Arch: "aarch64"},
		{Name: "kernel-rt-core", Version: "5.14.0-284.11.1.rt14.296.el9_2", Arch: "aarch64"},
	}}
	kernels := installedKernels(db)
	for _, c := range []struct {
		running, newest string
		newer           bool
	}{
		{"5.14.0-362.8.1.el9_3.aarch64+debug", "5.14.0-427.13.1.el9_4.aarch64+debug", true},
		{"5.14.0-362.8.1.el9_3.aarch64+64k", "5.14.0-362.8.1.el9_3.aarch64+64k", false},
		{"5.14.0-284.11.1.rt14.296.el9_2.aarch64", "5.14.0-284.11.1.rt14.296.el9_2.aarch64", false},
		{"5.14.0-427.13.1.el9_4.aarch64", "5.14.0-503.11.1.el9_5.aarch64", true},
		// A flavour that is running but no longer installed is guessed from
		// its suffix and compared with its own kind only.
		{"5.14.0-300.el9.aarch64+64k", "5.14.0-362.8.1.el9_3.aarch64+64k", true},
	} {
		a := assess(pkgver.RPM, c.running, "", kernels)
		got := ""
		if a.Newest != nil {
			got = a.Newest.Release
		}
		if got != c.newest || a.Newer != c.newer {
			t.Errorf("running %s: newest %q newer %v, want %q %v (notes %q)", c.running, got, a.Newer, c.newest, c.newer, a.Notes)
		}
	}
}

func TestInstalledKernelsEmpty(t *testing.T) {
	t.Parallel()
	for _, f := range []pkgver.Format{pkgver.Deb, pkgver.RPM, pkgver.APK, "other"} {
		if ks := installedKernels(&pkgdb.DB{Format: f}); len(ks) != 0 {
			t.Errorf("%s: %v", f, ks)
		}
	}
}

func FuzzParseRebootPkgs(f *testing.F) {
	f.Add([]byte("libc6\nlinux-base\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		pkgs, err := parseRebootPkgs(b)
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatal(err)
		}
		if len(pkgs) > maxPackages {
			t.Fatalf("%d names", len(pkgs))
		}
	})
}

func FuzzParseNeedsRestarting(f *testing.F) {
	f.Add([]byte("Core libraries:\n  * glibc\n  kernel -> 3.10\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		pkgs, err := parseNeedsRestarting(b)
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatal(err)
		}
		for _, p := range pkgs {
			if !packageName.MatchString(p) {
				t.Fatalf("bad name %q", p)
			}
		}
	})
}

func FuzzKernelRelease(f *testing.F) {
	f.Add("linux-image-6.1.0-28-amd64", "5.14.21-150500.55.39.1", "x86_64")
	f.Add("proxmox-kernel-6.8.12-4-pve-signed", "6.6.58-r0", "")
	f.Fuzz(func(t *testing.T, name, version, arch string) {
		if rel, ok := debKernelRelease(name); ok && flavourOf(rel) == "" {
			t.Fatalf("%q: release %q without flavour", name, rel)
		}
		_ = rpmKernelRelease(name, version, arch)
		if rel, ok := apkKernelRelease("virt", version); ok {
			if back, ok := releaseAsAPKVersion(rel); !ok || back != version {
				t.Fatalf("%q: round trip %q", version, back)
			}
		}
		_ = parseRunningBuild(name)
		_ = guessFamily(pkgver.RPM, name)
	})
}

func FuzzAssess(f *testing.F) {
	f.Add("6.1.0-26-amd64", "6.1.112-1", "6.1.119-1", "6.1.112-1")
	f.Fuzz(func(t *testing.T, running, build, v1, v2 string) {
		for _, fm := range []pkgver.Format{pkgver.Deb, pkgver.RPM, pkgver.APK} {
			ks := []installedKernel{
				{Family: flavourOf(running), Release: running, Version: v1},
				{Family: flavourOf(running), Release: running + "x", Version: v2},
			}
			_ = assess(fm, running, build, ks)
		}
	})
}

func TestBuildDate(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"#1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)", "2024-11-22"},
		{"#1 SMP PREEMPT_DYNAMIC PMX 6.8.12-4 (2024-11-06T15:04Z)", "2024-11-06"},
		{"#220-Ubuntu SMP Fri Sep 27 13:19:16 UTC 2024", "2024-09-27"},
		{"#1 SMP PREEMPT_DYNAMIC Wed Apr 10 10:04:35 EDT 2024", "2024-04-10"},
		{"#1 SMP Tue Jun  4 08:33:18 UTC 2024", "2024-06-04"},
		{"#1 SMP Mon Oct 19 16:18:59 +0000 2020", "2020-10-19"},
		{"#1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-02-30)", ""}, // no such day
		{"#1 SMP Fri Sep 31 13:19:16 UTC 2024", ""},
		{"#1 SMP", ""},
		{"", ""},
	} {
		if got := buildDate(c.in); got != c.want {
			t.Errorf("buildDate(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestKLPSystem(t *testing.T) {
	for name, want := range map[string]string{
		"lkp_Ubuntu_5_15_0_91_101_generic_110": "canonical-livepatch",
		"kpatch_5_14_0_427_13_1":               "kpatch",
		"livepatch_sample":                     "livepatch",
	} {
		if got := klpSystem(name); got != want {
			t.Errorf("klpSystem(%q) = %q, want %q", name, got, want)
		}
	}
}
