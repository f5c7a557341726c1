package aptpolicy

import (
	"bytes"
	"compress/gzip"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"

	"github.com/demarc/demarc/internal/collectortest"
)

// The stanzas are in the shape of Debian 12's dpkg status and Packages
// files, trimmed to the fields read (see testdata/README.md for the live
// cross-checks against the real apt).

func status(pkgs ...string) string {
	out := "Package: dpkg\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.21.22\n\n"
	for _, p := range pkgs {
		out += p + "\n\n"
	}
	return out
}

func inst(name, ver, arch string) string {
	return "Package: " + name + "\nStatus: install ok installed\nPriority: optional\nArchitecture: " + arch + "\nVersion: " + ver + "\nDescription: x\n long\n ."
}

func stanza(name, ver, arch string, extra ...string) string {
	s := "Package: " + name + "\nVersion: " + ver + "\nArchitecture: " + arch + "\n"
	for _, e := range extra {
		s += e + "\n"
	}
	return s + "Description: x\n"
}

const (
	mainList = "var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages"
	secList  = "var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages"
	bpoList  = "var/lib/apt/lists/deb.debian.org_debian_dists_bookworm-backports_main_binary-amd64_Packages"
)

// debianRoot is a Debian 12 root with bookworm, bookworm-security and
// bookworm-backports (NotAutomatic, ButAutomaticUpgrades) and the given
// files on top.
func debianRoot(t *testing.T, extra map[string]string) map[string]string {
	files := map[string]string{
		"etc/apt/sources.list": "deb http://deb.debian.org/debian bookworm main\n" +
			"deb http://deb.debian.org/debian-security bookworm-security main\n" +
			"deb http://deb.debian.org/debian bookworm-backports main\n",
		"var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease": "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n" +
			"Origin: Debian\nLabel: Debian\nSuite: oldstable\nVersion: 12.12\nCodename: bookworm\nSHA256:\n 0123 45 main/binary-amd64/Packages\n-----BEGIN PGP SIGNATURE-----\n\nxx\n-----END PGP SIGNATURE-----\n",
		"var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_InRelease": "Origin: Debian\nLabel: Debian-Security\nSuite: oldstable-security\nVersion: 12\nCodename: bookworm-security\n",
		"var/lib/apt/lists/deb.debian.org_debian_dists_bookworm-backports_Release":           "Origin: Debian Backports\nLabel: Debian Backports\nSuite: oldstable-backports\nCodename: bookworm-backports\nNotAutomatic: yes\nButAutomaticUpgrades: yes\n",
		"var/lib/dpkg/status": status(inst("curl", "7.88.1-10", "amd64"), inst("tzdata", "2024a-0+deb12u1", "all"), inst("hello", "2.10-3", "amd64"),
			inst("zstd", "1.5.4+dfsg2-5", "amd64"), "Package: gone\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 1.0-1"),
		mainList: stanza("curl", "7.88.1-10+deb12u8", "amd64") + "\n" + stanza("tzdata", "2025b-0+deb12u1", "all") + "\n" +
			stanza("hello", "2.10-3", "amd64") + "\n" + stanza("nothere", "1.0", "amd64") + "\n" + stanza("zstd", "1.5.4+dfsg2-5", "amd64") + "\n" +
			stanza("gone", "2.0-1", "amd64"),
		secList: stanza("curl", "7.88.1-10+deb12u12", "amd64") + "\n" + stanza("tzdata", "2025b-0+deb12u1", "all") + "\n",
		bpoList: stanza("zstd", "1.5.5+dfsg2-1~bpo12+1", "amd64") + "\n" + stanza("hello", "2.12-1~bpo12+1", "amd64"),
	}
	for k, v := range extra {
		if v == "" {
			delete(files, k)
			continue
		}
		files[k] = v
	}
	return files
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	curlSec := Update{Name: "curl", Arch: "amd64", Installed: "7.88.1-10", Candidate: "7.88.1-10+deb12u12", Origin: "Debian-Security:12/oldstable-security", Archives: "oldstable-security"}
	tzdata := Update{Name: "tzdata", Arch: "all", Installed: "2024a-0+deb12u1", Candidate: "2025b-0+deb12u1", Origin: "Debian:12.12/oldstable, Debian-Security:12/oldstable-security", Archives: "oldstable,oldstable-security"}
	for _, tc := range []struct {
		name       string
		files      map[string]string
		want       []Update
		downgrades int
	}{
		{"defaults: highest version of priority 500; backports (100) not over the installed", nil, []Update{curlSec, tzdata}, 0},
		{"a hold is still pending, marked held", map[string]string{"var/lib/dpkg/status": status(
			strings.Replace(inst("curl", "7.88.1-10", "amd64"), "install ok", "hold ok", 1))},
			[]Update{{Name: "curl", Arch: "amd64", Installed: "7.88.1-10", Candidate: "7.88.1-10+deb12u12", Origin: curlSec.Origin, Archives: curlSec.Archives, Held: true}}, 0},
		{"pin to the base suite", map[string]string{"etc/apt/preferences.d/curl": "# comment\nPackage: curl\nPin: release n=bookworm\nPin-Priority: 990\n"},
			[]Update{{Name: "curl", Arch: "amd64", Installed: "7.88.1-10", Candidate: "7.88.1-10+deb12u8", Origin: "Debian:12.12/oldstable", Archives: "oldstable"}, tzdata}, 0},
		{"security below the installed version's 100", map[string]string{"etc/apt/preferences": "Package: *\nPin: release l=Debian-Security\nPin-Priority: 50\n"},
			[]Update{{Name: "curl", Arch: "amd64", Installed: "7.88.1-10", Candidate: "7.88.1-10+deb12u8", Origin: "Debian:12.12/oldstable", Archives: "oldstable"}, tzdata}, 0},
		{"backports pinned up (glob), the first pin wins", map[string]string{"etc/apt/preferences.d/bpo.pref": "Package: z*\nPin: release a=oldstable-backports\nPin-Priority: 500\n\nPackage: zstd\nPin: release a=oldstable-backports\nPin-Priority: -1\n"},
			[]Update{curlSec, tzdata, {Name: "zstd", Arch: "amd64", Installed: "1.5.4+dfsg2-5", Candidate: "1.5.5+dfsg2-1~bpo12+1", Origin: "Debian Backports:oldstable-backports", Archives: "oldstable-backports"}}, 0},
		{"regex pin by origin host", map[string]string{"etc/apt/preferences.d/h": "Package: /^hel+o$/\nPin: origin deb.debian.org\nPin-Priority: 600\n"},
			[]Update{curlSec, {Name: "hello", Arch: "amd64", Installed: "2.10-3", Candidate: "2.12-1~bpo12+1", Origin: "Debian Backports:oldstable-backports", Archives: "oldstable-backports"}, tzdata}, 0},
		{"a version pin over 1000 downgrades", map[string]string{"etc/apt/preferences.d/h": "Package: hello\nPin: version 2.10-2*\nPin-Priority: 1001\n",
			mainList: stanza("hello", "2.10-2", "amd64") + "\n" + stanza("zstd", "1.5.4+dfsg2-5", "amd64")},
			[]Update{curlSec, {Name: "tzdata", Arch: "all", Installed: "2024a-0+deb12u1", Candidate: "2025b-0+deb12u1", Origin: "Debian-Security:12/oldstable-security", Archives: "oldstable-security"}}, 1},
		{"ButAutomaticUpgrades upgrades a version no other suite has", map[string]string{mainList: stanza("curl", "7.88.1-10", "amd64")},
			[]Update{curlSec, {Name: "hello", Arch: "amd64", Installed: "2.10-3", Candidate: "2.12-1~bpo12+1", Origin: "Debian Backports:oldstable-backports", Archives: "oldstable-backports"},
				{Name: "tzdata", Arch: "all", Installed: "2024a-0+deb12u1", Candidate: "2025b-0+deb12u1", Origin: "Debian-Security:12/oldstable-security", Archives: "oldstable-security"},
				{Name: "zstd", Arch: "amd64", Installed: "1.5.4+dfsg2-5", Candidate: "1.5.5+dfsg2-1~bpo12+1", Origin: "Debian Backports:oldstable-backports", Archives: "oldstable-backports"}}, 0},
		{"negative priority never a candidate", map[string]string{"etc/apt/preferences.d/c": "Package: curl\nPin: version 7.88.1-10+*\nPin-Priority: -10\n"},
			[]Update{tzdata}, 0},
		{"files named otherwise are not read", map[string]string{"etc/apt/preferences.d/c.disabled": "Package: curl\nPin: version *\nPin-Priority: -10\n"},
			[]Update{curlSec, tzdata}, 0},
		{"gzip, lz4 and xz lists", map[string]string{mainList: "", secList: "",
			mainList + ".gz": gz(t, stanza("curl", "7.88.1-10+deb12u8", "amd64")),
			secList + ".lz4": lz(t, stanza("curl", "7.88.1-10+deb12u12", "amd64")),
			bpoList:          "", bpoList + ".xz": xzc(t, stanza("hello", "2.10-3", "amd64"))},
			[]Update{curlSec}, 0},
		{"a list of a source no longer configured is not read", map[string]string{"etc/apt/sources.list": "deb http://deb.debian.org/debian bookworm main\n"},
			[]Update{{Name: "curl", Arch: "amd64", Installed: "7.88.1-10", Candidate: "7.88.1-10+deb12u8", Origin: "Debian:12.12/oldstable", Archives: "oldstable"},
				{Name: "tzdata", Arch: "all", Installed: "2024a-0+deb12u1", Candidate: "2025b-0+deb12u1", Origin: "Debian:12.12/oldstable", Archives: "oldstable"}}, 0},
		{"deb822 sources", map[string]string{"etc/apt/sources.list": "",
			"etc/apt/sources.list.d/debian.sources": "Types: deb\n# a comment\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\n" +
				"Types: deb deb-src\nURIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\nComponents: main\n\nTypes: deb\nEnabled: no\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\n"},
			[]Update{curlSec, tzdata}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := collectortest.Root(t, debianRoot(t, tc.files))
			got, err := Evaluate(root)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Updates, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got.Updates, tc.want)
			}
			if len(got.Downgrades) != tc.downgrades {
				t.Errorf("downgrades %+v", got.Downgrades)
			}
		})
	}
}

