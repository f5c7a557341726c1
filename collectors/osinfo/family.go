package osinfo

import "strings"

// families maps os-release IDs (and ID_LIKE words) to the broad family the
// report carries: debian, rhel, suse, alpine, fedora, arch, gentoo.
var families = map[string]string{
	"debian": "debian", "ubuntu": "debian", "raspbian": "debian", "linuxmint": "debian",
	"kali": "debian", "devuan": "debian", "pop": "debian", "elementary": "debian",
	"zorin": "debian", "mx": "debian", "pureos": "debian", "deepin": "debian",

	"rhel": "rhel", "centos": "rhel", "almalinux": "rhel", "rocky": "rhel", "ol": "rhel",
	"cloudlinux": "rhel", "amzn": "rhel", "scientific": "rhel", "virtuozzo": "rhel",
	"eurolinux": "rhel", "navylinux": "rhel", "circle": "rhel", "xenserver": "rhel",
	"xcp-ng": "rhel",

	"sles": "suse", "sled": "suse", "sles_sap": "suse", "suse": "suse", "opensuse": "suse",
	"opensuse-leap": "suse", "opensuse-tumbleweed": "suse", "opensuse-microos": "suse",
	"sle-micro": "suse", "sl-micro": "suse",

	"alpine": "alpine", "postmarketos": "alpine",
	"fedora": "fedora",
	"arch":   "arch", "manjaro": "arch", "endeavouros": "arch", "archarm": "arch",
	"gentoo": "gentoo",
}

// familyOf returns the family of an OS: its ID's family if known, else the
// first ID_LIKE word with a known family, else "".
func familyOf(id string, idLike []string) string {
	if f, ok := families[id]; ok {
		return f
	}
	for _, l := range idLike {
		if f, ok := families[l]; ok {
			return f
		}
	}
	return ""
}

// cpeProducts maps the vendor:product of an os-release CPE_NAME to the
// os-release ID, for a file without ID: the SUSE family's os-release names
// its product there (cpe:/o:suse:sles:11:4, cpe:/o:suse:sled:15,
// cpe:/o:opensuse:leap:42.3, cpe:/o:opensuse:opensuse:13.2).
var cpeProducts = map[string]string{
	"suse:sles": "sles", "suse:sled": "sled", "suse:sles_sap": "sles_sap",
	"opensuse:leap": "opensuse-leap", "opensuse:opensuse": "opensuse", "opensuse:tumbleweed": "opensuse-tumbleweed",
}

// idFromCPE returns the os-release ID and the version an os-release
// CPE_NAME (CPE 2.2 URI, operating system part) names:
// "cpe:/o:suse:sles:11:4" is sles 11.4, "cpe:/o:suse:sles:12:sp1" sles
// 12.1, "cpe:/o:opensuse:leap:42.3" opensuse-leap 42.3. ok is false for a
// CPE that is malformed or names no product of cpeProducts; version is ""
// when the CPE has none or one that is not a version (never a guess).
func idFromCPE(cpe string) (id, version string, ok bool) {
	rest, found := strings.CutPrefix(strings.ToLower(strings.TrimSpace(cpe)), "cpe:/o:")
	if !found {
		return "", "", false
	}
	parts := strings.Split(rest, ":")
	if len(parts) < 2 {
		return "", "", false
	}
	if id, ok = cpeProducts[parts[0]+":"+parts[1]]; !ok {
		return "", "", false
	}
	return id, cpeVersion(parts[2:]), true
}

// cpeVersion joins a CPE's version and update ("12", "sp1" → "12.1";
// "11", "4" → "11.4"); "" unless both are numeric (the update may carry
// SUSE's "sp") and nothing follows them.
func cpeVersion(p []string) string {
	if len(p) == 0 || len(p) > 2 || !dottedNumber(p[0]) {
		return ""
	}
	if len(p) == 1 || p[1] == "" {
		return p[0]
	}
	update := strings.TrimPrefix(p[1], "sp")
	if !dottedNumber(update) || strings.Contains(update, ".") {
		return ""
	}
	return p[0] + "." + update
}

// dottedNumber reports whether s is digits separated by single dots.
func dottedNumber(s string) bool {
	if s == "" {
		return false
	}
	for _, f := range strings.Split(s, ".") {
		if f == "" || strings.Trim(f, "0123456789") != "" {
			return false
		}
	}
	return true
}
