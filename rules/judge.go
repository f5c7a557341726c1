package rules

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/demarc/demarc/catalog"
	"github.com/demarc/demarc/report"
	"github.com/demarc/demarc/rules/lifecycle"
)

// subject is one thing judged against the lifecycle data.
type subject struct {
	layer     report.Layer
	product   *lifecycle.Product
	id        string // stable product id, for finding ids
	display   string
	installed string // as shown
	instance  string
	evidence  []string
	routine   bool // a newer cycle is a routine update (Plesk Obsidian)
}

// newSubject builds a subject for component c with lifecycle product p
// (nil when the data has none).
func (x *evaluation) newSubject(c report.Component, p *lifecycle.Product) subject {
	s := subject{layer: c.Layer, product: p, id: c.Product, display: clean(c.Product), installed: clean(c.Version)}
	if p != nil {
		s.id, s.display = p.ID, p.Title
	}
	s.instance = detail(c, "instance")
	if s.instance == "" {
		s.instance = detail(c, "path")
	}
	src := c.Source
	if src == "" {
		src = "observed"
	}
	s.evidence = []string{fmt.Sprintf("%s: %s %s", clean(src), clean(c.Product), clean(c.Version))}
	if s.instance != "" {
		s.evidence = append(s.evidence, report.InstanceEvidence+s.instance)
	}
	s.evidence = append(s.evidence, x.accountEvidence(c)...)
	return s
}

// clean makes an observed string safe to show: quoted when it is not
// printable UTF-8, cut at 80 characters.
func clean(v string) string {
	if len(v) > 80 {
		v = v[:80] + "…"
	}
	for _, r := range v {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return strconv.Quote(v)
		}
	}
	return v
}

// dataEvidence says where a verdict's lifecycle facts came from.
func (x *evaluation) dataEvidence(p *lifecycle.Product, c *lifecycle.Cycle) []string {
	if p == nil {
		return nil
	}
	ev := []string{fmt.Sprintf("lifecycle: %s %s (checked %s)", p.Source, strings.Join(p.Files, ", "), p.Checked)}
	if c != nil {
		for _, d := range c.Derived {
			ev = append(ev, "lifecycle ("+c.Name+"): demarc "+d)
		}
	}
	return ev
}

// stateGap returns the gap for a cycle's state (eol, extended support,
// soon), or ok false when the cycle is current.
func (x *evaluation) stateGap(s subject, st lifecycle.Status) (gap, bool) {
	p, c := st.Product, st.Cycle
	g := x.baseGap(s, st)
	name := s.display + " " + g.cycle
	switch st.State {
	case lifecycle.StateEOL:
		g.kind = report.KindEOL
		if c != nil && !c.End().IsZero() {
			g.what = fmt.Sprintf("%s reached the end of all support %s, so it no longer gets security fixes", name, onDay(c.End()))
		} else {
			g.what = fmt.Sprintf("%s is past its end of life (%s), so it no longer gets security fixes", name, st.Why)
		}
		successor := product(s.id).Successor
		g.remediation = upgradeTo(s, st, firstNonEmpty(successor, "Upgrade to a supported release"))
		if st.Newer == nil && successor == "" {
			// Only now: newestKnown parses every release in the data.
			if n := x.newestKnown(st); n != "" {
				g.latest = n
				g.remediation = fmt.Sprintf("Upgrade to the newest %s, %s or later", s.display, n)
			}
		}
		x.lateRelease(&g, s, st)
	case lifecycle.StateExtended:
		g.kind = report.KindExtendedSupport
		g.what = fmt.Sprintf("%s left regular support %s and gets security fixes only through %s%s",
			name, onDay(c.EOL.Date), extendedLabel(p), untilText(c.Extended(), st.DaysLeft))
		if p.ExtendedPaid && !strings.Contains(extendedLabel(p), "paid") {
			g.what += " (a subscription)"
		}
		g.remediation = upgradeTo(s, st, "Upgrade to a supported release") +
			fmt.Sprintf(" before %s; until then make sure %s is active", endText(c.Extended()), extendedLabel(p))
	case lifecycle.StateEOLSoon:
		g.kind = report.KindEOLSoon
		if ext := c.Extended(); ext.Set {
			g.what = fmt.Sprintf("%s leaves regular support %s, in %d days, after which only %s covers it%s",
				name, onDay(c.EOL.Date), st.DaysLeft, extendedLabel(p), untilText(ext, -1))
		} else {
			g.what = fmt.Sprintf("%s reaches the end of all support %s, in %d days, after which it gets no security fixes",
				name, onDay(c.EOL.Date), st.DaysLeft)
		}
		g.remediation = upgradeTo(s, st, "Plan the upgrade to a supported release") + " before " + dayOf(c.EOL.Date)
	default:
		return gap{}, false
	}
	g.severity = adjust(severityOf(g.kind, s.layer), g.kind, st.DaysLeft, c != nil && c.Extended().Set, s.routine)
	return g, true
}

