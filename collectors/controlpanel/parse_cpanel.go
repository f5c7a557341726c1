package controlpanel

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// CPanelVersion is a parsed /usr/local/cpanel/version.
type CPanelVersion struct {
	// Raw is the version as written in the file, whitespace trimmed:
	// "11.118.0.15" (or the 3-part "118.0.15").
	Raw string
	// Major, Minor and Build are the fields after the frozen "11." parent:
	// 118, 0, 15.
	Major, Minor, Build int
}

var (
	cpanel4Part = regexp.MustCompile(`^11\.(\d{1,4})\.(\d{1,4})\.(\d{1,6})$`)
	cpanel3Part = regexp.MustCompile(`^(\d{2,4})\.(\d{1,4})\.(\d{1,6})$`)
)

// cpanelMinMajor is the first major of the 11.<major>.<minor>.<build>
// scheme (11.30); anything lower is not a version this scheme produced.
const cpanelMinMajor = 30

// ParseCPanelVersion parses the one line of /usr/local/cpanel/version,
// "11.<major>.<minor>.<build>" or the 3-part "<major>.<minor>.<build>" that
// cPanel's API prints. A 3-part value starting with 11 is refused: it is
// either truncated or from the pre-11.30 scheme, and neither says the major.
func ParseCPanelVersion(b []byte) (CPanelVersion, error) {
	s := strings.Trim(string(b), " \t\r\n\x00")
	if s == "" {
		return CPanelVersion{}, fmt.Errorf("%w: empty", ErrMalformed)
	}
	if len(s) > 32 || strings.ContainsAny(s, "\r\n") {
		return CPanelVersion{}, fmt.Errorf("%w: not a single short line", ErrMalformed)
	}
	m := cpanel4Part.FindStringSubmatch(s)
	if m == nil {
		m = cpanel3Part.FindStringSubmatch(s)
		if m != nil && m[1] == "11" {
			m = nil
		}
	}
	if m == nil {
		return CPanelVersion{}, fmt.Errorf("%w: %s is not 11.<major>.<minor>.<build>", ErrMalformed, quoteShort(s))
	}
	v := CPanelVersion{Raw: s}
	v.Major, _ = strconv.Atoi(m[1]) // at most 6 digits: cannot fail
	v.Minor, _ = strconv.Atoi(m[2])
	v.Build, _ = strconv.Atoi(m[3])
	if v.Major < cpanelMinMajor {
		return CPanelVersion{}, fmt.Errorf("%w: major %d predates the 11.<major> scheme", ErrMalformed, v.Major)
	}
	return v, nil
}

// CPUpdateConf is what /etc/cpupdate.conf says about updates.
type CPUpdateConf struct {
	// Tier is CPANEL= lowercased: a named tier (lts, stable, release,
	// current, edge) or a pin as written ("118", "11.118", "11.118.0.15").
	// Empty when CPANEL= is missing or not understood.
	Tier string
	// Pinned is true when Tier is a version, not a named tier.
	Pinned bool
	// PinMajor is the major a pin holds the server on (118 for "11.118").
	PinMajor int
	// Updates is UPDATES= (daily, manual or never), empty when missing or
	// not understood.
	Updates string
	// Junk counts non-empty, non-comment lines that are not KEY=value.
	Junk int
	// BadValues lists the known keys whose value was not understood.
	BadValues []string
}

var cpanelTiers = []string{"lts", "stable", "release", "current", "edge"}

var cpanelPin = regexp.MustCompile(`^\d{1,4}(\.\d{1,6}){0,3}$`)

// ParseCPUpdateConf parses /etc/cpupdate.conf (KEY=value lines). Unknown
// keys are ignored; values are lowercased as cPanel does. Binary input or a
// line too long to be configuration is ErrMalformed.
func ParseCPUpdateConf(b []byte) (CPUpdateConf, error) {
	if bytes.IndexByte(b, 0) >= 0 || !utf8.Valid(b) {
		return CPUpdateConf{}, fmt.Errorf("%w: binary data", ErrMalformed)
	}
	var c CPUpdateConf
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), 4096)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		k = strings.ToUpper(strings.TrimSpace(k))
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			c.Junk++
			continue
		}
		v = strings.ToLower(strings.Trim(strings.TrimSpace(v), `"'`))
		switch k {
		case "CPANEL":
			c.setTier(v)
		case "UPDATES":
			c.Updates = ""
			if slices.Contains([]string{"daily", "manual", "never"}, v) {
				c.Updates = v
			} else {
				c.BadValues = appendOnce(c.BadValues, k)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return CPUpdateConf{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return c, nil
}

func (c *CPUpdateConf) setTier(v string) {
	c.Tier, c.Pinned, c.PinMajor = "", false, 0
	if slices.Contains(cpanelTiers, v) {
		c.Tier = v
		return
	}
	if major, ok := pinMajor(v); ok {
		c.Tier, c.Pinned, c.PinMajor = v, true, major
		return
	}
	c.BadValues = appendOnce(c.BadValues, "CPANEL")
}

// pinMajor returns the major a CPANEL= pin names: "118", "11.118",
// "118.0.15" and "11.118.0.15" all mean 118.
func pinMajor(v string) (int, bool) {
	if !cpanelPin.MatchString(v) {
		return 0, false
	}
	parts := strings.Split(v, ".")
	field := parts[0]
	switch {
	case parts[0] == "11" && (len(parts) == 2 || len(parts) == 4):
		field = parts[1]
	case len(parts) == 2 || len(parts) == 4:
		return 0, false
	}
	n, err := strconv.Atoi(field)
	if err != nil || n < cpanelMinMajor {
		return 0, false
	}
	return n, true
}

func appendOnce(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// quoteShort quotes s for an error message, cut to 40 bytes.
func quoteShort(s string) string {
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return strconv.Quote(s)
}
