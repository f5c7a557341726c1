package lifecycle

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"

	goversion "github.com/hashicorp/go-version"

	"github.com/demarc/demarc/catalog"
)

// ErrBadVersion is returned for a version demarc cannot order: empty,
// junk ("11.x"), overflowing ("9999999999999999999") or absurdly long.
var ErrBadVersion = errors.New("unparseable version")

// maxVersionLen caps what is parsed: no real product version is longer.
const maxVersionLen = 64

// Version is a product version, normalised per product and ordered with
// hashicorp/go-version. It is the rules' side of versions: what hosts
// write (package versions, raw strings) is internal/pkgver's, in the
// collectors, before a version reaches the rules.
type Version struct {
	orig string
	norm string
	segs []int64
	v    *goversion.Version
}

var (
	slesSP        = regexp.MustCompile(`^(\d+)(?:[ ._-]?SP(\d+))?$`)
	daLegacy      = regexp.MustCompile(`^1\.(\d{2})\.(\d)$`)
	esxiUpdate    = regexp.MustCompile(`^(\d+\.\d+)(?:\.\d+)?\s*(?:Update|U)\s*(\d+)([a-z]?)$`)
	numericPrefix = regexp.MustCompile(`^[0-9]+(?:\.[0-9]+)*`)
)

// ParseVersion normalises s for product (by its version scheme in the
// product catalogue) and parses it:
//   - cPanel "11.118.0.15" drops the historic "11." ("118.0.15");
//   - SLES "15-SP5" / "15 SP5" is "15.5" and a bare "15" is "15.0";
//   - DirectAdmin's pre-1.640 "1.62.9" is "1.629" (the vendor's own
//     equivalence);
//   - ESXi "7.0 Update 3" is "7.0.3";
//   - a leading "v" is dropped.
//
// It never panics; junk gives an error wrapping ErrBadVersion. Results
// are memoised (a server judges the same few thousand versions over and
// over): a Version is immutable.
func ParseVersion(product, s string) (Version, error) {
	key := product + "\x00" + s
	if c, ok := parsedVersions.Load(key); ok {
		pv := c.(parsedVersion)
		return pv.v, pv.err
	}
	v, err := parseVersion(product, s)
	if parsedCount.Add(1) > maxParsedVersions {
		parsedVersions.Clear()
		parsedCount.Store(0)
	}
	parsedVersions.Store(key, parsedVersion{v, err})
	return v, err
}

// The memo of ParseVersion, cleared whole when it holds too many.
var (
	parsedVersions sync.Map
	parsedCount    atomic.Int64
)

const maxParsedVersions = 100_000

type parsedVersion struct {
	v   Version
	err error
}

func parseVersion(product, s string) (Version, error) {
	orig := s
	s = strings.TrimSpace(s)
	if len(s) > maxVersionLen {
		return Version{}, fmt.Errorf("%w: %d characters", ErrBadVersion, len(s))
	}
	s = strings.TrimPrefix(strings.TrimPrefix(s, "v"), "V")
	s = normalise(strings.ToLower(product), s)
	core := numericPrefix.FindString(s)
	if core == "" {
		return Version{}, fmt.Errorf("%w %q", ErrBadVersion, orig)
	}
	v, err := goversion.NewVersion(s)
	if err != nil {
		return Version{}, fmt.Errorf("%w %q", ErrBadVersion, orig)
	}
	n := strings.Count(core, ".") + 1
	all := v.Segments64()
	if n > len(all) {
		n = len(all)
	}
	return Version{orig: orig, norm: s, segs: all[:n:n], v: v}, nil
}

func normalise(product, s string) string {
	switch catalog.Default.SchemeOf(product) {
	case catalog.CPanel:
		if strings.HasPrefix(s, "11.") && strings.Count(s, ".") >= 3 {
			return s[len("11."):]
		}
	case catalog.SLESServicePack:
		if m := slesSP.FindStringSubmatch(strings.ToUpper(s)); m != nil {
			if m[2] == "" {
				return m[1] + ".0"
			}
			return m[1] + "." + m[2]
		}
	case catalog.DirectAdmin:
		if m := daLegacy.FindStringSubmatch(s); m != nil {
			return "1." + m[1] + m[2]
		}
	case catalog.ESXiUpdate:
		if m := esxiUpdate.FindStringSubmatch(s); m != nil {
			return m[1] + "." + m[2] + m[3]
		}
	}
	return s
}

// String is the normalised version.
func (v Version) String() string { return v.norm }

// Original is the version as given.
func (v Version) Original() string { return v.orig }

// Segments are the numeric segments as written ("22.04" is [22 4]).
func (v Version) Segments() []int64 { return v.segs }

// Compare returns -1, 0 or 1 as v is older than, equal to or newer than o.
func (v Version) Compare(o Version) int {
	if v.v == nil || o.v == nil {
		switch {
		case v.v == nil && o.v == nil:
			return 0
		case v.v == nil:
			return -1
		default:
			return 1
		}
	}
	return v.v.Compare(o.v)
}

// hasPrefix reports whether v's segments start with p's.
func (v Version) hasPrefix(p []int64) bool {
	if len(p) == 0 || len(p) > len(v.segs) {
		return false
	}
	for i := range p {
		if v.segs[i] != p[i] {
			return false
		}
	}
	return true
}

// compareSegs orders segment lists numerically over their common length,
// then by length.
func compareSegs(a, b []int64) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		switch {
		case a[i] < b[i]:
			return -1
		case a[i] > b[i]:
			return 1
		}
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}
