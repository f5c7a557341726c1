package lifecycle

import (
	"fmt"
	"time"
)

// State is where a cycle stands on a date.
type State string

// The lifecycle states.
const (
	// StateCurrent: inside regular support, more than SoonDays left.
	StateCurrent State = "current"
	// StateEOLSoon: regular support ends within SoonDays.
	StateEOLSoon State = "eol_soon"
	// StateExtended: past regular support, inside an LTS/ESM/ELS/LTSS
	// window (which may need a subscription).
	StateExtended State = "extended_support"
	// StateEOL: past the end of all support.
	StateEOL State = "eol"
	// StateUnknown: the data cannot say.
	StateUnknown State = "unknown"
)

// SoonDays is how close an end of support must be to count as soon.
const SoonDays = 90

// Extended returns the cycle's extended window end when the cycle has one
// beyond regular support: a date after the regular end, or `false` (open,
// no date yet). The zero Bound otherwise.
func (c *Cycle) Extended() Bound {
	e := c.EOES
	if !e.Set {
		return Bound{}
	}
	if e.Date.IsZero() {
		if e.Passed {
			return Bound{}
		}
		return e
	}
	if c.EOL.HasDate() && !e.Date.After(c.EOL.Date) {
		return Bound{}
	}
	return e
}

// End is the end of all support: the extended window's end when there is
// one, else the regular end. The zero Date when not dated.
func (c *Cycle) End() Date {
	if x := c.Extended(); x.Set {
		return x.Date
	}
	return c.EOL.Date
}

// StateAt returns the cycle's state on day at and the days left until the
// boundary that matters (regular end while current or soon, extended end
// while extended); -1 when that boundary has no date. soon is the number
// of days before the regular end that count as "soon" (SoonDays).
func (c *Cycle) StateAt(at Date, soon int) (State, int) {
	reg := c.EOL
	if !reg.Set {
		return StateUnknown, -1
	}
	if reg.Over(at) {
		x := c.Extended()
		if !x.Set || x.Over(at) {
			return StateEOL, -1
		}
		if x.Date.IsZero() {
			return StateExtended, -1
		}
		return StateExtended, x.Date.DaysUntil(at)
	}
	if !reg.HasDate() {
		return StateCurrent, -1
	}
	days := reg.Date.DaysUntil(at)
	if days <= soon {
		return StateEOLSoon, days
	}
	return StateCurrent, days
}

// Soon is the product's "ends soon" horizon in days: SoonDays unless the
// data sets a shorter one for short-lived cycles (Plesk's ~12-week
// updates would otherwise always be "soon").
func (p *Product) Soon() int {
	if p.SoonDays > 0 {
		return p.SoonDays
	}
	return SoonDays
}

// StateAt is c.StateAt with the product's horizon.
func (p *Product) StateAt(c *Cycle, at Date) (State, int) { return c.StateAt(at, p.Soon()) }

// Placement says how a version was placed when it matched no cycle.
type Placement string

// The placements.
const (
	PlacedInCycle   Placement = ""
	PlacedNewer     Placement = "newer_than_data"
	PlacedOlder     Placement = "older_than_data"
	PlacedUnmatched Placement = "unmatched"
)

// Status is the verdict on one installed version on one day.
type Status struct {
	// Product is nil when the product has no lifecycle data.
	Product *Product
	// Version is the parsed version (zero when unparseable).
	Version Version
	// Cycle is the matched cycle (nil when none).
	Cycle *Cycle
	// State is the lifecycle state.
	State State
	// DaysLeft is the days to the boundary that matters, -1 if undated.
	DaysLeft int
	// Placement says how an unmatched version was judged.
	Placement Placement
	// Why explains an unknown state or an inference, in words.
	Why string
	// Newer is the newest supported cycle newer than Cycle, if any.
	Newer *Cycle
	// NewerLatest is Newer's newest version released by the date.
	NewerLatest string
	// Latest is the newest version of Cycle (or, for a channel product,
	// of the channel) released by the date.
	Latest string
	// PatchBehind is true when Latest is newer than the installed version.
	PatchBehind bool
}

// Evaluate judges version of the product id (or alias) on day at.
func (d *Dataset) Evaluate(id, version string, at time.Time) Status {
	p := d.Product(id)
	if p == nil {
		return Status{State: StateUnknown, DaysLeft: -1, Why: fmt.Sprintf("no lifecycle data for %q", id)}
	}
	return p.Evaluate(version, at)
}

// Evaluate judges version of p on day at.
func (p *Product) Evaluate(version string, at time.Time) Status {
	day := Day(at)
	st := Status{Product: p, State: StateUnknown, DaysLeft: -1}
	v, err := ParseVersion(p.ID, version)
	if err != nil {
		st.Why = fmt.Sprintf("version %q cannot be read", version)
		return st
	}
	st.Version = v
	if p.Scheme == SchemeChannel {
		st.State = StateCurrent
		st.Latest = p.channelLatest(day)
		st.PatchBehind = behind(p.ID, v, st.Latest)
		return st
	}
	c := p.Match(v)
	if c == nil {
		return p.placeUnmatched(st, v, day)
	}
	st.Cycle = c
	st.State, st.DaysLeft = p.StateAt(c, day)
	if st.State == StateUnknown {
		st.Why = fmt.Sprintf("%s %s has no published end of support in the data", p.Title, c.Name)
	}
	st.Latest = c.LatestAt(p.ID, at)
	st.PatchBehind = behind(p.ID, v, st.Latest)
	if n := p.NewestSupported(c, at); n != nil {
		st.Newer = n
		st.NewerLatest = n.LatestAt(p.ID, at)
	}
	return st
}

func (p *Product) placeUnmatched(st Status, v Version, day Date) Status {
	where, next := p.placement(v)
	switch {
	case where > 0:
		st.State, st.Placement = StateCurrent, PlacedNewer
		st.Why = fmt.Sprintf("%s %s is newer than every release cycle in the data", p.Title, v.Original())
	case where < 0 && next != nil:
		if s, _ := p.StateAt(next, day); s == StateEOL {
			// Support does not come back: a version older than a cycle
			// that is itself past its end of life is past it too.
			st.State, st.Placement = StateEOL, PlacedOlder
			st.Why = fmt.Sprintf("%s %s is in no listed release cycle and older than %s, which is itself past its end of life",
				p.Title, v.Original(), next.Name)
			return st
		}
		st.Placement = PlacedUnmatched
		st.Why = fmt.Sprintf("%s %s is in no listed release cycle", p.Title, v.Original())
	default:
		st.Placement = PlacedUnmatched
		st.Why = fmt.Sprintf("%s %s matches no release cycle in the data", p.Title, v.Original())
	}
	return st
}

// channelLatest is the newest release of a channel product out by day.
func (p *Product) channelLatest(day Date) string {
	var best *Version
	for _, c := range p.Cycles {
		for _, r := range c.Versions {
			if r.Date.After(day) {
				continue
			}
			v, err := ParseVersion(p.ID, r.Version)
			if err != nil {
				continue
			}
			if best == nil || v.Compare(*best) > 0 {
				best = &v
			}
		}
	}
	if best == nil {
		return ""
	}
	return best.Original()
}

func behind(product string, v Version, latest string) bool {
	if latest == "" {
		return false
	}
	l, err := ParseVersion(product, latest)
	if err != nil {
		return false
	}
	return v.Compare(l) < 0
}
