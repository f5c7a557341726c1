package rules

import (
	"fmt"

	"github.com/demarc/demarc/report"
	"github.com/demarc/demarc/rules/lifecycle"
)

// lateRelease rewrites an end-of-life gap whose cycle still had a release
// after its end of support: WordPress's security team ships courtesy fixes
// to old branches (6.6.7 in 2026, two years after 6.6's end), cPanel ships
// emergency builds for old majors. "It no longer gets security fixes" is
// then untrue: the gap says the cycle is unsupported, names the late
// release with no promise of more, and whether this copy lacks it.
//
// A last release within three months of the end is the cycle's final
// regular one (PHP 5.6.40, ten days after its end), not a courtesy, and an
// operating system's point releases are judged through pending updates:
// neither changes the verdict.
func (x *evaluation) lateRelease(g *gap, s subject, st lifecycle.Status) {
	p, c := st.Product, st.Cycle
	if c == nil || c.End().IsZero() || s.layer == report.LayerOperatingSystem {
		return
	}
	version := c.LatestAt(p.ID, x.at)
	day := releaseDate(c, version)
	if version == "" || day.IsZero() || !day.After(c.End().AddMonths(lateAfterMonths)) {
		return
	}
	name := s.display + " " + c.Name
	g.what = fmt.Sprintf("%s has been past its end of support since %s; %s came out %s as a courtesy security release, with no promise of more",
		name, dayOf(c.End()), version, onDay(day))
	lv, err := lifecycle.ParseVersion(p.ID, version)
	if err != nil || st.Version.Compare(lv) >= 0 {
		return
	}
	g.what += fmt.Sprintf(", and %s %s lacks even that", s.display, s.installed)
	g.remediation += fmt.Sprintf(" (until then, update to %s)", version)
}

// lateAfterMonths is how long after a cycle's end a release counts as a
// courtesy rather than the cycle's final regular release.
const lateAfterMonths = 3

// releaseDate is the date version was released in cycle c, zero when the
// data does not say.
func releaseDate(c *lifecycle.Cycle, version string) lifecycle.Date {
	for _, r := range c.Versions {
		if r.Version == version {
			return r.Date
		}
	}
	if c.Latest == version {
		return c.LatestDate
	}
	return lifecycle.Date{}
}