func TestEvaluateUndecidable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"default release", map[string]string{"etc/apt/apt.conf.d/99release": "APT::Default-Release \"bookworm\";\n"}, "default-release"},
		{"nested phasing option", map[string]string{"etc/apt/apt.conf": "APT { Get { Always-Include-Phased-Updates \"true\"; }; };\n"}, "always-include-phased-updates"},
		{"include", map[string]string{"etc/apt/apt.conf": "#include \"/etc/other\";\n"}, "#include"},
		{"phased candidate", map[string]string{secList: stanza("curl", "7.88.1-10+deb12u12", "amd64", "Phased-Update-Percentage: 30")}, "phased"},
		{"source-version pin", map[string]string{"etc/apt/preferences": "Package: curl\nPin: source-version 1*\nPin-Priority: 900\n"}, "pin type"},
		{"never", map[string]string{"etc/apt/preferences": "Package: *\nPin: release a=x\nPin-Priority: never\n"}, "Pin-Priority"},
		{"unknown release key", map[string]string{"etc/apt/preferences": "Package: *\nPin: release x=1\nPin-Priority: 10\n"}, "release pin part"},
		{"back-reference", map[string]string{"etc/apt/preferences": "Package: /(a)\\1/\nPin: release a=x\nPin-Priority: 10\n"}, "regular expression"},
		{"no Release", map[string]string{"var/lib/apt/lists/deb.debian.org_debian_dists_bookworm-backports_Release": ""}, "no InRelease or Release"},
		{"zstd", map[string]string{bpoList: "", bpoList + ".zst": "x"}, "zst"},
		{"two compressions", map[string]string{bpoList + ".gz": gz(t, "Package: a\n")}, "stored twice"},
		{"flat repository", map[string]string{"etc/apt/sources.list.d/flat.list": "deb http://example.org/repo ./\n"}, "flat"},
		{"garbage list", map[string]string{mainList: "this is not\na Packages file\n"}, "no field name"},
		{"broken lz4", map[string]string{secList: "", secList + ".lz4": "not lz4"}, "lz4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Evaluate(collectortest.Root(t, debianRoot(t, tc.files)))
			if !errors.Is(err, ErrUndecidable) || !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(tc.want)) {
				t.Errorf("err %v, want ErrUndecidable with %q", err, tc.want)
			}
		})
	}
}

