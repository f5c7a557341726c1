package main

import (
	"fmt"
	"sort"

	"github.com/demarc/demarc/rules/lifecycle"
)

// advisoryDate is the date of cPanel's security advisory that the field
// security_builds_2026_10_20 refers to (CVE-2026-105475/105476).
const advisoryDate = "2026-10-20"

// cpanelELS are majors whose published EOL is really the end of a paid
// Extended Lifecycle Support window: regular support ended before it.
var cpanelELS = map[string]struct{ regularEnd, why string }{
	"110": {"2024-06-30", "ELS: CentOS 7 and CloudLinux 7 servers on v110 get critical security updates " +
		"July 1, 2024 - January 1, 2027 (paid ELS program); regular support therefore ended 2024-06-30 " +
		"and 2027-01-01 is the end of ELS"},
}

// correctCPanel applies demarc's documented corrections to cPanel's
// vendor rows, recording each in the cycle's Derived list:
//
//  1. ELS majors: regular end before the ELS window (cpanelELS).
//  2. A major that shipped a security build in the 2026-10-20 advisory is
//     supported at least until then, whatever a third-party EOL month says
//     (136: "2026-08").
//  3. The newest major has no successor, and "previous versions of cPanel
//     & WHM are not EOL until the upcoming version reaches RELEASE tier":
//     its doubtful third-party EOL month is not used (138: "2026-11").
//  4. A major with no published EOL ends, by the vendor's LTS rule, 6
//     months after the next LTS with a known release date; a non-LTS major
//     never outlives the next major's known EOL.
func correctCPanel(p *lifecycle.Product, recs []vendorRecord) error {
	adv, err := lifecycle.ParseDate(advisoryDate)
	if err != nil {
		return err
	}
	for i, c := range p.Cycles {
		if e, ok := cpanelELS[c.Name]; ok {
			d, err := lifecycle.ParseDate(e.regularEnd)
			if err != nil {
				return err
			}
			c.EOES = lifecycle.DateBound(c.End())
			c.EOL = lifecycle.DateBound(d)
			c.Derived = append(c.Derived, "eol: "+e.why)
		}
		if sb := recs[i].SecurityBuilds; sb != nil && *sb && c.EOL.HasDate() && c.End().Before(adv) {
			c.Derived = append(c.Derived, fmt.Sprintf("eol: moved from %s to %s: security builds shipped in the %s advisory",
				c.EOL.Date.Raw(), advisoryDate, advisoryDate))
			c.EOL = lifecycle.DateBound(adv)
		}
	}
	if newest := newestCycle(p); newest != nil && newest.EOL.HasDate() {
		newest.Derived = append(newest.Derived, fmt.Sprintf("eol: published month %s not used: newest major, "+
			"not EOL until a successor reaches RELEASE (vendor rule); none is in the data", newest.EOL.Date.Raw()))
		newest.EOL = lifecycle.FlagBound(false)
	}
	deriveMissingEOL(p)
	carryMinVersions(p)
	return nil
}

// carryMinVersions carries an OS point-release minimum forward to later
// majors that list the same OS without one (correction 5): "EL9 hosts need
// 9.5+ for 132+" is stated once, at 132, and requirements do not relax.
// Cycles are taken in version order.
func carryMinVersions(p *lifecycle.Product) {
	type key struct{ id, version string }
	order := append([]*lifecycle.Cycle(nil), p.Cycles...)
	sort.SliceStable(order, func(i, j int) bool {
		a, errA := lifecycle.ParseVersion(p.ID, order[i].Name)
		b, errB := lifecycle.ParseVersion(p.ID, order[j].Name)
		return errA == nil && errB == nil && a.Compare(b) < 0
	})
	mins := make(map[key]struct{ min, from string })
	for _, c := range order {
		for i := range c.SupportedOS {
			s := &c.SupportedOS[i]
			k := key{s.ID, s.Version}
			if s.MinVersion != "" {
				mins[k] = struct{ min, from string }{s.MinVersion, c.Name}
				continue
			}
			if m, ok := mins[k]; ok {
				s.MinVersion = m.min
				c.Derived = append(c.Derived, fmt.Sprintf("supported_os: %s %s needs %s or later, carried from %s",
					s.ID, s.Version, m.min, m.from))
			}
		}
	}
}

// newestCycle is the numerically highest cycle.
func newestCycle(p *lifecycle.Product) *lifecycle.Cycle {
	var best *lifecycle.Cycle
	var bestV lifecycle.Version
	for _, c := range p.Cycles {
		v, err := lifecycle.ParseVersion(p.ID, c.Name)
		if err != nil {
			continue
		}
		if best == nil || v.Compare(bestV) > 0 {
			best, bestV = c, v
		}
	}
	return best
}

// deriveMissingEOL fills unset EOLs from the LTS rule (correction 4).
// Cycles are in the source's order, oldest first for cPanel; the code
// does not rely on it and compares versions.
func deriveMissingEOL(p *lifecycle.Product) {
	published := make(map[*lifecycle.Cycle]bool)
	for _, c := range p.Cycles {
		published[c] = c.EOL.HasDate()
	}
	for _, c := range p.Cycles {
		if c.EOL.Set {
			continue
		}
		cv, err := lifecycle.ParseVersion(p.ID, c.Name)
		if err != nil {
			continue
		}
		lts := nextAfter(p, cv, func(o *lifecycle.Cycle) bool { return o.LTS && !o.Released.IsZero() })
		if lts == nil {
			continue
		}
		end := lts.Released.AddMonths(6)
		why := fmt.Sprintf("eol: not published; derived as 6 months after the next LTS (%s, released %s) per the vendor rule",
			lts.Name, lts.Released.Raw())
		if !c.LTS {
			if next := nextAfter(p, cv, func(o *lifecycle.Cycle) bool { return published[o] }); next != nil && next.EOL.Date.Before(end) {
				end = next.EOL.Date
				why += fmt.Sprintf(", capped at the EOL of %s (%s)", next.Name, next.EOL.Date.Raw())
			}
		}
		c.EOL = lifecycle.DateBound(end)
		c.Derived = append(c.Derived, why)
	}
}

// nextAfter is the lowest cycle above v that satisfies ok.
func nextAfter(p *lifecycle.Product, v lifecycle.Version, ok func(*lifecycle.Cycle) bool) *lifecycle.Cycle {
	var best *lifecycle.Cycle
	var bestV lifecycle.Version
	for _, o := range p.Cycles {
		ov, err := lifecycle.ParseVersion(p.ID, o.Name)
		if err != nil || ov.Compare(v) <= 0 || !ok(o) {
			continue
		}
		if best == nil || ov.Compare(bestV) < 0 {
			best, bestV = o, ov
		}
	}
	return best
}
