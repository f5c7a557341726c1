package packages

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/demarc/demarc/report"
)

func TestParseZypperXML(t *testing.T) {
	t.Parallel()
	// The update element as saltstack/salt's zypper-updates.xml (Apache-2.0)
	// has it, and with edition-old as newer zypper prints it (zypper's
	// xml_list_updates).
	in := `<?xml version='1.0'?>
<stream>
<message type="info">Loading repository data...</message>
<update-status version="0.6">
<update-list>
 <update name="SUSEConnect" edition="0.2.33-7.1" arch="x86_64" kind="package" >
  <summary>Utility to register a system with the SUSE Customer Center  </summary>
  <description>This package provides a command line tool &amp; library.</description>
  <license></license>
  <source url="http://scc.suse.de/SLE-SERVER/12-SP1/x86_64/update/" alias="SLE12-SP1-x86_64-Update"/>
 </update>
 <update name="bind-libs" edition="9.9.6P1-35.1" arch="x86_64" kind="package" edition-old="9.9.6P1-28.2">
  <summary>Shared libraries of BIND</summary>
 </update>
</update-list>
</update-status>
</stream>
`
	got, err := parseZypperXML([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := &zypperOutput{SawStatus: true, Updates: []zypperUpdate{
		{Kind: "package", Name: "SUSEConnect", Edition: "0.2.33-7.1", Arch: "x86_64", Alias: "SLE12-SP1-x86_64-Update"},
		{Kind: "package", Name: "bind-libs", Edition: "9.9.6P1-35.1", EditionOld: "9.9.6P1-28.2", Arch: "x86_64"},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v", got)
	}

	// A patch as zypper's xml_print_patch writes it (the line quoted in the
	// detection notes), in the blocked list, and zypper's error message.
	patches := `<stream><update-status version="0.6"><update-list></update-list><blocked-update-list>
<update kind="patch" name="openSUSE-Leap-16.0-112" edition="1" arch="noarch" status="needed" category="security" severity="important" pkgmanager="false" restart="false" interactive="false"></update>
</blocked-update-list></update-status><appletinfo status="no-update-repositories"/>
<message type="error">Repository 'SLE-Updates' is invalid.</message></stream>`
	got, err = parseZypperXML([]byte(patches))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Updates) != 1 || got.Updates[0].Category != "security" || got.Updates[0].Status != "needed" ||
		!got.NoUpdateRepos || !reflect.DeepEqual(got.Errors, []string{"Repository 'SLE-Updates' is invalid."}) {
		t.Errorf("patches: %+v", got)
	}

	if got, err := parseZypperXML(nil); err != nil || got.SawStatus {
		t.Errorf("empty: %+v %v", got, err)
	}
	for _, bad := range []string{"<stream><update name='a'>", "<stream><update", "\x00\xff", "<a></b>", strings.Repeat("<", 10)} {
		if _, err := parseZypperXML([]byte(bad)); !errors.Is(err, ErrUnexpectedOutput) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestZypperOK(t *testing.T) {
	t.Parallel()
	for code, want := range map[int]bool{0: true, 1: false, 4: false, 7: false, 100: true, 101: true, 102: true, 103: true, 104: true, 105: false, 106: true, 107: true, 108: false} {
		if zypperOK(code) != want {
			t.Errorf("exit %d", code)
		}
	}
}

func TestParseApk(t *testing.T) {
	t.Parallel()
	// The list line as vuls' Alpine scanner tests have it.
	in := "libcrypto3-3.3.2-r0 x86_64 {openssl} (Apache-2.0) [upgradable from: libcrypto3-3.3.0-r2]\n" +
		"py3-setuptools-70.3.0-r0 noarch {py3-setuptools} (MIT AND Apache-2.0) [upgradable from: py3-setuptools-70.1.0-r0]\n"
	got, err := parseApkUpgradable([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []report.Package{
		{Name: "libcrypto3", Arch: "x86_64", Installed: "3.3.0-r2", Candidate: "3.3.2-r0"},
		{Name: "py3-setuptools", Arch: "noarch", Installed: "70.1.0-r0", Candidate: "70.3.0-r0"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v", got)
	}
	// The apk version fallback as vuls has it.
	got, err = parseApkVersion([]byte("Installed:                                Available:\nlibcrypto1.0-1.0.1q-r0                  < 1.0.2m-r0\n"))
	if want := []report.Package{{Name: "libcrypto1.0", Installed: "1.0.1q-r0", Candidate: "1.0.2m-r0"}}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("version: %+v %v", got, err)
	}
	for _, bad := range []string{
		"libcrypto3-3.3.2-r0 x86_64 {openssl} (Apache-2.0)",
		"libcrypto3-3.3.2-r0 x86_64 {openssl} (Apache-2.0) [upgradable from: libssl3-3.3.0-r2]",
		"libcrypto3 x86_64 {openssl} (Apache-2.0) [upgradable from: libcrypto3-3.3.0-r2]",
		"\x00\xff",
	} {
		if _, err := parseApkUpgradable([]byte(bad)); !errors.Is(err, ErrUnexpectedOutput) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	for _, bad := range []string{"libcrypto1.0-1.0.1q-r0 = 1.0.1q-r0", "foo < 1.0-r0", "libcrypto1.0-1.0.1q-r0 < x"} {
		if _, err := parseApkVersion([]byte(bad)); !errors.Is(err, ErrUnexpectedOutput) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestSplitApkPkgver(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][2]string{
		"libcrypto3-3.3.2-r0": {"libcrypto3", "3.3.2-r0"}, "py3-6to4-1.0-r12": {"py3-6to4", "1.0-r12"},
		"musl-1.2.5_git20240512-r0": {"musl", "1.2.5_git20240512-r0"},
	} {
		n, v, ok := splitApkPkgver(in)
		if !ok || [2]string{n, v} != want {
			t.Errorf("%s: %s %s %v", in, n, v, ok)
		}
	}
	for _, bad := range []string{"", "-r0", "a-r0", "a-1.0", "a-1.0-r", "a-1.0-rx", "a-x-r1", "-1.0-r1"} {
		if _, _, ok := splitApkPkgver(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}
