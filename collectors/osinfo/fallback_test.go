package osinfo

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// badInputs are given to every release-file parser: none may panic, and
// each must either fail with ErrMalformed or return an empty release.
var badInputs = map[string]string{
	"binary":    "\x7fELF\x02\x01\x01\x00\x00\x00",
	"huge":      strings.Repeat("a", maxReleaseSize+1),
	"truncated": "Red Hat Enterprise Linux Server rel",
}

type fallbackCase struct {
	name, in string
	want     release
	wantErr  bool
}

func runFallbackCases(t *testing.T, parse func(io.Reader) (release, error), cases []fallbackCase) {
	t.Helper()
	for _, c := range cases {
		got, err := parse(strings.NewReader(c.in))
		if c.wantErr {
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("%s: err = %v, want ErrMalformed", c.name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got.ID != c.want.ID || got.VersionID != c.want.VersionID || got.Name != c.want.Name ||
			got.PrettyName != c.want.PrettyName || got.Codename != c.want.Codename || got.Known != c.want.Known {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestParseRedHatRelease(t *testing.T) {
	t.Parallel()
	runFallbackCases(t, parseRedHatRelease, []fallbackCase{
		{name: "cloudlinux 6", in: "CloudLinux Server release 6.5 (Pavel Popovich)\n",
			want: release{ID: "cloudlinux", Name: "CloudLinux Server", VersionID: "6.5", PrettyName: "CloudLinux Server 6.5 (Pavel Popovich)", Codename: "Pavel Popovich", Known: true}},
		{name: "rhel 7", in: "Red Hat Enterprise Linux Server release 7.5 (Maipo)\n",
			want: release{ID: "rhel", Name: "Red Hat Enterprise Linux Server", VersionID: "7.5", PrettyName: "Red Hat Enterprise Linux Server 7.5 (Maipo)", Codename: "Maipo", Known: true}},
		{name: "centos 7 trailing space", in: "CentOS Linux release 7.5.1804 (Core) \n",
			want: release{ID: "centos", Name: "CentOS Linux", VersionID: "7.5.1804", PrettyName: "CentOS Linux 7.5.1804 (Core)", Codename: "Core", Known: true}},
		{name: "centos stream", in: "CentOS Stream release 9\n",
			want: release{ID: "centos", Name: "CentOS Stream", VersionID: "9", PrettyName: "CentOS Stream 9", Known: true}},
		{name: "virtuozzo", in: "Virtuozzo Linux release 8\n",
			want: release{ID: "virtuozzo", Name: "Virtuozzo Linux", VersionID: "8", PrettyName: "Virtuozzo Linux 8", Known: true}},
		{name: "alma", in: "AlmaLinux release 8.3 (Purple Manul)",
			want: release{ID: "almalinux", Name: "AlmaLinux", VersionID: "8.3", PrettyName: "AlmaLinux 8.3 (Purple Manul)", Codename: "Purple Manul", Known: true}},
		{name: "rocky", in: "Rocky Linux release 8.3 (Green Obsidian)",
			want: release{ID: "rocky", Name: "Rocky Linux", VersionID: "8.3", PrettyName: "Rocky Linux 8.3 (Green Obsidian)", Codename: "Green Obsidian", Known: true}},
		{name: "oracle", in: "Oracle Linux Server release 7.5",
			want: release{ID: "ol", Name: "Oracle Linux Server", VersionID: "7.5", PrettyName: "Oracle Linux Server 7.5", Known: true}},
		{name: "amazon 2", in: "Amazon Linux release 2 (Karoo)",
			want: release{ID: "amzn", Name: "Amazon Linux", VersionID: "2", PrettyName: "Amazon Linux 2 (Karoo)", Codename: "Karoo", Known: true}},
		{name: "amazon ami", in: "Amazon Linux AMI release 2018.03",
			want: release{ID: "amzn", Name: "Amazon Linux AMI", VersionID: "2018.03", PrettyName: "Amazon Linux AMI 2018.03", Known: true}},
		{name: "scientific", in: "Scientific Linux release 6.4 (Carbon)",
			want: release{ID: "scientific", Name: "Scientific Linux", VersionID: "6.4", PrettyName: "Scientific Linux 6.4 (Carbon)", Codename: "Carbon", Known: true}},
		{name: "unknown name", in: "Mageia release 5 (Official) for x86_64",
			want: release{ID: "mageia", Name: "Mageia", VersionID: "5", PrettyName: "Mageia 5 (Official)", Codename: "Official"}},
		{name: "no release word", in: "ALT Server 10.1 (Mendelevium)",
			want: release{ID: "alt", Name: "ALT Server", VersionID: "10.1", PrettyName: "ALT Server 10.1 (Mendelevium)", Codename: "Mendelevium"}},
		{name: "unclosed codename", in: "Fedora release 40 (Forty",
			want: release{ID: "fedora", Name: "Fedora", VersionID: "40", PrettyName: "Fedora 40", Known: true}},
		{name: "empty", in: ""},
		{name: "blank lines", in: "\n\n  \n"},
		{name: "no version", in: "Red Hat Enterprise Linux Server release (Maipo)", wantErr: true},
		{name: "garbage version", in: "CentOS release x.y", wantErr: true},
		{name: "binary", in: badInputs["binary"], wantErr: true},
		{name: "huge", in: badInputs["huge"], wantErr: true},
		{name: "truncated", in: badInputs["truncated"], wantErr: true},
	})
}

func TestParseSuSERelease(t *testing.T) {
	t.Parallel()
	runFallbackCases(t, parseSuSERelease, []fallbackCase{
		{name: "sles 12 sp1", in: "SUSE Linux Enterprise Server 12 (s390x)\nVERSION = 12\nPATCHLEVEL = 1\n# deprecated\n",
			want: release{ID: "sles", Name: "SUSE Linux Enterprise Server", VersionID: "12.1", PrettyName: "SUSE Linux Enterprise Server 12.1", Known: true}},
		{name: "sles 11 sp0", in: "SUSE Linux Enterprise Server 11 (x86_64)\nVERSION = 11\nPATCHLEVEL = 0\n",
			want: release{ID: "sles", Name: "SUSE Linux Enterprise Server", VersionID: "11", PrettyName: "SUSE Linux Enterprise Server 11", Known: true}},
		{name: "opensuse 42", in: "openSUSE 42.1 (x86_64)\nVERSION = 42.1\nCODENAME = Malachite\n",
			want: release{ID: "opensuse", Name: "openSUSE", VersionID: "42.1", PrettyName: "openSUSE 42.1", Codename: "Malachite", Known: true}},
		{name: "opensuse 15", in: "openSUSE 15.0 (x86_64)\nVERSION = 15.0\n",
			want: release{ID: "opensuse-leap", Name: "openSUSE", VersionID: "15.0", PrettyName: "openSUSE 15.0", Known: true}},
		{name: "title only", in: "SUSE Linux Enterprise Desktop 15 (x86_64)\n",
			want: release{ID: "sled", Name: "SUSE Linux Enterprise Desktop", VersionID: "15", PrettyName: "SUSE Linux Enterprise Desktop 15", Known: true}},
		{name: "empty", in: ""},
		{name: "no version", in: "SUSE Linux Enterprise Server\n", wantErr: true},
		{name: "binary", in: badInputs["binary"], wantErr: true},
		{name: "huge", in: badInputs["huge"], wantErr: true},
	})
}

func TestParseLSBRelease(t *testing.T) {
	t.Parallel()
	runFallbackCases(t, parseLSBRelease, []fallbackCase{
		{name: "ubuntu", in: "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\nDISTRIB_DESCRIPTION=\"Ubuntu 22.04.4 LTS\"\n",
			want: release{ID: "ubuntu", Name: "Ubuntu", VersionID: "22.04", PrettyName: "Ubuntu 22.04.4 LTS", Codename: "jammy", Known: true}},
		{name: "mint", in: "DISTRIB_ID=LinuxMint\nDISTRIB_RELEASE=17.3\nDISTRIB_CODENAME=rosa\nDISTRIB_DESCRIPTION=\"Linux Mint 17.3 Rosa\"\n",
			want: release{ID: "linuxmint", Name: "LinuxMint", VersionID: "17.3", PrettyName: "Linux Mint 17.3 Rosa", Codename: "rosa", Known: true}},
		{name: "cloudlinux", in: "DISTRIB_ID=CloudLinuxServer\nDISTRIB_RELEASE=6.10\n",
			want: release{ID: "cloudlinux", Name: "CloudLinuxServer", VersionID: "6.10", Known: true}},
		{name: "unknown", in: "DISTRIB_ID=MandrivaLinux\nDISTRIB_RELEASE=2011.0\n",
			want: release{ID: "mandrivalinux", Name: "MandrivaLinux", VersionID: "2011.0"}},
		{name: "no DISTRIB_ID", in: "LSB_VERSION=core-4.1\n"},
		{name: "empty", in: ""},
		{name: "binary", in: badInputs["binary"], wantErr: true},
		{name: "huge", in: badInputs["huge"], wantErr: true},
	})
}

func TestParseDebianVersion(t *testing.T) {
	t.Parallel()
	runFallbackCases(t, parseDebianVersion, []fallbackCase{
		{name: "point release", in: "12.5\n",
			want: release{ID: "debian", Name: "Debian GNU/Linux", VersionID: "12", PrettyName: "Debian GNU/Linux 12.5", Known: true}},
		{name: "old", in: "6.0.10\n",
			want: release{ID: "debian", Name: "Debian GNU/Linux", VersionID: "6", PrettyName: "Debian GNU/Linux 6.0.10", Known: true}},
		{name: "testing", in: "bookworm/sid\n",
			want: release{ID: "debian", Name: "Debian GNU/Linux", PrettyName: "Debian GNU/Linux bookworm/sid", Codename: "bookworm", Known: true}},
		{name: "garbage", in: "11.x\n",
			want: release{ID: "debian", Name: "Debian GNU/Linux", PrettyName: "Debian GNU/Linux 11.x", Known: true}},
		{name: "empty", in: ""},
		{name: "binary", in: badInputs["binary"], wantErr: true},
		{name: "huge", in: badInputs["huge"], wantErr: true},
	})
}

func TestParseAlpineRelease(t *testing.T) {
	t.Parallel()
	runFallbackCases(t, parseAlpineRelease, []fallbackCase{
		{name: "release", in: "3.20.3\n",
			want: release{ID: "alpine", Name: "Alpine Linux", VersionID: "3.20.3", PrettyName: "Alpine Linux v3.20", Known: true}},
		{name: "alpha", in: "3.21.0_alpha20240807\n",
			want: release{ID: "alpine", Name: "Alpine Linux", VersionID: "3.21.0_alpha20240807", PrettyName: "Alpine Linux v3.21", Known: true}},
		{name: "empty", in: ""},
		{name: "garbage", in: "edge\n", wantErr: true},
		{name: "huge number", in: "9999999999999999999\n", wantErr: true},
		{name: "binary", in: badInputs["binary"], wantErr: true},
		{name: "huge", in: badInputs["huge"], wantErr: true},
	})
}

func TestContradicts(t *testing.T) {
	t.Parallel()
	osr := release{ID: "centos", IDLike: []string{"rhel", "fedora"}, VersionID: "7", Known: true}
	cases := []struct {
		fb   release
		want bool
	}{
		{release{ID: "centos", VersionID: "7.5.1804", Known: true}, false},
		{release{ID: "rhel", VersionID: "7.9", Known: true}, false},
		{release{ID: "centos", VersionID: "8.1", Known: true}, true},
		{release{ID: "ubuntu", VersionID: "7", Known: true}, true},
		{release{ID: "kvm", VersionID: "1.1", Known: false}, false},
		{release{ID: "centos", Known: true}, false},
	}
	for _, c := range cases {
		if got := contradicts(osr, c.fb); got != c.want {
			t.Errorf("%+v: got %v", c.fb, got)
		}
	}
}

func TestFamilyOf(t *testing.T) {
	t.Parallel()
	cases := []struct {
		id   string
		like []string
		want string
	}{
		{"ubuntu", []string{"debian"}, "debian"},
		{"cloudlinux", []string{"rhel", "fedora", "centos"}, "rhel"},
		{"amzn", []string{"fedora"}, "rhel"},
		{"opensuse-leap", []string{"suse", "opensuse"}, "suse"},
		{"fedora", nil, "fedora"},
		{"mageia", []string{"mandriva", "fedora"}, "fedora"},
		{"kvmibm", []string{"rhel", "fedora"}, "rhel"},
		{"manjaro", []string{"arch"}, "arch"},
		{"gentoo", nil, "gentoo"},
		{"alpine", nil, "alpine"},
		{"guix", nil, ""},
		{"", nil, ""},
	}
	for _, c := range cases {
		if got := familyOf(c.id, c.like); got != c.want {
			t.Errorf("%s %v: got %q, want %q", c.id, c.like, got, c.want)
		}
	}
}

func fuzzFallback(f *testing.F, parse func(io.Reader) (release, error), seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := parse(strings.NewReader(string(b)))
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("error not ErrMalformed: %v", err)
		}
		if err != nil && r.ID != "" {
			t.Fatalf("release %+v with error %v", r, err)
		}
	})
}

func FuzzParseRedHatRelease(f *testing.F) {
	fuzzFallback(f, parseRedHatRelease, "CentOS Linux release 7.5.1804 (Core)\n", "ALT Server 10.1 (Mendelevium)", "x release 1 (")
}

func FuzzParseSuSERelease(f *testing.F) {
	fuzzFallback(f, parseSuSERelease, "SUSE Linux Enterprise Server 12 (s390x)\nVERSION = 12\nPATCHLEVEL = 1\n", "openSUSE 42.1 (x86_64)\nVERSION = 42.1\n")
}

func FuzzParseLSBRelease(f *testing.F) {
	fuzzFallback(f, parseLSBRelease, "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_DESCRIPTION=\"Ubuntu 22.04.4 LTS\"\n")
}

func FuzzParseDebianVersion(f *testing.F) {
	fuzzFallback(f, parseDebianVersion, "12.5\n", "bookworm/sid\n")
}

func FuzzParseAlpineRelease(f *testing.F) {
	fuzzFallback(f, parseAlpineRelease, "3.20.3\n", "edge")
}
