package rules

import (
	"github.com/demarc/demarc/report"
	"github.com/demarc/demarc/rules/lifecycle"
	"github.com/demarc/demarc/rules/matrix"
)

// judgeWith evaluates c against its lifecycle data and finishes every gap
// with owner o; components without data are noted once.
func (x *evaluation) judgeWith(c report.Component, o owner) {
	p := x.e.data.Product(c.Product)
	if p == nil {
		if c.Version != "" {
			x.unjudged = append(x.unjudged, c.Product+" "+c.Version)
		}
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
	o := x.matrixOwner(report.LayerVirtualisation)
	cell := x.e.matrix.Layers[report.LayerVirtualisation].Cells[x.profile.Tier]
	if cell.Cond == matrix.UnlessCustomerVirtualisation && x.profile.CustomerManagedVirtualisation {
		o = x.refinementOwner(report.ResponsibleCustomer, matrix.RefCustomerManagedVirtualised,
			"with the customer managing the virtualisation layer")
	}
	x.judgeWith(c, o)
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
	if version == "" && detail(c, "branch") != "" {
		version = detail(c, "branch") // PHP whose exact version could not be read
		s.installed = version + " (exact version unknown)"
	}
	st := p.Evaluate(version, x.at)
	if x.distroPackaged(c) {
		x.distroApplication(s, st, o)
		return
	}
	for _, g := range x.lifecycleGaps(s, st) {
		x.finish(g, o)
	}
}

// distroApplication judges an OS-packaged runtime (see application).
func (x *evaluation) distroApplication(s subject, st lifecycle.Status, o owner) {
	osc := x.os.status.Cycle
	osOK := x.os.status.State == lifecycle.StateCurrent || x.os.status.State == lifecycle.StateEOLSoon
	switch {
	case st.State == lifecycle.StateUnknown:
		x.finish(x.unknownGap(s, st), o)
	case osOK && osc != nil && (st.State == lifecycle.StateEOL || st.State == lifecycle.StateExtended):
		g := x.baseGap(s, st)
		g.kind = report.KindExtendedSupport
		g.severity = report.SeverityLow
		g.latest = ""
		g.eolDate = osc.EOL.Date.String()
		g.what = s.display + " " + g.cycle + " is past its upstream end of life, but this copy comes from " +
			x.os.name + " " + x.os.version + "'s own repositories, which backport security fixes to it until " +
			x.os.name + " " + x.os.version + " leaves support on " + dayOf(osc.EOL.Date)
		g.remediation = "Keep installing the OS's updates; move sites to a newer " + s.display + " before " + dayOf(osc.EOL.Date)
		x.finish(g, o)
	case st.State == lifecycle.StateEOL || st.State == lifecycle.StateExtended:
		g, _ := x.stateGap(s, st)
		g.what += ", and " + x.os.name + " " + x.os.version + " is no longer in regular support to backport fixes"
		x.finish(g, o)
	}
	// Current upstream: patch level and majors are the distribution's
	// business, covered by pending updates.
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
