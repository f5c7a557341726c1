package packages

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/demarc/demarc/report"
)

// aptSecurityOrigin reports whether an Inst line's origin list names a
// security source. apt prints each source as "[Label:]Version/Archive"
// (VerIterator::RelStr), comma-separated; a source is a security one when
// its label is Debian-Security (Debian ≤ 10 named its security archive
// like the release, "Debian-Security:10/oldoldstable") or its archive ends
// in -security (bookworm-security, jammy-security, Ubuntu ESM's
// jammy-infra-security and jammy-apps-security).
func aptSecurityOrigin(origins string) bool {
	for _, o := range strings.Split(origins, ",") {
		o = strings.TrimSpace(o)
		label, rest := "", o
		if i := strings.IndexByte(o, ':'); i >= 0 {
			label, rest = o[:i], o[i+1:]
		}
		if strings.EqualFold(label, "Debian-Security") || aptSecurityArchive(rest) {
			return true
		}
	}
	return false
}

// aptSecurityArchive reports whether "Version/Archive" or "Archive" names
// a -security archive.
func aptSecurityArchive(s string) bool {
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		s = s[i+1:]
	}
	return strings.HasSuffix(s, "-security")
}

// aptListRE is one line of `apt list --upgradable`:
// "name/archive[,archive…] candidate arch [upgradable from: installed]".
var aptListRE = regexp.MustCompile(`^([^/\s]+)/(\S+) (\S+) (\S+) \[upgradable from: ([^\]\s]+)\]$`)

// parseAptList parses `apt list --upgradable`. Security is an archive
// ending in -security: apt list prints archives, not labels, so Debian ≤ 10
// security updates are not recognised here (the simulation sees them).
func parseAptList(b []byte) ([]report.Package, error) {
	var out []report.Package
	sc := newScanner(b)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line == "Listing..." || strings.HasPrefix(line, "Listing...") {
			continue
		}
		m := aptListRE.FindStringSubmatch(line)
		if m == nil {
			return nil, malformed(n, line)
		}
		p := report.Package{Name: m[1], Candidate: m[3], Arch: m[4], Installed: m[5], Origin: m[2]}
		for _, a := range strings.Split(m[2], ",") {
			p.Security = p.Security || aptSecurityArchive(a)
		}
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnexpectedOutput, err)
	}
	return out, nil
}