func TestEvaluateMalformedStatus(t *testing.T) {
	t.Parallel()
	for _, st := range []string{"Package: a\nStatus: broken\n", "no colon here\n", "Package: a\nStatus: install ok installed\nArchitecture: amd64\n"} {
		_, err := Evaluate(collectortest.Root(t, debianRoot(t, map[string]string{"var/lib/dpkg/status": st})))
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: err %v", st, err)
		}
	}
}

func TestURIToFileName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"http://deb.debian.org/debian/dists/bookworm/":                            "deb.debian.org_debian_dists_bookworm_",
		"https://user:pw@esm.ubuntu.com/infra/ubuntu/dists/jammy-infra-security/": "esm.ubuntu.com_infra_ubuntu_dists_jammy-infra-security_",
		"http://autoinstall.plesk.com/PSA_18.0.61/dists/jammy/":                   "autoinstall.plesk.com_PSA%5f18.0.61_dists_jammy_",
		"file:///srv/repo/dists/stable/":                                          "_srv_repo_dists_stable_",
		"http://mirror:8080/debian/dists/x~y/":                                    "mirror:8080_debian_dists_x%7ey_",
	} {
		if got := uriToFileName(in); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}

func TestFnmatch(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		p, s string
		want bool
	}{
		{"lib*", "libc6", true}, {"lib*", "xlib", false}, {"*-security", "bookworm-security", true},
		{"?ash", "bash", true}, {"[bd]ash", "dash", true}, {"[!bd]ash", "dash", false}, {"[a-c]x", "bx", true},
		{"LIB*", "libc6", true}, {"a\\*", "a*", true}, {"a\\*", "ab", false}, {"[", "[", true}, {"*/x", "a/b/x", true},
	} {
		if got := fnmatchFold(tc.p, tc.s); got != tc.want {
			t.Errorf("fnmatch(%q, %q) = %v", tc.p, tc.s, got)
		}
	}
}

func TestPolicyKey(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`Dir::Cache::pkgcache "";`:                      "",
		`APT::Default-Release "stable";`:                "default-release",
		"// APT::Default-Release \"x\";\nFoo \"bar\";":  "",
		`DPkg::Post-Invoke { "rm -f /etc/x/state" ; };`: "",
		"APT { Architectures { \"i386\"; }; };":         "architectures",
		"/* Dir::State */ A::B \"c\";":                  "",
		`Dir::State::status "/x";`:                      "state",
	} {
		if got := policyKey(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

func gz(t *testing.T, s string) string {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func lz(t *testing.T, s string) string {
	var b bytes.Buffer
	w := lz4.NewWriter(&b)
	w.Write([]byte(s))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func xzc(t *testing.T, s string) string {
	var b bytes.Buffer
	w, err := xz.NewWriter(&b)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(s))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
