package aptpolicy

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/demarc/demarc/internal/hostfs"
)

// pinType is what a Pin line matches: a version, a release or an origin.
type pinType int

const (
	pinVersion pinType = iota
	pinRelease
	pinOrigin
)

// pin is one Pin-Priority record of apt_preferences(5), one per word of
// its Package line, in apt's reading order (/etc/apt/preferences, then
// preferences.d sorted by name).
type pin struct {
	pkg      string // name, glob or /regex/; "" for "Package: *"
	arch     string // "name:arch"; "" means the native architecture
	src      bool   // "src:name"
	typ      pinType
	match    matcher
	priority int
	from     string
}

// matcher is a parsed Pin expression (apt's pkgVersionMatch).
type matcher struct {
	typ pinType
	// version pins
	ver       string
	verPrefix bool
	// release pins
	all                                                   bool
	relVer                                                string
	relVerPrefix                                          bool
	origin, archive, codename, release, label, comp, arch string
	// origin pins
	site string
}

// readPreferences reads the root's pins.
func readPreferences(root hostfs.Root) ([]pin, error) {
	files := []string{}
	if root.Exists("/etc/apt/preferences") {
		files = append(files, "/etc/apt/preferences")
	}
	entries, err := root.ReadDir("/etc/apt/preferences.d")
	if err != nil && !isNotExist(err) {
		return nil, fmt.Errorf("preferences: %w", err)
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		base := strings.TrimSuffix(n, ".pref")
		if (base == n && strings.Contains(n, ".")) || !validPartName(base) {
			continue // apt reads files without extension or ending in .pref
		}
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		files = append(files, "/etc/apt/preferences.d/"+n)
	}
	var out []pin
	for _, f := range files {
		b, err := root.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("preferences: %w", err)
		}
		p, err := parsePreferences(b, f)
		if err != nil {
			return nil, err
		}
		out = append(out, p...)
	}
	return out, nil
}

// parsePreferences parses one preferences file (ReadPinFile).
func parsePreferences(b []byte, from string) ([]pin, error) {
	r := newStanzaReader(bytes.NewReader(b), true, "Package", "Pin", "Pin-Priority")
	var out []pin
	for r.next(nil) {
		name, expr, prio := strings.TrimSpace(r.vals[0]), strings.TrimSpace(r.vals[1]), strings.TrimSpace(r.vals[2])
		if name == "" && expr == "" && prio == "" {
			continue // only comments or Explanation
		}
		if name == "" {
			return nil, fmt.Errorf("%s: %w: a record without Package", from, ErrUndecidable)
		}
		if name == "*" {
			name = ""
		}
		if expr == "" {
			continue // apt skips a record without Pin
		}
		word, data, _ := strings.Cut(expr, " ")
		data = strings.TrimLeftFunc(data, unicode.IsSpace)
		var typ pinType
		switch strings.ToLower(word) {
		case "version":
			if name == "" {
				continue // apt warns and ignores
			}
			typ = pinVersion
		case "release":
			typ = pinRelease
		case "origin":
			typ = pinOrigin
		default:
			// source-version and what a newer apt adds
			return nil, fmt.Errorf("%s: %w: pin type %q", from, ErrUndecidable, word)
		}
		if strings.Contains(data, "\n") {
			return nil, fmt.Errorf("%s: %w: a multi-line Pin", from, ErrUndecidable)
		}
		priority, err := strconv.Atoi(prio)
		if err != nil || priority == 0 || priority < -32768 || priority > 32767 {
			// apt refuses the whole policy ("never" included: apt ≥ 3 only)
			return nil, fmt.Errorf("%s: %w: Pin-Priority %q", from, ErrUndecidable, prio)
		}
		m, err := parseMatcher(typ, data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", from, err)
		}
		if name == "" {
			out = append(out, pin{typ: typ, match: m, priority: priority, from: from})
			continue
		}
		for _, w := range strings.Fields(name) {
			p := pin{typ: typ, match: m, priority: priority, from: from}
			if rest, ok := strings.CutPrefix(w, "src:"); ok {
				p.src, w = true, rest
			}
			if i := strings.LastIndexByte(w, ':'); i >= 0 {
				w, p.arch = w[:i], w[i+1:]
			}
			if w == "" || (p.arch != "" && !plainWord(p.arch) && p.arch != "any") {
				return nil, fmt.Errorf("%s: %w: Package %q", from, ErrUndecidable, name)
			}
			if isPattern(w) {
				if _, err := compilePattern(w); err != nil {
					return nil, fmt.Errorf("%s: %w", from, err)
				}
			}
			p.pkg = w
			out = append(out, p)
		}
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", from, err)
	}
	return out, nil
}

