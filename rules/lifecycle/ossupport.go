package lifecycle

import (
	"slices"
	"time"
)

// Supports reports whether the vendor documents OS osID at version
// osVersion (os-release VERSION_ID) for cycle c on day at: same OS cycle
// ("7" covers "7.9"), at least MinVersion, and not past Until.
func (c *Cycle) Supports(osID, osVersion string, at time.Time) bool {
	return c.supportEntry(osID, osVersion, at) != nil
}

func (c *Cycle) supportEntry(osID, osVersion string, at time.Time) *OSSupport {
	host, err := ParseVersion(osID, osVersion)
	if err != nil {
		return nil
	}
	day := Day(at)
	for i := range c.SupportedOS {
		s := &c.SupportedOS[i]
		if s.ID != osID || !osCycleMatches(osID, host, s.Version) {
			continue
		}
		if s.MinVersion != "" {
			min, err := ParseVersion(osID, s.MinVersion)
			if err != nil || host.Compare(min) < 0 {
				continue
			}
		}
		if !s.Until.IsZero() && day.After(s.Until) {
			continue
		}
		return s
	}
	return nil
}

func osCycleMatches(osID string, host Version, want string) bool {
	w, err := ParseVersion(osID, want)
	if err != nil {
		return false
	}
	return host.hasPrefix(w.segs)
}

// ExtendedCovers reports whether the cycle's extended window covers the
// OS: when the vendor marks the OSes it covers (cPanel 110's ELS is for
// CentOS 7 and CloudLinux 7), only those; otherwise every supported OS.
func (c *Cycle) ExtendedCovers(osID, osVersion string, at time.Time) bool {
	if !slices.ContainsFunc(c.SupportedOS, func(s OSSupport) bool { return s.Extended }) {
		return c.Supports(osID, osVersion, at)
	}
	s := c.supportEntry(osID, osVersion, at)
	return s != nil && s.Extended
}

// MentionsOS reports whether any cycle documents OS osID at the OS cycle
// of osVersion at all, whatever its constraints: only then can the data
// say that the OS blocks an upgrade.
func (p *Product) MentionsOS(osID, osVersion string) bool {
	host, err := ParseVersion(osID, osVersion)
	if err != nil {
		return false
	}
	for _, c := range p.Cycles {
		if slices.ContainsFunc(c.SupportedOS, func(s OSSupport) bool {
			return s.ID == osID && osCycleMatches(osID, host, s.Version)
		}) {
			return true
		}
	}
	return false
}

// BestForOS returns the newest cycle that is released on day at, not past
// its end of life then, and documented for the OS. Nil when the OS allows
// no supported cycle.
func (p *Product) BestForOS(osID, osVersion string, at time.Time) *Cycle {
	day := Day(at)
	var best *parsedCycle
	for i := range p.parsed {
		pc := &p.parsed[i]
		if !pc.c.Released.IsZero() && pc.c.Released.After(day) {
			continue
		}
		st, _ := p.StateAt(pc.c, day)
		if st == StateEOL || st == StateUnknown {
			continue
		}
		if !pc.c.Supports(osID, osVersion, at) || (st == StateExtended && !pc.c.ExtendedCovers(osID, osVersion, at)) {
			continue
		}
		if best == nil || compareSegs(pc.segs, best.segs) > 0 {
			best = pc
		}
	}
	if best == nil {
		return nil
	}
	return best.c
}

// OSCeiling returns the newest cycle documented for the OS at all, whether
// or not still supported: "cPanel stops at 110 on CentOS 7". Nil when the
// OS is not mentioned.
func (p *Product) OSCeiling(osID, osVersion string) *Cycle {
	host, err := ParseVersion(osID, osVersion)
	if err != nil {
		return nil
	}
	var best *parsedCycle
	for i := range p.parsed {
		pc := &p.parsed[i]
		ok := slices.ContainsFunc(pc.c.SupportedOS, func(s OSSupport) bool {
			return s.ID == osID && osCycleMatches(osID, host, s.Version)
		})
		if ok && (best == nil || compareSegs(pc.segs, best.segs) > 0) {
			best = pc
		}
	}
	if best == nil {
		return nil
	}
	return best.c
}

// PointReleaseNeeded returns the lowest OS point release ("9.5") that a
// supported cycle newer than c requires of this OS cycle when the host is
// below it: the upgrade is blocked by a minor OS update, not a migration.
// "" when no newer cycle is held back only by a point release.
func (p *Product) PointReleaseNeeded(c *Cycle, osID, osVersion string, at time.Time) string {
	host, err := ParseVersion(osID, osVersion)
	if err != nil || c == nil {
		return ""
	}
	base, day := p.segsOf(c), Day(at)
	var need *Version
	for _, pc := range p.parsed {
		if base == nil || compareSegs(pc.segs, base) <= 0 {
			continue
		}
		if st, _ := p.StateAt(pc.c, day); st == StateEOL || st == StateUnknown {
			continue
		}
		for _, s := range pc.c.SupportedOS {
			if s.ID != osID || s.MinVersion == "" || !osCycleMatches(osID, host, s.Version) {
				continue
			}
			min, err := ParseVersion(osID, s.MinVersion)
			if err == nil && host.Compare(min) < 0 && (need == nil || min.Compare(*need) < 0) {
				need = &min
			}
		}
	}
	if need == nil {
		return ""
	}
	return need.Original()
}
