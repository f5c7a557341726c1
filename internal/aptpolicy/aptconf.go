package aptpolicy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/demarc/demarc/internal/hostfs"
)

// policyKeys are the apt.conf option names (any component of a key,
// lower-case) that change which version apt picks or which files it reads:
// a default release, architectures, phasing, another machine id, other
// directories or files, pins. Where one appears the native evaluation
// does not decide.
var policyKeys = []string{
	"default-release", "architecture", "architectures", "phase-policy",
	"always-include-phased-updates", "never-include-phased-updates", "machine-id",
	"state", "lists", "status", "etc", "sourcelist", "sourceparts", "preferences",
	"preferencesparts", "policy", "pin", "pinning",
}

// checkAptConf reads /etc/apt/apt.conf and apt.conf.d/* of the root and
// returns ErrUndecidable when one sets a key of policyKeys or includes
// another file. Values (quoted) and comments are not looked at.
func checkAptConf(root hostfs.Root) error {
	files := []string{}
	if root.Exists("/etc/apt/apt.conf") {
		files = append(files, "/etc/apt/apt.conf")
	}
	entries, err := root.ReadDir("/etc/apt/apt.conf.d")
	if err != nil && !isNotExist(err) {
		return fmt.Errorf("apt.conf.d: %w", err)
	}
	for _, e := range entries {
		if n := strings.TrimSuffix(e.Name(), ".conf"); validPartName(n) && (n == e.Name() && !strings.Contains(n, ".") || n != e.Name()) {
			files = append(files, "/etc/apt/apt.conf.d/"+e.Name())
		}
	}
	for _, f := range files {
		b, err := root.ReadFile(f)
		if err != nil {
			return fmt.Errorf("apt.conf: %w", err)
		}
		if key := policyKey(string(b)); key != "" {
			return fmt.Errorf("%w: %s sets %s", ErrUndecidable, f, key)
		}
	}
	return nil
}

// policyKey returns the first key component of an apt.conf text that is in
// policyKeys (or "#include"), "" when none.
func policyKey(s string) string {
	var word strings.Builder
	flush := func() string {
		w := strings.ToLower(word.String())
		word.Reset()
		if slices.Contains(policyKeys, w) {
			return w
		}
		return ""
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"': // a value: skip to its end
			if k := flush(); k != "" {
				return k
			}
			j := strings.IndexByte(s[i+1:], '"')
			if j < 0 {
				return ""
			}
			i += j + 1
		case c == '#' || (c == '/' && i+1 < len(s) && s[i+1] == '/'):
			if k := flush(); k != "" {
				return k
			}
			line := s[i:]
			if nl := strings.IndexByte(line, '\n'); nl >= 0 {
				line = line[:nl]
			}
			if strings.HasPrefix(line, "#include") || strings.HasPrefix(line, "#clear") {
				return strings.Fields(line)[0]
			}
			i += len(line)
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			if k := flush(); k != "" {
				return k
			}
			j := strings.Index(s[i+2:], "*/")
			if j < 0 {
				return ""
			}
			i += j + 3
		case c == ':' || c == '{' || c == '}' || c == ';' || c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if k := flush(); k != "" {
				return k
			}
		default:
			word.WriteByte(c)
		}
	}
	return flush()
}
