package packages

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseDnfCheckUpdate(t *testing.T) {
	t.Parallel()
	// Rows: ci-dnf-stack check-update.feature; the Obsoleting block:
	// CloudLinux's documentation; noise lines as dnf and yum print them; the
	// wrapped row as matteocorti/check_updates describes it.
	in := `Last metadata expiration check: 0:01:02 ago on Mon 01 Jan 2024 10:00:00 AM UTC.
Loaded plugins: fastestmirror
Loading mirror speeds from cached hostfile
 * base: mirror.example.net

glibc.x86_64                     2.28-26.fc29              dnf-ci-fedora-updates
container-selinux.noarch
                                 2:2.232.1-1.fc40          updates
kernel.x86_64                    1:4.18.0-513.9.1.lve.el8  cloudlinux-x86_64-server-8
Security: kernel-3.10.0-1160.el7.x86_64 is an installed security update
Obsoleting Packages
alt-python-cllib.x86_64          2.0.8-3.el8.cloudlinux    cloudlinux-updates-testing
    alt-python27-cllib.x86_64    3.3.9-1.el8.cloudlinux    @cloudlinux-updates-testing
`
	got, err := parseDnfCheckUpdate([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []rpmUpdate{
		{Name: "glibc", Arch: "x86_64", EVR: "2.28-26.fc29", Repo: "dnf-ci-fedora-updates"},
		{Name: "container-selinux", Arch: "noarch", EVR: "2:2.232.1-1.fc40", Repo: "updates"},
		{Name: "kernel", Arch: "x86_64", EVR: "1:4.18.0-513.9.1.lve.el8", Repo: "cloudlinux-x86_64-server-8"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v", got)
	}
	if got, err := parseDnfCheckUpdate(nil); err != nil || len(got) != 0 {
		t.Errorf("empty: %v %v", got, err)
	}
	for name, bad := range map[string]string{
		"two fields, cut short": "glibc.x86_64   2.28-26.fc29\n",
		"four fields":           "glibc.x86_64 2.28-26.fc29 updates extra\n",
		"continuation first":    "   2.28-26.fc29 updates\n",
		"no arch":               "glibc 2.28-26.fc29 updates\n",
		"no release":            "glibc.x86_64 2.28 updates\n",
		"error text":            "Error: Failed to download metadata for repo 'baseos'\n",
		"binary":                "\x00\x01\xff\xfe garbage\n\x7fELF",
		"huge line":             strings.Repeat("g", maxLine+1),
	} {
		if _, err := parseDnfCheckUpdate([]byte(bad)); !errors.Is(err, ErrUnexpectedOutput) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestParseDnf5JSON(t *testing.T) {
	t.Parallel()
	// ci-dnf-stack check-update.feature, dnf5 --json scenario.
	in := `{"upgrades":[{"name":"glibc","arch":"x86_64","evr":"2.28-26.fc29","repository":"dnf-ci-fedora-updates"}],
"obsoleting_packages":[{"name":"glibc","arch":"x86_64","evr":"2.28-26.fc29","repository":"dnf-ci-fedora-updates",
"obsoletes":[{"name":"glibc","arch":"x86_64","evr":"2.28-9.fc29","repository":"dnf-ci-fedora"}]}]}`
	got, err := parseDnf5JSON([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if want := []rpmUpdate{{Name: "glibc", Arch: "x86_64", EVR: "2.28-26.fc29", Repo: "dnf-ci-fedora-updates"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v", got)
	}
	if got, err := parseDnf5JSON([]byte("{}\n")); err != nil || len(got) != 0 {
		t.Errorf("{}: %v %v", got, err)
	}
	for _, bad := range []string{"", "[]", `{"upgrades":[{"name":"glibc"}]}`, `{"upgrades":"x"}`, `{"upgrades":[`, "\x00\xff"} {
		if _, err := parseDnf5JSON([]byte(bad)); !errors.Is(err, ErrUnexpectedOutput) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestParseUpdateinfo(t *testing.T) {
	t.Parallel()
	// dnf4 rows: ci-dnf-stack updateinfo.feature, the RHSA row and Amazon
	// Linux's lower-case severity quoted in the detection notes; dnf5 table:
	// ci-dnf-stack.
	in := `FEDORA-2999:002-02     enhancement flac-1.3.3-8.fc29.x86_64
i FEDORA-2018-318f184113 Moderate/Sec. CQRlib-1.1.2-16.fc29.x86_64
RHSA-2023:0334 Important/Sec. kernel-5.14.0-162.12.1.el9_1.x86_64
ALAS2023-2024-500 important/Sec. openssl-libs-1:3.0.8-1.amzn2023.0.12.x86_64
updateinfo list done
Name                   Type     Severity                     Package              Issued
FEDORA-2018-318f184113 security Moderate glibc-2.28-26.fc29.i686 2019-01-20 00:00:00
FEDORA-2018-318f184000 bugfix   none     glibc-common-2.28-26.fc29.x86_64 2019-01-17 00:00:00
`
	got, err := parseUpdateinfo([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]advisories{"CQRlib.x86_64": {[]string{"FEDORA-2018-318f184113"}, "Moderate"}, "kernel.x86_64": {[]string{"RHSA-2023:0334"}, "Important"},
		"openssl-libs.x86_64": {[]string{"ALAS2023-2024-500"}, "important"}, "glibc.i686": {[]string{"FEDORA-2018-318f184113"}, "Moderate"}}
	gotv := map[string]advisories{}
	for k, v := range got {
		gotv[k] = *v
	}
	if !reflect.DeepEqual(gotv, want) {
		t.Errorf("got %v", gotv)
	}
	for _, bad := range []string{"RHSA-2023:0334 Important/Sec.\n", "garbage\n", "\x00\xff\n", strings.Repeat("x", maxLine+1)} {
		if _, err := parseUpdateinfo([]byte(bad)); !errors.Is(err, ErrUnexpectedOutput) {
			t.Errorf("%q: %v", clip(bad), err)
		}
	}
}

func TestSplitNEVRA(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][3]string{
		"openssl-libs-1:3.0.7-25.el9_3.x86_64":  {"openssl-libs", "1:3.0.7-25.el9_3", "x86_64"},
		"kernel-5.14.0-162.12.1.el9_1.x86_64":   {"kernel", "5.14.0-162.12.1.el9_1", "x86_64"},
		"python3-perf-4.18.0-513.9.1.lve.el8.x": {"python3-perf", "4.18.0-513.9.1.lve.el8", "x"},
	} {
		n, evr, arch, ok := splitNEVRA(in)
		if !ok || [3]string{n, evr, arch} != want {
			t.Errorf("%s: %s %s %s %v", in, n, evr, arch, ok)
		}
	}
	for _, bad := range []string{"", ".", "a.b", "a-1.x86_64", "-1-2.x86_64", "a--2.x86_64", "a-1-.x86_64", "a-1-2."} {
		if _, _, _, ok := splitNEVRA(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}
