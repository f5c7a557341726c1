package rules

import (
	"fmt"
	"strings"

	"github.com/demarc/demarc/catalog"
	"github.com/demarc/demarc/report"
	"github.com/demarc/demarc/rules/lifecycle"
	"github.com/demarc/demarc/rules/matrix"
)

// judgeWith evaluates c against its lifecycle data and finishes every gap
// with owner o; components without data are noted once.
func (x *evaluation) judgeWith(c report.Component, o owner) {
	p := x.e.data.Product(c.Product)
	if p == nil {
		if cp := catalog.Default.Get(c.Product); cp != nil && cp.NoLifecycle != "" && c.Layer == report.LayerThirdPartyApps {
			if x.listed == nil {
				x.listed = map[string]int{}
			}
			x.listed[cp.Name]++
			return
		}
		if c.Version != "" {
			x.unjudged = append(x.unjudged, c.Product+" "+c.Version)
		}
		return
	}
	if c.Version == "" {
		x.note("%s: version not known, not judged", p.Title)
		return
	}
	s := x.newSubject(c, p)
	for _, g := range x.lifecycleGaps(s, p.Evaluate(c.Version, x.at)) {
		x.finish(g, o)
	}
}

// virtualisation is the provider's platform unless the customer manages
// their own virtualisation layer (or on colocation, per the matrix).
func (x *evaluation) virtualisation(c report.Component) {
	x.judgeWith(c, x.virtualisationOwner())
}

// virtualisationOwner owns the virtualisation layer: the matrix cell, or
// the customer when they manage it.
func (x *evaluation) virtualisationOwner() owner {
	cell := x.e.matrix.Layers[report.LayerVirtualisation].Cells[x.profile.Tier]
	if cell.Cond == matrix.UnlessCustomerVirtualisation && x.profile.CustomerManagedVirtualisation {
		return x.refinementOwner(report.ResponsibleCustomer, matrix.RefCustomerManagedVirtualised,
			"with the customer managing the virtualisation layer")
	}
	return x.matrixOwner(report.LayerVirtualisation)
}

// platform returns the title of the hypervisor distribution this host
// runs, "" when it runs none (or is a guest).
func (x *evaluation) platform() string {
	if x.in.Host.Virtualization.Role == "guest" {
		return ""
	}
	for _, c := range x.in.Components {
		// A platform is a hypervisor distribution whose host operating
		// system is part of the product (Proxmox VE's Debian, XCP-ng's
		// dom0, ESXi): upgrading one upgrades the other.
		if c.Layer == report.LayerVirtualisation && product(c.Product).Platform {
			if p := x.e.data.Product(c.Product); p != nil {
				return p.Title
			}
			return c.Product
		}
	}
	return ""
}

// osOwner owns the OS release, its updates and reboots: the matrix's OS
// row, except on a hypervisor distribution's host, where the OS is part of
// the virtualisation platform and follows its owner (the model puts the
// platform "along with any software or applications running on" it with
// whoever manages it), so that the hypervisor and the OS it is upgraded
// with never land on different parties.
func (x *evaluation) osOwner() owner {
	name := x.platform()
	if name == "" {
		return x.matrixOwner(report.LayerOperatingSystem)
	}
	o := x.virtualisationOwner()
	o.because = fmt.Sprintf("the operating system of a %s host is part of its virtualisation platform", name)
	return o
}

// thirdPartyApp is the customer's, always, even on managed: the model
// excludes third-party plugins, applications and themes.
func (x *evaluation) thirdPartyApp(c report.Component) {
	x.judgeWith(c, x.refinementOwner(report.ResponsibleCustomer, matrix.RefThirdPartyApps, ""))
}

