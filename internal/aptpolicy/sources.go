package aptpolicy

import (
	"bytes"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/demarc/demarc/internal/hostfs"
)

// source is one suite of one repository apt indexes: a "deb" line of
// sources.list (one per suite of a .sources stanza), in apt's reading
// order: /etc/apt/sources.list, then sources.list.d/*.list and *.sources
// sorted by name.
type source struct {
	uri        string // with a trailing slash
	suite      string
	components []string
	archs      []string // the arch= / Architectures: option; empty means all of the host's
	from       string   // the file it was read from, for errors
}

// site is the host name apt's "Pin: origin" matches against.
func (s source) site() string {
	u, err := url.Parse(s.uri)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// listPrefix is the name apt gives the suite's files under
// /var/lib/apt/lists, without the final part: URItoFileName of
// "<uri>dists/<suite>/".
func (s source) listPrefix() string {
	return uriToFileName(s.uri + "dists/" + s.suite + "/")
}

// uriToFileName is apt's URItoFileName: the URI without scheme, user and
// password, with apt's reserved characters quoted (%xx) and every slash
// turned into an underscore.
func uriToFileName(uri string) string {
	rest := uri
	if i := strings.Index(rest, "://"); i >= 0 {
		rest = rest[i+3:]
	} else if i := strings.IndexByte(rest, ':'); i >= 0 {
		rest = strings.TrimPrefix(rest[i+1:], "//")
	}
	host, p, _ := strings.Cut(rest, "/")
	if at := strings.LastIndexByte(host, '@'); at >= 0 {
		host = host[at+1:]
	}
	return quoteName(host + "/" + p)
}

// quoteName is apt's QuoteString with URItoFileName's reserved characters,
// slashes turned into underscores.
func quoteName(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c <= 0x20 || c >= 0x7f || strings.IndexByte(`\|{}[]<>"^~_=!@#$%^&*`, c) >= 0 {
			fmt.Fprintf(&b, "%%%02x", c)
			continue
		}
		b.WriteByte(c)
	}
	return strings.ReplaceAll(b.String(), "/", "_")
}

// readSources reads the root's apt sources. A source apt would read in a
// way the native evaluation does not model (a flat repository, an option
// it does not know) is ErrUndecidable.
func readSources(root hostfs.Root) ([]source, error) {
	var out []source
	if b, err := root.ReadFile("/etc/apt/sources.list"); err == nil {
		s, err := parseSourcesList(b, "/etc/apt/sources.list")
		if err != nil {
			return nil, err
		}
		out = append(out, s...)
	} else if !isNotExist(err) {
		return nil, fmt.Errorf("sources: %w", err)
	}
	entries, err := root.ReadDir("/etc/apt/sources.list.d")
	if err != nil && !isNotExist(err) {
		return nil, fmt.Errorf("sources: %w", err)
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if (strings.HasSuffix(n, ".list") || strings.HasSuffix(n, ".sources")) && validPartName(strings.TrimSuffix(strings.TrimSuffix(n, ".list"), ".sources")) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		p := "/etc/apt/sources.list.d/" + n
		b, err := root.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("sources: %w", err)
		}
		var s []source
		if strings.HasSuffix(n, ".list") {
			s, err = parseSourcesList(b, p)
		} else {
			s, err = parseDeb822Sources(b, p)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, s...)
	}
	return out, nil
}

