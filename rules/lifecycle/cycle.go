package lifecycle

import "time"

type parsedCycle struct {
	c    *Cycle
	segs []int64
}

// datedVersion is a release of a cycle, its version parsed once.
type datedVersion struct {
	v    Version
	date Date
}

// parse pre-parses the cycle names that are versions (all but a few
// vendor labels), and each cycle's dated versions: judging a host asks
// for the newest release of several cycles, and parsing versions was
// most of the cost of an evaluation.
func (p *Product) parse() {
	p.parsed = p.parsed[:0]
	for _, c := range p.Cycles {
		c.dated, c.datedFor = c.dated[:0], p.ID
		for _, r := range c.Versions {
			if v, err := ParseVersion(p.ID, r.Version); err == nil {
				c.dated = append(c.dated, datedVersion{v: v, date: r.Date})
			}
		}
		v, err := ParseVersion(p.ID, c.Name)
		if err != nil {
			continue
		}
		p.parsed = append(p.parsed, parsedCycle{c: c, segs: v.segs})
	}
}

// Match returns the cycle v belongs to: the cycle whose numeric segments
// are the longest prefix of v's ("8.3.14" is PHP "8.3", "9.6.24" is
// PostgreSQL "9.6", "16.2" is PostgreSQL "16", "10.11.6" is MariaDB
// "10.11", never "10.1"). Nil when no cycle matches.
func (p *Product) Match(v Version) *Cycle {
	var best *parsedCycle
	for i := range p.parsed {
		pc := &p.parsed[i]
		if v.hasPrefix(pc.segs) && (best == nil || len(pc.segs) > len(best.segs)) {
			best = pc
		}
	}
	if best == nil {
		return nil
	}
	return best.c
}

// placement says where an unmatched version sits among the data's
// cycles: 1 newer than all; -1 below some cycle (the second result is the
// lowest cycle above it); 0 when it cannot be placed (it equals a cycle on
// their common segments, "22" against "22.04", or there are no cycles).
func (p *Product) placement(v Version) (int, *Cycle) {
	if len(p.parsed) == 0 {
		return 0, nil
	}
	var next *parsedCycle
	for i := range p.parsed {
		pc := &p.parsed[i]
		n := min(len(pc.segs), len(v.segs))
		switch compareSegs(v.segs[:n], pc.segs[:n]) {
		case 0:
			return 0, nil
		case -1:
			if next == nil || compareSegs(pc.segs, next.segs) < 0 {
				next = pc
			}
		}
	}
	if next == nil {
		return 1, nil
	}
	return -1, next.c
}

// segsOf returns the parsed segments of c (nil if c's name is not a
// version).
func (p *Product) segsOf(c *Cycle) []int64 {
	for _, pc := range p.parsed {
		if pc.c == c {
			return pc.segs
		}
	}
	return nil
}

// NewestSupported returns the newest cycle that is newer than c, already
// released on day at and not past its end of life then. When c is an LTS
// cycle of a product with an LTS track (more than one LTS cycle), only LTS
// cycles count: Ubuntu 22.04 is behind 24.04, never 25.10, and cPanel 134
// LTS is not behind 138. Nil when c is the newest.
func (p *Product) NewestSupported(c *Cycle, at time.Time) *Cycle {
	day := Day(at)
	base := p.segsOf(c)
	if base == nil {
		return nil
	}
	var best, bestLTS *parsedCycle
	for i := range p.parsed {
		pc := &p.parsed[i]
		if compareSegs(pc.segs, base) <= 0 {
			continue
		}
		if !pc.c.Released.IsZero() && pc.c.Released.After(day) {
			continue
		}
		if st, _ := p.StateAt(pc.c, day); st == StateEOL || st == StateUnknown {
			continue
		}
		if best == nil || compareSegs(pc.segs, best.segs) > 0 {
			best = pc
		}
		if pc.c.LTS && (bestLTS == nil || compareSegs(pc.segs, bestLTS.segs) > 0) {
			bestLTS = pc
		}
	}
	if c.LTS && p.ltsTrack() {
		if bestLTS == nil {
			return nil
		}
		return bestLTS.c
	}
	if best == nil {
		return nil
	}
	return best.c
}

// ltsTrack reports whether the product marks more than one cycle LTS.
func (p *Product) ltsTrack() bool {
	n := 0
	for _, c := range p.Cycles {
		if c.LTS {
			n++
		}
	}
	return n > 1
}

// LatestAt returns the newest version of c released on or before day at:
// from the dated versions, else Latest when it is undated or dated by
// then. "" when the data knows none.
func (c *Cycle) LatestAt(product string, at time.Time) string {
	day := Day(at)
	var best *Version
	if c.datedFor == product && len(c.dated) > 0 {
		for i := range c.dated {
			d := &c.dated[i]
			if !d.date.After(day) && (best == nil || d.v.Compare(*best) > 0) {
				best = &d.v
			}
		}
	} else {
		for _, r := range c.Versions {
			if r.Date.After(day) {
				continue
			}
			v, err := ParseVersion(product, r.Version)
			if err != nil {
				continue
			}
			if best == nil || v.Compare(*best) > 0 {
				best = &v
			}
		}
	}
	if best != nil {
		return best.Original()
	}
	if c.Latest != "" && (c.LatestDate.IsZero() || !c.LatestDate.After(day)) {
		return c.Latest
	}
	return ""
}
