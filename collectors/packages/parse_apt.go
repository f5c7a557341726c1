package packages

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/demarc/demarc/report"
)

// aptSimulation is what `apt-get -s -q -V dist-upgrade` printed: the
// action lines (Inst, Remv) and the human lists that have no action line
// (kept back, deferred by phasing), with apt's own summary to check them
// against.
type aptSimulation struct {
	// Upgrades are Inst lines with an installed version, deduplicated.
	Upgrades []report.Package
	// New are Inst lines without one: packages dist-upgrade would newly
	// install (a new kernel ABI, a new dependency).
	New []report.Package
	// Removed names the packages of Remv/Purg lines, deduplicated (apt
	// can print a Remv line twice).
	Removed []string
	// Kept and Phased come from the "kept back" and "deferred due to
	// phasing" lists; with -V each carries its installed and candidate
	// versions.
	Kept   []aptHeld
	Phased []aptHeld
	// Summary is apt's "N upgraded, …" line; nil when none was printed.
	Summary *aptSummary
}

// aptHeld is one package of a human list, as printed with -V:
// "name (installed => candidate)"; versions are empty without -V.
type aptHeld struct {
	Name, Arch, Installed, Candidate string
}

// aptSummary is apt's summary line (apt ≤ 2.x) or block (apt 3).
type aptSummary struct {
	Upgraded, New, Downgraded, Reinstalled, Removed, NotUpgraded int
}

var (
	aptRemvRE = regexp.MustCompile(`^(?:Remv|Purg) (\S+)(?: \[[^\]]*\])*\s*$`)
	// 126 upgraded, 0 newly installed, [1 downgraded, ][1 reinstalled, ]0 to remove and 0 not upgraded.
	aptSummaryRE = regexp.MustCompile(`^(\d+) upgraded, (\d+) newly installed, (?:(\d+) downgraded, )?(?:(\d+) reinstalled, )?(\d+) to remove and (\d+) not upgraded\.$`)
	// "name (old => new)" or "name (version)" in a -V list.
	aptVerboseRE = regexp.MustCompile(`^(\S+) \((\S+)(?: => (\S+))?\)$`)
)

// The human-list headers whose packages matter, apt 2 and apt 3 wording.
var aptSections = map[string]string{
	"the following packages have been kept back:": "kept",
	"not upgrading:": "kept",
	"the following upgrades have been deferred due to phasing:": "phased",
	"not upgrading yet due to phasing:":                         "phased",
	"summary:":                                                  "summary",
}