func plainWord(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return s != ""
}

// isPattern is apt's test for a wildcard package name in a pin.
func isPattern(name string) bool {
	return (len(name) > 1 && name[0] == '/' && name[len(name)-1] == '/') || strings.ContainsAny(name, "*[?")
}

// parseMatcher is pkgVersionMatch's constructor.
func parseMatcher(typ pinType, data string) (matcher, error) {
	m := matcher{typ: typ}
	if data == "" {
		return m, nil
	}
	var exprs []string
	switch typ {
	case pinVersion:
		m.ver = data
		if strings.HasSuffix(data, "*") {
			m.ver, m.verPrefix = data[:len(data)-1], true
		}
		exprs = append(exprs, m.ver)
	case pinOrigin:
		m.site = data
		if len(data) >= 2 && data[0] == '"' && data[len(data)-1] == '"' {
			m.site = data[1 : len(data)-1]
		}
		exprs = append(exprs, m.site)
	case pinRelease:
		if data == "*" {
			m.all = true
			return m, nil
		}
		if !strings.Contains(data, "=") {
			if data[0] >= '0' && data[0] <= '9' {
				m.relVer = data
			} else {
				m.release = data
			}
		} else {
			frags := strings.Split(data, ",")
			if len(frags) >= 20 {
				return m, fmt.Errorf("%w: release pin with %d parts", ErrUndecidable, len(frags))
			}
			for _, f := range frags {
				f = strings.TrimSpace(f)
				if len(f) < 3 {
					continue
				}
				k, v := strings.ToLower(f[:2]), f[2:]
				switch k {
				case "v=":
					m.relVer = v
				case "o=":
					m.origin = v
				case "a=":
					m.archive = v
				case "n=":
					m.codename = v
				case "l=":
					m.label = v
				case "c=":
					m.comp = v
				case "b=":
					m.arch = v
				default:
					return m, fmt.Errorf("%w: release pin part %q", ErrUndecidable, f)
				}
			}
		}
		if strings.HasSuffix(m.relVer, "*") {
			m.relVer, m.relVerPrefix = m.relVer[:len(m.relVer)-1], true
		}
		exprs = append(exprs, m.relVer, m.origin, m.archive, m.codename, m.release, m.label, m.comp, m.arch)
	}
	for _, e := range exprs {
		if _, err := compilePattern(e); err != nil {
			return m, err
		}
	}
	return m, nil
}

// matchVer is pkgVersionMatch::MatchVer: equal, or a prefix when the
// expression ended in '*', ignoring case.
func matchVer(a, b string, prefix bool) bool {
	if len(a) < len(b) || (!prefix && len(a) != len(b)) {
		return false
	}
	return strings.EqualFold(a[:len(b)], b)
}

// versionMatches is VersionMatches for a version pin.
func (m matcher) versionMatches(ver string) bool {
	return matchVer(ver, m.ver, m.verPrefix) || exprMatches(m.ver, ver)
}

// fileMatches is pkgVersionMatch::FileMatch for a release or origin pin.
func (m matcher) fileMatches(f *indexFile) bool {
	if f.rel == nil { // the dpkg status file: archive "now" kept in its component
		if m.typ != pinRelease {
			return false
		}
		if m.archive != "" && !exprMatches(m.archive, f.comp) {
			return false
		}
		if m.release != "" && !exprMatches(m.release, f.comp) {
			return false
		}
		if m.origin != "" || m.label != "" || m.relVer != "" || m.codename != "" {
			return false
		}
	} else if !m.releaseMatches(f.rel) {
		return false
	}
	if m.typ == pinRelease {
		if m.all {
			return true
		}
		if m.comp != "" && !exprMatches(m.comp, f.comp) {
			return false
		}
		if m.arch != "" && !exprMatches(m.arch, f.arch) {
			return false
		}
	}
	return true
}