// validPartName is apt's rule for file names in a .d directory
// (GetListOfFilesInDir): letters, digits, '_', '-' and '.'.
func validPartName(n string) bool {
	if n == "" {
		return false
	}
	for _, c := range n {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// parseSourcesList parses the one-line format:
// "deb [opt=value …] uri suite [component…]".
func parseSourcesList(b []byte, from string) ([]source, error) {
	var out []source
	for n, line := range strings.Split(string(b), "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		typ := f[0]
		f = f[1:]
		var opts []string
		if len(f) > 0 && strings.HasPrefix(f[0], "[") {
			joined := strings.Join(f, " ")
			end := strings.IndexByte(joined, ']')
			if end < 0 {
				return nil, fmt.Errorf("%s line %d: %w: unterminated option list", from, n+1, ErrMalformed)
			}
			opts = strings.Fields(joined[1:end])
			f = strings.Fields(joined[end+1:])
		}
		if typ == "deb-src" {
			continue
		}
		if typ != "deb" {
			return nil, fmt.Errorf("%s line %d: %w: source type %q", from, n+1, ErrUndecidable, typ)
		}
		if len(f) < 2 {
			return nil, fmt.Errorf("%s line %d: %w: no URI and suite", from, n+1, ErrMalformed)
		}
		s := source{uri: withSlash(f[0]), suite: f[1], components: f[2:], from: from}
		for _, o := range opts {
			k, v, ok := strings.Cut(o, "=")
			if !ok {
				return nil, fmt.Errorf("%s line %d: %w: option %q", from, n+1, ErrMalformed, o)
			}
			if err := s.option(strings.ToLower(strings.TrimSuffix(strings.TrimSuffix(k, "+"), "-")), v, strings.HasSuffix(k, "+") || strings.HasSuffix(k, "-")); err != nil {
				return nil, fmt.Errorf("%s line %d: %w", from, n+1, err)
			}
		}
		if err := s.check(); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", from, n+1, err)
		}
		out = append(out, s)
	}
	return out, nil
}

// option applies one source option; the options that only concern
// fetching (signed-by, trusted, lang, pdiffs…) do not change which
// versions apt sees. An option that changes the index files or the
// architectures in a way not modelled (arch+=, target=) is ErrUndecidable.
func (s *source) option(k, v string, modifier bool) error {
	switch k {
	case "arch", "architectures":
		if modifier {
			return fmt.Errorf("%w: option %s with +/-", ErrUndecidable, k)
		}
		s.archs = strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' })
	case "signed-by", "trusted", "lang", "languages", "pdiffs", "by-hash", "check-valid-until",
		"valid-until-min", "valid-until-max", "check-date", "date-max-future", "inrelease-path",
		"allow-insecure", "allow-weak", "allow-downgrade-to-insecure", "snapshot", "enabled", "types", "uris", "suites", "components":
	default:
		return fmt.Errorf("%w: source option %q", ErrUndecidable, k)
	}
	return nil
}

func (s source) check() error {
	if strings.HasSuffix(s.suite, "/") {
		return fmt.Errorf("%w: flat repository %s %s", ErrUndecidable, s.uri, s.suite)
	}
	if len(s.components) == 0 {
		return fmt.Errorf("%w: no components for %s %s", ErrMalformed, s.uri, s.suite)
	}
	if strings.Contains(s.uri+s.suite, "$(") {
		return fmt.Errorf("%w: variable in %s %s", ErrUndecidable, s.uri, s.suite)
	}
	return nil
}

func withSlash(u string) string {
	if strings.HasSuffix(u, "/") {
		return u
	}
	return u + "/"
}

// parseDeb822Sources parses a .sources file: stanzas of Types, URIs,
// Suites, Components and options.
func parseDeb822Sources(b []byte, from string) ([]source, error) {
	keys := []string{"Types", "URIs", "Suites", "Components", "Enabled", "Architectures", "Architectures-Add", "Architectures-Remove", "Targets", "Snapshot"}
	r := newStanzaReader(bytes.NewReader(b), true, keys...)
	var out []source
	for r.next(nil) {
		v := r.vals
		if strings.EqualFold(strings.TrimSpace(v[4]), "no") || strings.EqualFold(strings.TrimSpace(v[4]), "false") {
			continue
		}
		if v[6] != "" || v[7] != "" || v[8] != "" {
			return nil, fmt.Errorf("%s: %w: Architectures-Add/-Remove or Targets", from, ErrUndecidable)
		}
		types := strings.Fields(v[0])
		if !slices.Contains(types, "deb") {
			if len(types) == 0 {
				return nil, fmt.Errorf("%s: %w: a stanza without Types", from, ErrMalformed)
			}
			continue
		}
		uris, suites, comps := strings.Fields(v[1]), strings.Fields(v[2]), strings.Fields(v[3])
		if len(uris) == 0 || len(suites) == 0 {
			return nil, fmt.Errorf("%s: %w: a stanza without URIs or Suites", from, ErrMalformed)
		}
		for _, u := range uris {
			for _, su := range suites {
				s := source{uri: withSlash(u), suite: su, components: comps, archs: strings.Fields(v[5]), from: from}
				if err := s.check(); err != nil {
					return nil, fmt.Errorf("%s: %w", from, err)
				}
				out = append(out, s)
			}
		}
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", from, err)
	}
	return out, nil
}
