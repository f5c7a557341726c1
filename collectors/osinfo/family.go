package osinfo

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