// application is server software the service supplies (PHP, database,
// web server), owned per the matrix row. A runtime from the OS's own
// repositories on an OS in regular support gets the distribution's
// security backports: its upstream end of life is extended support until
// the OS's, and its patch level is judged through pending updates.
func (x *evaluation) application(c report.Component) {
	p := x.e.data.Product(c.Product)
	if p == nil {
		if c.Version != "" {
			x.unjudged = append(x.unjudged, c.Product+" "+c.Version)
		}
		return
	}
	o := x.matrixOwner(report.LayerApplications)
	s := x.newSubject(c, p)
	version := c.Version
	branchOnly := version == "" && detail(c, "branch") != ""
	if branchOnly {
		version = detail(c, "branch") // PHP whose exact version could not be read
		s.installed = version + " (exact version unknown)"
	}
	if version == "" {
		x.note("%s %s: version not known, not judged", p.Title, s.instance)
		return
	}
	st := p.Evaluate(version, x.at)
	if x.distroPackaged(c) {
		x.distroApplication(s, st, o)
		return
	}
	for _, g := range x.lifecycleGaps(s, st) {
		if branchOnly && g.kind == report.KindPatchBehind {
			// Only the branch is known: whether it lacks a patch is not.
			x.note("%s %s: exact version unknown, patch level not judged", p.Title, version)
			continue
		}
		if g.kind == report.KindEOL && x.hardenedPHP(c) {
			x.hardenedGap(&g, st)
		}
		x.finish(g, o)
	}
}

// distroApplication judges an OS-packaged runtime (see application): an
// upstream end of life is extended support while the OS backports fixes,
// low while the OS is in regular support, medium while only its extended
// window (which may need a subscription) covers it.
func (x *evaluation) distroApplication(s subject, st lifecycle.Status, o owner) {
	osc := x.os.status.Cycle
	upstreamOver := st.State == lifecycle.StateEOL || st.State == lifecycle.StateExtended
	osName := x.osRelease()
	switch {
	case st.State == lifecycle.StateUnknown:
		x.finish(x.unknownGap(s, st), o)
	case !upstreamOver:
		// Current upstream: patch level and majors are the distribution's
		// business, covered by pending updates.
	case osc != nil && (x.os.status.State == lifecycle.StateCurrent || x.os.status.State == lifecycle.StateEOLSoon):
		g := x.backportGap(s, st, report.SeverityLow, osc.EOL.Date)
		g.what += " until " + osName + " leaves regular support " + onDay(osc.EOL.Date)
		x.finish(g, o)
	case osc != nil && x.os.status.State == lifecycle.StateExtended:
		end := osc.Extended()
		g := x.backportGap(s, st, report.SeverityMedium, end.Date)
		g.what += " only through " + extendedLabel(x.os.product) + untilText(end, -1)
		if x.os.product.ExtendedPaid && !strings.Contains(extendedLabel(x.os.product), "paid") {
			g.what += " (a subscription)"
		}
		x.finish(g, o)
	default:
		g, _ := x.stateGap(s, st)
		g.what += ", and " + osName + " no longer gets fixes to backport to it"
		x.finish(g, o)
	}
}

// backportGap is the extended_support gap of an OS-packaged runtime past
// its upstream end of life; the caller says until when.
func (x *evaluation) backportGap(s subject, st lifecycle.Status, sev report.Severity, until lifecycle.Date) gap {
	g := x.baseGap(s, st)
	g.kind, g.severity, g.latest, g.eolDate = report.KindExtendedSupport, sev, "", until.String()
	g.what = fmt.Sprintf("%s %s is past its upstream end of life, but this copy comes from %s's own repositories, which backport security fixes to it",
		s.display, g.cycle, x.osRelease())
	g.remediation = fmt.Sprintf("Keep installing the OS's updates, and move sites to a newer %s before %s", s.display, dayOf(until))
	return g
}

// physicalHost judges firmware age and leaves virtual firmware alone.
func (x *evaluation) physicalHost(c report.Component) {
	if detail(c, "virtual") == "true" {
		return
	}
	if c.Product == "bios" {
		x.firmware(c)
	}
}
