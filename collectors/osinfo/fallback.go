package osinfo

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"
)

// knownNames maps the distribution names that release files print, most
// specific first, to os-release IDs.
var knownNames = []struct{ prefix, id string }{
	{"red hat enterprise linux", "rhel"},
	{"redhatenterprise", "rhel"}, // lsb_release's DISTRIB_ID forms
	{"centos", "centos"},
	{"almalinux", "almalinux"},
	{"rocky linux", "rocky"},
	{"cloudlinux", "cloudlinux"},
	{"oracle linux", "ol"},
	{"enterprise linux enterprise linux", "ol"}, // Oracle Linux 5
	{"enterpriseenterprise", "ol"},
	{"scientific linux", "scientific"},
	{"virtuozzo", "virtuozzo"},
	{"eurolinux", "eurolinux"},
	{"fedora", "fedora"},
	{"amazon linux", "amzn"},
	{"xenserver", "xenserver"},
	{"xcp-ng", "xcp-ng"},
	{"suse linux enterprise server", "sles"},
	{"suse linux enterprise desktop", "sled"},
	{"ubuntu", "ubuntu"},
	{"debian", "debian"},
	{"linuxmint", "linuxmint"},
	{"linux mint", "linuxmint"},
	{"alpine", "alpine"},
}

// idForName returns the os-release ID for a distribution name, and whether
// the name was recognised. An unknown name gives its first word, lowercased.
func idForName(name string) (string, bool) {
	n := strings.ToLower(strings.TrimSpace(name))
	for _, k := range knownNames {
		if strings.HasPrefix(n, k.prefix) {
			return k.id, true
		}
	}
	if f := strings.Fields(n); len(f) > 0 {
		return f[0], false
	}
	return "", false
}

// firstLine returns the first non-blank line of a capped read of r.
func firstLine(r io.Reader) (string, error) {
	b, err := readCapped(r)
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			return line, nil
		}
	}
	return "", nil
}

var (
	// "CentOS Linux release 7.5.1804 (Core)", "Mageia release 5 (Official) for x86_64"
	releaseWord = regexp.MustCompile(`^(.+?)\s+release\s+(\d[\w.]*)(?:\s*\(([^)]*)\))?`)
	// "ALT Server 10.1 (Mendelevium)", "Slackware 14.1"
	bareVersion = regexp.MustCompile(`^(.+?)\s+(\d[\d.]*)(?:\s*\(([^)]*)\))?`)
)

// parseRedHatRelease parses the one-line release files of the Red Hat
// family (/etc/redhat-release, centos-release, oracle-release,
// system-release): "<Name> release <version> (<codename>)". A file that
// names no version gives an error wrapping ErrMalformed; an empty one an
// empty release.
func parseRedHatRelease(r io.Reader) (release, error) {
	line, err := firstLine(r)
	if err != nil || line == "" {
		return release{}, err
	}
	m := releaseWord.FindStringSubmatch(line)
	if m == nil {
		m = bareVersion.FindStringSubmatch(line)
	}
	if m == nil {
		return release{}, fmt.Errorf("%w: no version in %q", ErrMalformed, clip(line))
	}
	name, version, codename := strings.TrimSpace(m[1]), m[2], strings.TrimSpace(m[3])
	id, known := idForName(name)
	return release{
		ID:         id,
		Name:       name,
		VersionID:  version,
		PrettyName: pretty(name, version, codename),
		Codename:   codename,
		Known:      known,
	}, nil
}

// pretty builds "Name 7.5 (Codename)", as python-distro does for release
// files without a PRETTY_NAME.
func pretty(name, version, codename string) string {
	s := strings.TrimSpace(name + " " + version)
	if codename != "" {
		s += " (" + codename + ")"
	}
	return s
}

