package osinfo

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// maxReleaseSize caps every release file: real ones are well under 4 KiB.
const maxReleaseSize = 1 << 20

// ErrMalformed is returned (wrapped) for a release file that is not the
// expected format at all: binary, larger than 1 MiB, or without a single
// usable line.
var ErrMalformed = errors.New("malformed release file")

// readCapped reads r up to maxReleaseSize and rejects binary content.
func readCapped(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxReleaseSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxReleaseSize {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrMalformed, maxReleaseSize)
	}
	if bytes.IndexByte(b, 0) >= 0 {
		return nil, fmt.Errorf("%w: binary content", ErrMalformed)
	}
	return b, nil
}

// parseOSRelease parses os-release(5) syntax (also used by /etc/lsb-release):
// KEY=value lines, values optionally single- or double-quoted with shell
// escapes, '#' comments. Lines that are not assignments, or whose quotes do
// not close (a truncated file), are ignored; a later assignment of a key
// wins, as in the shell. Empty input gives an empty map. Input that is
// binary, over 1 MiB, or non-empty without any assignment gives an error
// wrapping ErrMalformed.
func parseOSRelease(r io.Reader) (map[string]string, error) {
	b, err := readCapped(r)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	meaningful := false
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		meaningful = true
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		if !ok || !validKey(k) {
			continue
		}
		val, ok := shellWord(v)
		if !ok {
			continue
		}
		out[k] = strings.ToValidUTF8(val, string(utf8.RuneError))
	}
	if meaningful && len(out) == 0 {
		return nil, fmt.Errorf("%w: no KEY=value line", ErrMalformed)
	}
	return out, nil
}

// validKey reports whether k is a shell variable name.
func validKey(k string) bool {
	if k == "" {
		return false
	}
	for i, c := range k {
		switch {
		case c == '_', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// shellWord returns the first shell word of s with quotes removed and
// backslash escapes applied, as sh would assign it: unquoted whitespace ends
// the word, single quotes take everything literally, double quotes honour
// \$ \` \" \\ only. ok is false when a quote is not closed.
func shellWord(s string) (word string, ok bool) {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case ' ', '\t', '\r':
			return sb.String(), true
		case '\\':
			if i+1 < len(s) {
				i++
				sb.WriteByte(s[i])
			}
		case '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return "", false
			}
			sb.WriteString(s[i+1 : i+1+end])
			i += end + 1
		case '"':
			n, closed := doubleQuoted(&sb, s[i+1:])
			if !closed {
				return "", false
			}
			i += n
		default:
			sb.WriteByte(c)
		}
	}
	return sb.String(), true
}

// doubleQuoted appends the body of a double-quoted string starting at s
// (just after the opening quote) to sb, and returns how many bytes it
// consumed including the closing quote.
func doubleQuoted(sb *strings.Builder, s string) (int, bool) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			return i + 1, true
		case '\\':
			if i+1 < len(s) && strings.IndexByte("$`\"\\", s[i+1]) >= 0 {
				i++
				sb.WriteByte(s[i])
				continue
			}
			sb.WriteByte(c)
		default:
			sb.WriteByte(c)
		}
	}
	return len(s), false
}

// release is one OS release as read from one file.
type release struct {
	ID         string
	IDLike     []string
	Name       string
	VersionID  string
	PrettyName string
	Codename   string
	// Known is false when ID was guessed from an unfamiliar name, so that a
	// disagreement with os-release is not worth a note.
	Known bool
	// FromCPE is true when os-release had no ID and ID (and VersionID,
	// when VERSION_ID was missing too) came from its CPE_NAME.
	FromCPE bool
}

// fromOSRelease maps os-release keys to a release. A file without ID is
// identified by its CPE_NAME where that names a known product
// (idFromCPE).
func fromOSRelease(kv map[string]string) release {
	r := release{
		ID:         strings.ToLower(strings.TrimSpace(kv["ID"])),
		IDLike:     strings.Fields(strings.ToLower(kv["ID_LIKE"])),
		Name:       kv["NAME"],
		VersionID:  kv["VERSION_ID"],
		PrettyName: kv["PRETTY_NAME"],
		Codename:   kv["VERSION_CODENAME"],
		Known:      true,
	}
	if r.ID == "" {
		if id, v, ok := idFromCPE(kv["CPE_NAME"]); ok {
			r.ID, r.FromCPE = id, true
			if r.VersionID == "" {
				r.VersionID = v
			}
		}
	}
	if r.Codename == "" {
		r.Codename = kv["UBUNTU_CODENAME"]
	}
	if r.Codename == "" {
		r.Codename = codenameFromVersion(kv["VERSION"])
	}
	return r
}

// codenameFromVersion extracts the codename from os-release VERSION:
// "7 (Core)" → "Core", "14.04.3 LTS, Trusty Tahr" → "Trusty Tahr".
func codenameFromVersion(v string) string {
	if i := strings.IndexByte(v, '('); i >= 0 {
		if j := strings.IndexByte(v[i:], ')'); j > 0 {
			return strings.TrimSpace(v[i+1 : i+j])
		}
	}
	if _, after, ok := strings.Cut(v, ","); ok {
		return strings.TrimSpace(after)
	}
	return ""
}
