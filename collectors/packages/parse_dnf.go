package packages

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// rpmUpdate is one pending update as dnf or yum prints it: no installed
// version (that comes from the package database).
type rpmUpdate struct {
	Name, Arch, EVR, Repo string
}

// dnfNoise are lines dnf, yum and their plugins print among the package
// lines even with -q; anything else that does not parse is an error.
var dnfNoise = []string{
	"last metadata expiration check",
	"loaded plugins:",
	"loading mirror speeds",
	"updating subscription management repositories",
	"unable to read consumer identity",
	"this system is not registered",
	"security: ",
	"updateinfo list done",
	"no security updates needed",
	"repository ",
	"determining fastest mirrors",
}

func isDnfNoise(line string) bool {
	l := strings.ToLower(strings.TrimSpace(line))
	if strings.HasPrefix(l, "* ") { // yum fastestmirror: " * base: mirror.example"
		return true
	}
	for _, p := range dnfNoise {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

// parseDnfCheckUpdate parses `dnf check-update` / `yum check-update`
// text: "name.arch  evr  repo" rows. A name too long for its column wraps:
// the rest of the row continues on the next, indented line. Parsing stops
// at the "Obsoleting Packages" section (its packages are listed above as
// upgrades too). A row that does not end with exactly three fields is an
// error.
func parseDnfCheckUpdate(b []byte) ([]rpmUpdate, error) {
	var out []rpmUpdate
	var cur []string
	start := 0
	flush := func() error {
		if cur == nil {
			return nil
		}
		u, ok := rpmRow(cur)
		if !ok {
			return fmt.Errorf("%w: line %d: %q", ErrUnexpectedOutput, start, clip(strings.Join(cur, " ")))
		}
		out = append(out, u)
		cur = nil
		return nil
	}
	sc := newScanner(b)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || isDnfNoise(line) {
			continue
		}
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(line)), "obsoleting packages") {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			if cur == nil {
				return nil, malformed(n, line)
			}
			cur = append(cur, strings.Fields(line)...)
			continue
		}
		if err := flush(); err != nil {
			return nil, err
		}
		cur, start = strings.Fields(line), n
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnexpectedOutput, err)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, nil
}

// rpmRow reads the three fields of a check-update row.
func rpmRow(f []string) (rpmUpdate, bool) {
	if len(f) != 3 {
		return rpmUpdate{}, false
	}
	i := strings.LastIndexByte(f[0], '.')
	if i <= 0 || i == len(f[0])-1 || !strings.Contains(f[1], "-") {
		return rpmUpdate{}, false
	}
	return rpmUpdate{Name: f[0][:i], Arch: f[0][i+1:], EVR: f[1], Repo: f[2]}, true
}

// dnf5CheckUpgrade is `dnf5 check-upgrade --json`: {} when nothing is
// pending.
type dnf5CheckUpgrade struct {
	Upgrades []struct {
		Name       string `json:"name"`
		Arch       string `json:"arch"`
		EVR        string `json:"evr"`
		Repository string `json:"repository"`
	} `json:"upgrades"`
}

// parseDnf5JSON parses `dnf5 check-upgrade --json`. The
// obsoleting_packages section repeats upgrades and is not read. An entry
// without name, arch or evr is an error.
func parseDnf5JSON(b []byte) ([]rpmUpdate, error) {
	var doc dnf5CheckUpgrade
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnexpectedOutput, err)
	}
	out := make([]rpmUpdate, 0, len(doc.Upgrades))
	for i, u := range doc.Upgrades {
		if u.Name == "" || u.Arch == "" || u.EVR == "" {
			return nil, fmt.Errorf("%w: upgrade %d lacks name, arch or evr", ErrUnexpectedOutput, i)
		}
		out = append(out, rpmUpdate{Name: u.Name, Arch: u.Arch, EVR: u.EVR, Repo: u.Repository})
	}
	return out, nil
}

// advisories are the security advisories that update one name.arch: their
// ids, sorted, and the highest severity among them ("" when none says).
type advisories struct {
	IDs      []string
	Severity string
}

// severityRank orders the severities advisories are written with.
var severityRank = map[string]int{"low": 1, "moderate": 2, "medium": 2, "important": 3, "high": 3, "critical": 4}

func (a *advisories) add(id, severity string) {
	if !slices.Contains(a.IDs, id) {
		a.IDs = append(a.IDs, id)
		slices.Sort(a.IDs)
	}
	if severityRank[strings.ToLower(severity)] > severityRank[strings.ToLower(a.Severity)] {
		a.Severity = severity
	}
}

// parseUpdateinfo parses `dnf updateinfo list --security` (dnf4 and yum:
// "RHSA-2023:0334 Important/Sec. kernel-5.14.0-162.12.1.el9_1.x86_64",
// with a leading "i" under --all; Amazon Linux writes the severity in
// lower case) and dnf5's table ("Name Type Severity Package Issued"). It
// returns, by the "name.arch" of every package a security advisory
// updates, the advisories' ids and highest severity.
func parseUpdateinfo(b []byte) (map[string]*advisories, error) {
	out := map[string]*advisories{}
	sc := newScanner(b)
	for n := 1; sc.Scan(); n++ {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || isDnfNoise(sc.Text()) || isDnf5AdvisoryHeader(f) {
			continue
		}
		if f[0] == "i" || f[0] == "I" {
			f = f[1:]
		}
		var typ, severity, nevra string
		switch {
		case len(f) >= 3 && isNEVRA(f[2]): // dnf4, yum
			typ, nevra = f[1], f[2]
			if sev, _, ok := strings.Cut(typ, "/"); ok {
				severity = sev
			}
		case len(f) >= 4 && isNEVRA(f[3]): // dnf5
			typ, severity, nevra = f[1], f[2], f[3]
			if strings.EqualFold(severity, "none") {
				severity = ""
			}
		default:
			return nil, malformed(n, sc.Text())
		}
		if !isSecurityType(typ) {
			continue
		}
		name, _, arch, _ := splitNEVRA(nevra)
		a := out[name+"."+arch]
		if a == nil {
			a = &advisories{}
			out[name+"."+arch] = a
		}
		a.add(f[0], severity)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnexpectedOutput, err)
	}
	return out, nil
}

func isDnf5AdvisoryHeader(f []string) bool {
	return len(f) >= 4 && f[0] == "Name" && f[1] == "Type" && f[2] == "Severity"
}

// isSecurityType reports whether an updateinfo type column is a security
// advisory: "Important/Sec." (dnf4, yum), "important/Sec." (Amazon Linux),
// "security" (dnf5, or dnf4 without severity).
func isSecurityType(t string) bool {
	t = strings.ToLower(t)
	return t == "security" || t == "sec." || strings.HasSuffix(t, "/sec.")
}

// splitNEVRA splits "openssl-libs-1:3.0.7-25.el9_3.x86_64" into name,
// [epoch:]version-release and arch.
func splitNEVRA(s string) (name, evr, arch string, ok bool) {
	dot := strings.LastIndexByte(s, '.')
	if dot <= 0 || dot == len(s)-1 {
		return "", "", "", false
	}
	arch, rest := s[dot+1:], s[:dot]
	rel := strings.LastIndexByte(rest, '-')
	if rel <= 0 || rel == len(rest)-1 {
		return "", "", "", false
	}
	ver := strings.LastIndexByte(rest[:rel], '-')
	if ver <= 0 || ver == rel-1 {
		return "", "", "", false
	}
	return rest[:ver], rest[ver+1:], arch, true
}

func isNEVRA(s string) bool {
	_, _, _, ok := splitNEVRA(s)
	return ok
}