// parseSuSERelease parses the deprecated /etc/SuSE-release:
//
//	SUSE Linux Enterprise Server 12 (s390x)
//	VERSION = 12
//	PATCHLEVEL = 1
//
// SLES's VERSION_ID is "12.1" for SP1 and "12" for SP0.
func parseSuSERelease(r io.Reader) (release, error) {
	b, err := readCapped(r)
	if err != nil {
		return release{}, err
	}
	lines := strings.Split(string(b), "\n")
	title := strings.TrimSpace(lines[0])
	kv := map[string]string{}
	for _, l := range lines[1:] {
		if k, v, ok := strings.Cut(l, "="); ok {
			kv[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	if title == "" && len(kv) == 0 {
		return release{}, nil
	}
	name := title
	if i := strings.IndexByte(name, '('); i >= 0 {
		name = strings.TrimSpace(name[:i])
	}
	version := kv["VERSION"]
	if m := bareVersion.FindStringSubmatch(name); m != nil {
		name = strings.TrimSpace(m[1])
		if version == "" {
			version = m[2]
		}
	}
	if version == "" {
		return release{}, fmt.Errorf("%w: no version in SuSE-release", ErrMalformed)
	}
	if pl := kv["PATCHLEVEL"]; pl != "" && pl != "0" && !strings.Contains(version, ".") {
		version += "." + pl
	}
	rel := release{Name: name, VersionID: version, PrettyName: pretty(name, version, ""), Codename: kv["CODENAME"], Known: true}
	switch low := strings.ToLower(name); {
	case strings.HasPrefix(low, "opensuse"):
		// Leap 42.x's os-release still said ID=opensuse; 15.x says
		// opensuse-leap.
		rel.ID = "opensuse"
		if major, _, _ := strings.Cut(version, "."); major == "15" {
			rel.ID = "opensuse-leap"
		}
	default:
		rel.ID, rel.Known = idForName(name)
	}
	return rel, nil
}

// lsbIDs maps lsb-release DISTRIB_ID values whose lowercase form is not
// the os-release ID.
var lsbIDs = map[string]string{
	"cloudlinuxserver": "cloudlinux",
	"oracleserver":     "ol",
	"scientific":       "scientific",
	"scientificsl":     "scientific",
	"amazonami":        "amzn",
	"suse":             "sles",
	"suse linux":       "sles",
	"opensuse project": "opensuse",
}

// parseLSBRelease parses /etc/lsb-release (os-release syntax with DISTRIB_*
// keys).
func parseLSBRelease(r io.Reader) (release, error) {
	kv, err := parseOSRelease(r)
	if err != nil || kv["DISTRIB_ID"] == "" {
		return release{}, err
	}
	name := kv["DISTRIB_ID"]
	id, known := idForName(name)
	if v, ok := lsbIDs[strings.ToLower(name)]; ok {
		id, known = v, true
	}
	if !known {
		id = strings.ToLower(strings.ReplaceAll(name, " ", ""))
	}
	return release{
		ID:         id,
		Name:       name,
		VersionID:  kv["DISTRIB_RELEASE"],
		PrettyName: kv["DISTRIB_DESCRIPTION"],
		Codename:   kv["DISTRIB_CODENAME"],
		Known:      known,
	}, nil
}

// debianNumber matches /etc/debian_version's point release "12.5" (or "7.1",
// "6.0.10"); testing and sid have a codename instead ("bookworm/sid").
var debianNumber = regexp.MustCompile(`^(\d+)(?:\.\d+)*$`)

// parseDebianVersion parses /etc/debian_version. VersionID is the major
// version, as Debian's os-release spells it ("12" for 12.5); testing and
// unstable ("trixie/sid") leave it empty. The full line goes into
// PrettyName.
func parseDebianVersion(r io.Reader) (release, error) {
	line, err := firstLine(r)
	if err != nil || line == "" {
		return release{}, err
	}
	rel := release{ID: "debian", Name: "Debian GNU/Linux", PrettyName: "Debian GNU/Linux " + clip(line), Known: true}
	if m := debianNumber.FindStringSubmatch(line); m != nil {
		rel.VersionID = m[1]
	} else if code, _, ok := strings.Cut(line, "/"); ok {
		rel.Codename = code
	}
	return rel, nil
}

// alpineVersion matches /etc/alpine-release: "3.20.3", "3.21.0_alpha20240807".
var alpineVersion = regexp.MustCompile(`^\d+\.\d+[\w.]*$`)

// parseAlpineRelease parses /etc/alpine-release.
func parseAlpineRelease(r io.Reader) (release, error) {
	line, err := firstLine(r)
	if err != nil || line == "" {
		return release{}, err
	}
	if !alpineVersion.MatchString(line) {
		return release{}, fmt.Errorf("%w: alpine-release %q", ErrMalformed, clip(line))
	}
	// os-release's PRETTY_NAME names the branch: "Alpine Linux v3.20".
	branch := line
	if parts := strings.SplitN(line, ".", 3); len(parts) == 3 {
		branch = parts[0] + "." + parts[1]
	}
	return release{ID: "alpine", Name: "Alpine Linux", VersionID: line, PrettyName: "Alpine Linux v" + branch, Known: true}, nil
}

// clip shortens s for an error message or a note.
func clip(s string) string {
	if len(s) <= 80 {
		return s
	}
	i := 80
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}
