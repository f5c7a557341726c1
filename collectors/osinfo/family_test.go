package osinfo

import (
	"strings"
	"testing"
)

// sles11NoID is the os-release of SLES 11 SP4 as ansible's distribution
// tests quote it (ansible/ansible, test/units/module_utils/facts/system/
// distribution/fixtures/sles_11.4.json) with its ID line removed:
// every real SUSE os-release found carries ID, so a file without one is
// that file trimmed.
const sles11NoID = `NAME="SLES"
VERSION="11.4"
VERSION_ID="11.4"
PRETTY_NAME="SUSE Linux Enterprise Server 11 SP4"
ANSI_COLOR="0;32"
CPE_NAME="cpe:/o:suse:sles:11:4"
`

func TestIDFromCPE(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		cpe, id, version string
		ok               bool
	}{
		{"cpe:/o:suse:sles:11:4", "sles", "11.4", true},
		{"cpe:/o:suse:sles:12:sp1", "sles", "12.1", true},
		{"cpe:/o:suse:sles:12", "sles", "12", true},
		{"cpe:/o:suse:sles:15:sp4", "sles", "15.4", true},
		{"cpe:/o:suse:sled:15", "sled", "15", true},
		{"cpe:/o:suse:sles_sap:12:sp1", "sles_sap", "12.1", true},
		{"cpe:/o:opensuse:leap:42.3", "opensuse-leap", "42.3", true},
		{"cpe:/o:opensuse:leap:15.2", "opensuse-leap", "15.2", true},
		{"cpe:/o:opensuse:opensuse:13.2", "opensuse", "13.2", true},
		{"cpe:/o:opensuse:tumbleweed:20220124", "opensuse-tumbleweed", "20220124", true},
		{" CPE:/O:SUSE:SLES:11:4 ", "sles", "11.4", true},
		// Known product, malformed version: the ID, no version.
		{"cpe:/o:suse:sles", "sles", "", true},
		{"cpe:/o:suse:sles:", "sles", "", true},
		{"cpe:/o:suse:sles:eleven:4", "sles", "", true},
		{"cpe:/o:suse:sles:11:spx", "sles", "", true},
		{"cpe:/o:suse:sles:11:4.1", "sles", "", true},
		{"cpe:/o:suse:sles:11..4", "sles", "", true},
		{"cpe:/o:suse:sles:11:4:extra", "sles", "", true},
		{"cpe:/o:opensuse:tumbleweed:-", "opensuse-tumbleweed", "", true},
		// Not a SUSE operating system CPE, or not a CPE.
		{"", "", "", false},
		{"cpe:/o:suse", "", "", false},
		{"cpe:/a:suse:sles:11:4", "", "", false},
		{"cpe:/o:redhat:enterprise_linux:9", "", "", false},
		{"cpe:2.3:o:suse:sles:15:sp4:*:*:*:*:*:*", "", "", false},
		{"suse:sles:11:4", "", "", false},
		{"cpe:/o:suse:sles\x00:11", "", "", false},
	} {
		id, v, ok := idFromCPE(c.cpe)
		if id != c.id || v != c.version || ok != c.ok {
			t.Errorf("%q: %q %q %v, want %q %q %v", c.cpe, id, v, ok, c.id, c.version, c.ok)
		}
	}
}

func TestOSReleaseWithoutID(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, in, id, version, family string
		fromCPE                       bool
	}{
		{"SLES 11 SP4 without ID", sles11NoID, "sles", "11.4", "suse", true},
		{"no VERSION_ID either", strings.Replace(sles11NoID, "VERSION_ID=\"11.4\"\n", "", 1), "sles", "11.4", "suse", true},
		{"VERSION_ID wins", strings.Replace(sles11NoID, "VERSION_ID=\"11.4\"", "VERSION_ID=\"11.3\"", 1), "sles", "11.3", "suse", true},
		{"Leap 42.3 without ID", "NAME=\"openSUSE Leap\"\nVERSION=\"42.3\"\nCPE_NAME=\"cpe:/o:opensuse:leap:42.3\"\n", "opensuse-leap", "42.3", "suse", true},
		{"malformed CPE: no ID", strings.Replace(sles11NoID, "cpe:/o:suse:sles:11:4", "cpe:/o:suse", 1), "", "11.4", "", false},
		{"malformed CPE version: the ID", "NAME=SLES\nCPE_NAME=\"cpe:/o:suse:sles:11:spx\"\n", "sles", "", "suse", true},
		{"ID present: CPE not consulted", "ID=opensuse\nVERSION_ID=42.3\nCPE_NAME=\"cpe:/o:opensuse:leap:42.3\"\n", "opensuse", "42.3", "suse", false},
		{"foreign CPE", "NAME=x\nCPE_NAME=\"cpe:/o:fedoraproject:fedora:40\"\n", "", "", "", false},
	} {
		kv, err := parseOSRelease(strings.NewReader(c.in))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		r := fromOSRelease(kv)
		if r.ID != c.id || r.VersionID != c.version || r.FromCPE != c.fromCPE || familyOf(r.ID, r.IDLike) != c.family {
			t.Errorf("%s: %+v (family %q)", c.name, r, familyOf(r.ID, r.IDLike))
		}
	}
}

func FuzzIDFromCPE(f *testing.F) {
	for _, s := range []string{"cpe:/o:suse:sles:11:4", "cpe:/o:opensuse:leap:42.3", "cpe:/o:suse:sles:12:sp", "cpe:/o::"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, v, ok := idFromCPE(s)
		if !ok && (id != "" || v != "") {
			t.Fatalf("%q: not ok but %q %q", s, id, v)
		}
		if v != "" && !dottedNumber(v) {
			t.Fatalf("%q: version %q", s, v)
		}
	})
}