// parseAptSimulation parses the output of `apt-get -s -q -V dist-upgrade`
// (and the -qq form without human lists). Conf lines are ignored: they
// repeat Inst. An Inst or Remv line that does not parse is an error, never
// skipped.
func parseAptSimulation(b []byte) (*aptSimulation, error) {
	s := &aptSimulation{}
	seenInst, seenRemv := map[string]bool{}, map[string]bool{}
	section := ""
	sc := newScanner(b)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		switch {
		case strings.HasPrefix(line, "Conf "):
			continue // repeats Inst
		case strings.HasPrefix(line, "Inst "):
			p, ok := parseAptInst(line)
			if !ok {
				return nil, malformed(n, line)
			}
			key := p.Name + ":" + p.Arch
			if seenInst[key] {
				continue
			}
			seenInst[key] = true
			if p.Installed == "" {
				s.New = append(s.New, p)
			} else {
				s.Upgrades = append(s.Upgrades, p)
			}
		case strings.HasPrefix(line, "Remv ") || strings.HasPrefix(line, "Purg "):
			m := aptRemvRE.FindStringSubmatch(line)
			if m == nil {
				return nil, malformed(n, line)
			}
			if !seenRemv[m[1]] {
				seenRemv[m[1]] = true
				s.Removed = append(s.Removed, m[1])
			}
		case line != "" && (line[0] == ' ' || line[0] == '\t'):
			if err := s.listLine(section, strings.TrimSpace(line)); err != nil {
				return nil, fmt.Errorf("line %d: %w", n, err)
			}
		default:
			section = aptSections[strings.ToLower(strings.TrimSpace(line))]
			if line == "" || line[0] < '0' || line[0] > '9' {
				continue
			}
			if m := aptSummaryRE.FindStringSubmatch(line); m != nil {
				s.Summary = &aptSummary{
					Upgraded: atoi(m[1]), New: atoi(m[2]), Downgraded: atoi(m[3]),
					Reinstalled: atoi(m[4]), Removed: atoi(m[5]), NotUpgraded: atoi(m[6]),
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnexpectedOutput, err)
	}
	return s, nil
}

// listLine takes one indented line of the current human list.
func (s *aptSimulation) listLine(section, item string) error {
	switch section {
	case "kept", "phased":
		held, err := parseAptListItems(item)
		if err != nil {
			return err
		}
		if section == "kept" {
			s.Kept = append(s.Kept, held...)
		} else {
			s.Phased = append(s.Phased, held...)
		}
	case "summary":
		if sum := parseApt3Summary(item); sum != nil {
			s.Summary = sum
		}
	}
	return nil
}

// parseAptListItems reads one line of a human list: "name (old => new)"
// with -V, else several names separated by spaces.
func parseAptListItems(item string) ([]aptHeld, error) {
	if strings.Contains(item, "(") {
		m := aptVerboseRE.FindStringSubmatch(item)
		if m == nil {
			return nil, fmt.Errorf("%w: list item %q", ErrUnexpectedOutput, clip(item))
		}
		h := aptHeld{Installed: m[2], Candidate: m[3]}
		h.Name, h.Arch = splitAptArch(m[1])
		return []aptHeld{h}, nil
	}
	var out []aptHeld
	for _, f := range strings.Fields(item) {
		h := aptHeld{}
		h.Name, h.Arch = splitAptArch(f)
		out = append(out, h)
	}
	return out, nil
}

// parseApt3Summary reads apt 3's "Upgrading: 71, Installing: 6,
// Removing: 0, Not Upgrading: 1" line.
func parseApt3Summary(item string) *aptSummary {
	sum := &aptSummary{}
	fields := map[string]*int{
		"upgrading": &sum.Upgraded, "installing": &sum.New, "downgrading": &sum.Downgraded,
		"reinstalling": &sum.Reinstalled, "removing": &sum.Removed, "not upgrading": &sum.NotUpgraded,
	}
	matched := 0
	for _, part := range strings.Split(item, ",") {
		k, v, ok := strings.Cut(part, ":")
		dst := fields[strings.ToLower(strings.TrimSpace(k))]
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if !ok || dst == nil || err != nil || n < 0 {
			continue // "Download size: 172 MB" and the like
		}
		*dst = n
		matched++
	}
	if matched == 0 {
		return nil
	}
	return sum
}

// parseAptInst reads one Inst line:
// "Inst name [installed] (candidate origins [arch]) [broken deps]…", where
// "[installed]" is absent for a new install and the origins contain no
// brackets. It is hand-written rather than a regexp: a large host prints
// thousands of these lines.
func parseAptInst(line string) (report.Package, bool) {
	rest, ok := strings.CutPrefix(line, "Inst ")
	if !ok {
		return report.Package{}, false
	}
	full, rest, ok := strings.Cut(rest, " ")
	if !ok || full == "" {
		return report.Package{}, false
	}
	var p report.Package
	if strings.HasPrefix(rest, "[") {
		p.Installed, rest, ok = strings.Cut(rest[1:], "] ")
		if !ok || p.Installed == "" || strings.ContainsAny(p.Installed, "[] ") {
			return report.Package{}, false
		}
	}
	body, tail, ok := strings.Cut(strings.TrimPrefix(rest, "("), "])")
	if !ok || !strings.HasPrefix(rest, "(") || !aptTrailer(tail) {
		return report.Package{}, false
	}
	p.Candidate, body, _ = strings.Cut(body, " ")
	i := strings.LastIndex(body, "[")
	if p.Candidate == "" || i < 0 || strings.ContainsAny(body[:i], "[]()") {
		return report.Package{}, false
	}
	p.Origin, p.Arch = strings.TrimSpace(body[:i]), body[i+1:]
	if p.Arch == "" || strings.ContainsAny(p.Arch, " []") {
		return report.Package{}, false
	}
	name, suffix := splitAptArch(full)
	if suffix != "" && suffix != p.Arch {
		return report.Package{}, false
	}
	p.Name = name
	p.Security = aptSecurityOrigin(p.Origin)
	return p, true
}

// aptTrailer reports whether s is what may follow an Inst line's closing
// parenthesis: nothing, or bracketed groups (" []", " [libc6:amd64 ]").
func aptTrailer(s string) bool {
	for s = strings.TrimRight(s, " "); s != ""; {
		if !strings.HasPrefix(s, " [") {
			return false
		}
		end := strings.IndexByte(s, ']')
		if end < 0 || strings.ContainsRune(s[2:end], '[') {
			return false
		}
		s = s[end+1:]
	}
	return true
}

// splitAptArch splits "libc6:i386" into name and architecture.
func splitAptArch(s string) (name, arch string) {
	if i := strings.LastIndexByte(s, ':'); i > 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}