// majorGap returns a major_behind gap when a newer supported cycle exists.
func (x *evaluation) majorGap(s subject, st lifecycle.Status) (gap, bool) {
	if st.Newer == nil || st.Cycle == nil {
		return gap{}, false
	}
	g := x.baseGap(s, st)
	g.kind = report.KindMajorBehind
	g.latest = firstNonEmpty(st.NewerLatest, st.Newer.Name)
	end := "has no announced end of support"
	if st.Cycle.EOL.HasDate() {
		end = "is supported until " + dayOf(st.Cycle.EOL.Date)
	}
	g.what = fmt.Sprintf("%s %s is available and %s %s %s", s.display, st.Newer.Name, s.display, g.cycle, end)
	g.remediation = fmt.Sprintf("Plan an upgrade to %s %s", s.display, g.latest)
	g.severity = severityOf(g.kind, s.layer)
	return g, true
}

// patchGap returns a patch_behind gap when a newer release of the same
// cycle (or channel) exists.
func (x *evaluation) patchGap(s subject, st lifecycle.Status) (gap, bool) {
	if !st.PatchBehind || st.Latest == "" {
		return gap{}, false
	}
	g := x.baseGap(s, st)
	g.kind = report.KindPatchBehind
	g.latest = st.Latest
	if st.Cycle != nil {
		g.what = fmt.Sprintf("%s %s is behind %s, the newest release of %s %s, and misses its fixes",
			s.display, s.installed, st.Latest, s.display, g.cycle)
	} else {
		g.what = fmt.Sprintf("%s %s is behind %s, its newest release, and %s ships fixes only in new releases, never to older ones",
			s.display, s.installed, st.Latest, s.display)
	}
	g.remediation = fmt.Sprintf("Update %s to %s", s.display, st.Latest)
	g.severity = severityOf(g.kind, s.layer)
	return g, true
}

// unknownGap reports that the data cannot place the version.
func (x *evaluation) unknownGap(s subject, st lifecycle.Status) gap {
	g := x.baseGap(s, st)
	g.kind = report.KindUnknownLifecycle
	g.what = fmt.Sprintf("demarc cannot tell whether %s %s is supported: %s", s.display, s.installed, st.Why)
	g.remediation = "Check the vendor's lifecycle policy"
	if st.Product != nil && st.Product.PolicyURL != "" {
		g.remediation += " (" + st.Product.PolicyURL + ")"
	}
	g.severity = report.SeverityInfo
	return g
}

func (x *evaluation) baseGap(s subject, st lifecycle.Status) gap {
	g := gap{layer: s.layer, product: s.id, display: s.display, installed: s.installed, instance: s.instance,
		evidence: append(append([]string(nil), s.evidence...), x.dataEvidence(st.Product, st.Cycle)...)}
	if st.Cycle != nil {
		g.cycle = st.Cycle.Name
		g.eolDate = st.Cycle.End().String()
	}
	if st.Newer != nil {
		g.latest = firstNonEmpty(st.NewerLatest, st.Newer.Name)
	}
	return g
}

// newestKnown is the product's newest release out by the date when it is
// newer than the installed version: the way forward when the data knows
// no supported cycle (every Plesk update in the snapshot has ended).
func (x *evaluation) newestKnown(st lifecycle.Status) string {
	p := st.Product
	if p == nil || st.Version.String() == "" {
		return ""
	}
	var best string
	var bv lifecycle.Version
	for _, c := range p.Cycles {
		l := c.LatestAt(p.ID, x.at)
		v, err := lifecycle.ParseVersion(p.ID, l)
		if err != nil || (best != "" && v.Compare(bv) <= 0) {
			continue
		}
		best, bv = l, v
	}
	if best == "" || bv.Compare(st.Version) <= 0 {
		return ""
	}
	return best
}

// lifecycleGaps is the standard verdict: the state gap, or else
// major_behind; plus patch_behind while the cycle is supported. An
// unknown state gives one unknown_lifecycle gap.
func (x *evaluation) lifecycleGaps(s subject, st lifecycle.Status) []gap {
	if st.State == lifecycle.StateUnknown {
		return []gap{x.unknownGap(s, st)}
	}
	var out []gap
	if g, ok := x.stateGap(s, st); ok {
		out = append(out, g)
	} else if g, ok := x.majorGap(s, st); ok {
		out = append(out, g)
	}
	if st.State != lifecycle.StateEOL {
		if g, ok := x.patchGap(s, st); ok {
			out = append(out, g)
		}
	}
	return out
}

// product is the catalogue's entry of a product id or lifecycle key (an
// empty entry for a product the catalogue does not know).
func product(id string) *catalog.Product {
	if p := catalog.Default.Find(id); p != nil {
		return p
	}
	return &catalog.Product{ID: id}
}

func upgradeTo(s subject, st lifecycle.Status, fallback string) string {
	if st.Newer == nil {
		return fallback
	}
	return fmt.Sprintf("Upgrade to %s %s", s.display, firstNonEmpty(st.NewerLatest, st.Newer.Name))
}

func extendedLabel(p *lifecycle.Product) string {
	if p != nil && p.ExtendedLabel != "" {
		return p.ExtendedLabel
	}
	return "extended support"
}

func untilText(b lifecycle.Bound, daysLeft int) string {
	switch {
	case !b.HasDate():
		return " (no end date announced)"
	case daysLeft >= 0 && daysLeft <= soonDays:
		return fmt.Sprintf(" until %s, which ends in %d days", dayOf(b.Date), daysLeft)
	}
	return " until " + dayOf(b.Date)
}

func endText(b lifecycle.Bound) string {
	if b.HasDate() {
		return dayOf(b.Date)
	}
	return "it ends"
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
