package rules

import (
	"fmt"

	"github.com/demarc/demarc/report"
	"github.com/demarc/demarc/rules/lifecycle"
	"github.com/demarc/demarc/rules/matrix"
)

// controlPanel judges a control panel and decides whose it is under the
// model's control-panel refinements.
func (x *evaluation) controlPanel(c report.Component) {
	p := x.e.data.Product(c.Product)
	if p == nil {
		x.unjudged = append(x.unjudged, c.Product+" "+c.Version)
		return
	}
	s := x.newSubject(c, p)
	// A routine product's newer cycle is an update, not a migration: an
	// end of life there is high, not critical.
	s.routine = product(p.ID).Routine
	version := panelVersion(c)
	if version == "" {
		x.note("%s: version not known, not judged", p.Title)
		return
	}
	st := p.Evaluate(version, x.at)
	if st.State == lifecycle.StateUnknown && version != c.Version {
		s.installed = version
	}
	osBlocked, target := x.panelOSLimit(p, &st)
	gaps := x.lifecycleGaps(s, st)
	for _, g := range gaps {
		needsMajor := g.kind == report.KindEOL || g.kind == report.KindExtendedSupport ||
			g.kind == report.KindEOLSoon || g.kind == report.KindMajorBehind
		o := x.panelOwner()
		if needsMajor && osBlocked {
			g.blockedBy = x.os.findingID
			g.what += fmt.Sprintf(", and %s documents no newer supported major for %s %s, so the operating system blocks the upgrade",
				p.Title, x.os.name, x.os.version)
			g.remediation = fmt.Sprintf("Upgrade or migrate the operating system first (%s supports newer majors on newer OSes), then upgrade %s",
				p.Title, p.Title)
			if min := p.PointReleaseNeeded(st.Cycle, x.os.id, x.os.version, x.at); min != "" {
				g.remediation = fmt.Sprintf("Update %s to %s or later (newer %s majors require it), then upgrade %s",
					x.os.name, min, p.Title, p.Title)
				if x.os.updatesID != "" {
					g.blockedBy = x.os.updatesID // the point release comes with the pending updates
				}
			}
			g.latest = ""
			o = x.osLimitOwner()
		} else if needsMajor && target != nil && g.kind != report.KindMajorBehind {
			g.latest = firstNonEmpty(target.LatestAt(p.ID, x.at), target.Name)
			g.remediation = fmt.Sprintf("Upgrade to %s %s, the newest major supported on %s %s", p.Title, target.Name, x.os.name, x.os.version)
		}
		g.remediation += panelUpdateHint(c)
		x.finish(g, o)
	}
}

// panelVersion is the version to judge: cPanel's file version, or its
// "major" detail when the file version is junk; Plesk with its
// micro-update ("18.0.66" + update 2 → "18.0.66.2").
func panelVersion(c report.Component) string {
	v := c.Version
	switch c.Product {
	case "cpanel":
		if _, err := lifecycle.ParseVersion("cpanel", v); err != nil && detail(c, "major") != "" {
			return detail(c, "major")
		}
	case "plesk":
		if u := detail(c, "update"); u != "" && v != "" {
			if _, err := lifecycle.ParseVersion("plesk", v+"."+u); err == nil {
				return v + "." + u
			}
		}
	}
	return v
}

// panelOSLimit applies the vendor's supported-OS lists: whether the host's
// OS blocks every supported major newer than the installed one, and the
// newest major the OS allows. An ELS window that does not cover the OS
// (cPanel 110 ELS is for CentOS 7 / CloudLinux 7 only) is no support.
func (x *evaluation) panelOSLimit(p *lifecycle.Product, st *lifecycle.Status) (bool, *lifecycle.Cycle) {
	if st.Cycle == nil || x.os.id == "" || !p.MentionsOS(x.os.id, x.os.version) {
		return false, nil
	}
	if st.State == lifecycle.StateExtended && !st.Cycle.ExtendedCovers(x.os.id, x.os.version, x.at) {
		st.State, st.DaysLeft = lifecycle.StateEOL, -1
		st.Why = fmt.Sprintf("its %s does not cover %s %s", extendedLabel(p), x.os.name, x.os.version)
	}
	best := p.BestForOS(x.os.id, x.os.version, x.at)
	installed, err := lifecycle.ParseVersion(p.ID, st.Cycle.Name)
	if err != nil {
		return false, best
	}
	if best == nil {
		return true, nil
	}
	bv, err := lifecycle.ParseVersion(p.ID, best.Name)
	if err != nil || bv.Compare(installed) <= 0 {
		// The OS allows nothing newer: blocked when a newer major exists
		// at all (or the installed one is running out).
		return st.Newer != nil || st.State != lifecycle.StateCurrent, nil
	}
	return false, best
}

// panelOwner is the panel's owner under the model's refinements: the
// provider under a maintenance agreement, the customer without one.
func (x *evaluation) panelOwner() owner {
	d := x.e.matrix.Decide(report.LayerControlPanel, x.profile)
	cell := x.e.matrix.Layers[report.LayerControlPanel].Cells[x.profile.Tier]
	if cell.Cond != matrix.IfMaintenanceAgreement {
		return x.matrixOwner(report.LayerControlPanel)
	}
	if d.Responsible == report.ResponsibleProvider {
		return x.refinementOwner(d.Responsible, matrix.RefControlPanelMaintenance, d.Condition)
	}
	return x.refinementOwner(d.Responsible, matrix.RefControlPanelNoMaintenance, d.Condition)
}

// osLimitOwner owns a panel upgrade the OS blocks: whoever owns the way
// out, the operating system, per the OS row for the tier.
func (x *evaluation) osLimitOwner() owner {
	d := x.e.matrix.Decide(report.LayerOperatingSystem, x.profile)
	o := x.refinementOwner(d.Responsible, matrix.RefControlPanelOSLimit, d.Condition)
	o.after = fmt.Sprintf(", and the operating system upgrade it waits for is %s", ownerWord(d.Responsible, x.provider))
	return o
}

func ownerWord(r report.Responsible, provider string) string {
	if r == report.ResponsibleProvider {
		return possessive(provider)
	}
	return "the customer's"
}

// panelUpdateHint points at what stops a panel updating itself.
func panelUpdateHint(c report.Component) string {
	switch {
	case detail(c, "pinned") == "true":
		return fmt.Sprintf(" (the version is pinned in /etc/cpupdate.conf: CPANEL=%s)", detail(c, "tier"))
	case detail(c, "updates") == "never" || detail(c, "updates") == "manual":
		return fmt.Sprintf(" (automatic updates are set to %q in /etc/cpupdate.conf)", detail(c, "updates"))
	}
	return ""
}
