package execx

import (
	"os"
	"path/filepath"
	"strings"
)

// PrivatePlaceholder is how a Fake spells demarc's private directories in
// the argv it matches and records (see CanonicalArgv).
const PrivatePlaceholder = "${PRIVATE}"

// privateNamePrefix begins the name of every private directory demarc
// makes under the scanning machine's temporary directory
// (demarc-packages-<random>, demarc-rpmdb-<pid>-<hash>).
const privateNamePrefix = "demarc-"

// CanonicalArgv returns argv with every private directory of demarc written
// PrivatePlaceholder, so that fixtures can spell an argv that names one,
// although its path is new on every run. The Fake applies it to the argv
// of every response it is given and of every command it runs, before
// matching them, and records commands in this form.
//
// The rule, applied to each element on its own: a private directory is a
// path whose parent is os.TempDir() (cleaned, or with its symlinks
// resolved) and whose name is "demarc-" followed by one or more
// letters, digits, '.', '_' or '-'; a run of "/.." climbs directly before
// it (how dnf's options reach it from an --installroot) is part of it. It
// must start the element or follow a byte that cannot be part of a path
// (such as '=' or ':'). Only the directory is replaced: what follows it
// stays, so "--setopt=cachedir=/../../tmp/demarc-packages-1/dnf/cache"
// becomes "--setopt=cachedir=${PRIVATE}/dnf/cache".
func CanonicalArgv(argv []string) []string {
	out := make([]string, len(argv))
	prefixes := privatePrefixes()
	for i, a := range argv {
		out[i] = canonical(a, prefixes)
	}
	return out
}

// privatePrefixes are the spellings of "<temporary directory>/demarc-":
// os.TempDir() cleaned, and with its symlinks resolved (collectors/packages
// resolves them, internal/pkgdb does not).
func privatePrefixes() []string {
	tmp := filepath.Clean(os.TempDir())
	out := []string{strings.TrimSuffix(tmp, "/") + "/" + privateNamePrefix}
	if real, err := filepath.EvalSymlinks(tmp); err == nil && real != tmp {
		out = append(out, strings.TrimSuffix(real, "/")+"/"+privateNamePrefix)
	}
	return out
}

func canonical(s string, prefixes []string) string {
	var b strings.Builder
	for {
		i, p := firstPrivate(s, prefixes)
		if i < 0 {
			if b.Len() == 0 {
				return s
			}
			b.WriteString(s)
			return b.String()
		}
		end := i + len(p)
		for end < len(s) && isNameByte(s[end]) {
			end++
		}
		start := i
		for start >= 3 && s[start-3:start] == "/.." {
			start -= 3
		}
		b.WriteString(s[:start])
		b.WriteString(PrivatePlaceholder)
		s = s[end:]
	}
}

// firstPrivate finds the first private directory in s: the index of its
// temporary directory prefix (climbs not included) and that prefix.
func firstPrivate(s string, prefixes []string) (int, string) {
	best, bestP := -1, ""
	for _, p := range prefixes {
		for from := 0; from < len(s); {
			j := strings.Index(s[from:], p)
			if j < 0 {
				break
			}
			j += from
			if j+len(p) < len(s) && isNameByte(s[j+len(p)]) && startsPath(s, j) {
				if best < 0 || j < best {
					best, bestP = j, p
				}
				break
			}
			from = j + 1
		}
	}
	return best, bestP
}

// startsPath reports whether a path beginning at s[i] is a whole path, not
// the tail of a longer one: it starts s, follows "/.." climbs that do, or
// follows a byte that cannot be part of a path.
func startsPath(s string, i int) bool {
	for i >= 3 && s[i-3:i] == "/.." {
		i -= 3
	}
	return i == 0 || !isNameByte(s[i-1]) && s[i-1] != '/'
}

func isNameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-'
}