func (m matcher) releaseMatches(r *release) bool {
	switch m.typ {
	case pinRelease:
		if m.all {
			return true
		}
		if m.relVer == "" && m.origin == "" && m.archive == "" && m.label == "" && m.release == "" && m.codename == "" && m.comp == "" && m.arch == "" {
			return false
		}
		if m.relVer != "" && !matchVer(r.Version, m.relVer, m.relVerPrefix) && !exprMatches(m.relVer, r.Version) {
			return false
		}
		if m.origin != "" && !exprMatches(m.origin, r.Origin) {
			return false
		}
		if m.archive != "" && !exprMatches(m.archive, r.Archive) {
			return false
		}
		if m.codename != "" && !exprMatches(m.codename, r.Codename) {
			return false
		}
		if m.release != "" && !exprMatches(m.release, r.Archive) && !exprMatches(m.release, r.Codename) {
			return false
		}
		if m.label != "" && !exprMatches(m.label, r.Label) {
			return false
		}
		return true
	case pinOrigin:
		return exprMatches(m.site, r.Site)
	}
	return false
}

// exprMatches is pkgVersionMatch::ExpressionMatches: "/regex/" is a POSIX
// extended regular expression searched case-insensitively, anything else
// an fnmatch(3) glob without FNM_PATHNAME, ignoring case. An empty value
// (a field the release file does not have) never matches.
func exprMatches(pattern, s string) bool {
	if s == "" && pattern != "" {
		return false
	}
	re, err := compilePattern(pattern)
	if err != nil {
		return false // parseMatcher and parsePreferences have refused it
	}
	if re != nil {
		return re.MatchString(s)
	}
	return fnmatchFold(pattern, s)
}

// compilePattern compiles a /regex/ pattern; nil for a glob. A regular
// expression Go's engine reads differently from POSIX (back-references,
// collating elements) is ErrUndecidable.
func compilePattern(p string) (*regexp.Regexp, error) {
	if len(p) < 2 || p[0] != '/' || p[len(p)-1] != '/' {
		return nil, nil
	}
	body := p[1 : len(p)-1]
	if strings.Contains(body, `\`) || strings.Contains(body, "[.") || strings.Contains(body, "[=") {
		return nil, fmt.Errorf("%w: regular expression %q", ErrUndecidable, p)
	}
	if v, ok := regexCache.Load(body); ok {
		return v.(*regexp.Regexp), nil
	}
	re, err := regexp.Compile("(?i)" + body)
	if err != nil {
		return nil, fmt.Errorf("%w: regular expression %q: %w", ErrUndecidable, p, err)
	}
	regexCache.Store(body, re)
	return re, nil
}

// fnmatchFold is fnmatch(pattern, s, FNM_CASEFOLD): '*', '?', bracket
// expressions with '!' or '^' negation and ranges, backslash escapes; '/'
// and a leading '.' are ordinary characters.
func fnmatchFold(pattern, s string) bool {
	return fnmatch(strings.ToLower(pattern), strings.ToLower(s))
}

func fnmatch(p, s string) bool {
	for len(p) > 0 {
		switch p[0] {
		case '*':
			for len(p) > 0 && p[0] == '*' {
				p = p[1:]
			}
			if p == "" {
				return true
			}
			for i := 0; i <= len(s); i++ {
				if fnmatch(p, s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
			p, s = p[1:], s[1:]
		case '[':
			if s == "" {
				return false
			}
			ok, rest, valid := matchBracket(p, s[0])
			if !valid { // no closing bracket: a literal '['
				if s[0] != '[' {
					return false
				}
				p, s = p[1:], s[1:]
				continue
			}
			if !ok {
				return false
			}
			p, s = rest, s[1:]
		case '\\':
			if len(p) > 1 {
				p = p[1:]
			}
			fallthrough
		default:
			if s == "" || s[0] != p[0] {
				return false
			}
			p, s = p[1:], s[1:]
		}
	}
	return s == ""
}

// matchBracket matches c against the bracket expression at the start of p.
func matchBracket(p string, c byte) (matched bool, rest string, valid bool) {
	i := 1
	negate := false
	if i < len(p) && (p[i] == '!' || p[i] == '^') {
		negate, i = true, i+1
	}
	first := true
	for i < len(p) {
		if p[i] == ']' && !first {
			return matched != negate, p[i+1:], true
		}
		first = false
		lo := p[i]
		if lo == '\\' && i+1 < len(p) {
			i++
			lo = p[i]
		}
		hi := lo
		if i+2 < len(p) && p[i+1] == '-' && p[i+2] != ']' {
			hi = p[i+2]
			i += 2
		}
		if lo <= c && c <= hi {
			matched = true
		}
		i++
	}
	return false, "", false
}
