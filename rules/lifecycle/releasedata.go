package lifecycle

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
)

// releaseDataFile is an endoflife.date release-data file
// (releases/<product>.json in github.com/endoflife-date/release-data):
// every released version with its date. Its "releases" object is not
// used.
type releaseDataFile struct {
	Releases json.RawMessage `json:"releases"`
	Versions map[string]*struct {
		Name string `json:"name"`
		Date string `json:"date"`
	} `json:"versions"`
}

// ErrFormat means a lifecycle file is not in a format demarc reads: not
// JSON, or JSON of an unknown shape, or a field of the wrong type.
var ErrFormat = errors.New("unknown lifecycle file format")

// ParseReleaseData reads an endoflife.date release-data file and returns
// its versions, sorted by name. Every version needs a date (YYYY-MM-DD or
// YYYY-MM); a version without one, or with one in another format, is an
// error naming it.
func ParseReleaseData(b []byte) ([]Release, error) {
	var rd releaseDataFile
	if err := json.Unmarshal(b, &rd); err != nil {
		return nil, jsonErr(err)
	}
	if rd.Versions == nil {
		return nil, fmt.Errorf("%w: no \"versions\" object", ErrFormat)
	}
	names := make([]string, 0, len(rd.Versions))
	for k := range rd.Versions {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make([]Release, 0, len(names))
	for _, k := range names {
		v := rd.Versions[k]
		if v == nil {
			return nil, fmt.Errorf("version %q: not an object: %w", k, ErrFormat)
		}
		name := k
		if v.Name != "" {
			name = v.Name
		}
		d, err := ParseDate(v.Date)
		if err != nil {
			return nil, fmt.Errorf("version %q: date: %w", k, err)
		}
		out = append(out, Release{Version: name, Date: d})
	}
	return out, nil
}

// AddReleases files every release under the cycle it belongs to (releases
// in no cycle, or not versions, are left out) and takes each such cycle's
// latest from its dated versions; the cycle's own latest is kept among
// them when the releases lack it (release-data is incomplete for some
// products, e.g. AlmaLinux 9.7/9.8). A release already filed under its
// cycle is not added twice.
func (p *Product) AddReleases(rs []Release) {
	p.parse()
	touched := map[*Cycle]bool{}
	for _, r := range rs {
		pv, err := ParseVersion(p.ID, r.Version)
		if err != nil {
			continue
		}
		c := p.Match(pv)
		if c == nil {
			continue
		}
		touched[c] = true
		if i := releaseIndex(c.Versions, r.Version); i >= 0 {
			c.Versions[i] = r
			continue
		}
		c.Versions = append(c.Versions, r)
	}
	for _, c := range p.Cycles {
		if !touched[c] || len(c.Versions) == 0 {
			continue
		}
		p.addCycleLatest(c)
		SortReleases(p, c.Versions)
		c.Latest, c.LatestDate = c.Versions[0].Version, c.Versions[0].Date
	}
}

func releaseIndex(rs []Release, version string) int {
	for i, r := range rs {
		if r.Version == version {
			return i
		}
	}
	return -1
}

// addCycleLatest adds the cycle's dated latest to its versions when none
// of them is as new.
func (p *Product) addCycleLatest(c *Cycle) {
	if c.Latest == "" || c.LatestDate.IsZero() {
		return
	}
	lv, err := ParseVersion(p.ID, c.Latest)
	if err != nil {
		return
	}
	for _, r := range c.Versions {
		if v, err := ParseVersion(p.ID, r.Version); err == nil && v.Compare(lv) >= 0 {
			return
		}
	}
	c.Versions = append(c.Versions, Release{Version: c.Latest, Date: c.LatestDate})
}

// jsonErr describes a JSON decoding error with where it happened: the
// byte offset of a syntax error, the field of a type error.
func jsonErr(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("%w: not JSON: %v (at byte %d)", ErrFormat, se, se.Offset)
	case errors.As(err, &te):
		f := te.Field
		if f == "" {
			f = "the top level"
		}
		return fmt.Errorf("%w: %s: %s where %s was expected", ErrFormat, f, te.Value, te.Type)
	}
	return fmt.Errorf("%w: %v", ErrFormat, err)
}
