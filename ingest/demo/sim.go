package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/demarc/demarc/internal/reportgen"
	"github.com/demarc/demarc/report"
)

// never is a close day past every simulated day.
const never = 1 << 30

// simHost is one host of the simulated fleet: reportgen's host (identity,
// OS, every finding it could have) and what this simulation adds: the
// software it runs, when it joined and went quiet, and when each of its
// findings opens and closes.
type simHost struct {
	base     *reportgen.Host
	tenant   string
	enrol    int           // first day it reports
	last     int           // last day it reports (stale hosts stop early)
	offset   time.Duration // how long before the end of a day it scans
	skipped  bool          // left out of the provider's patch windows
	kit      kit
	findings []simFinding
	comps    []report.Component
}

// kit is the software a host runs besides its OS.
type kit struct {
	panel            string // "", "cpanel", "plesk", "directadmin"
	nginx, apache    bool
	mysql57, php81   bool
	wordpress, cf7   bool
	bios             bool
	centos7, managed bool
}

// simFinding is a finding and the days it is open: [open, close).
type simFinding struct {
	f           report.Finding
	open, close int
}

// timeline holds the fleet-wide events: days new patches come out and days
// the provider patches its managed hosts.
type timeline struct {
	days     int
	releases []int
	windows  []int
	campaign int // the provider starts upgrading end-of-life PHP and MySQL
}

func newTimeline(days int) timeline {
	at := func(frac float64) int { return max(1, min(days-1, int(float64(days)*frac))) }
	return timeline{
		days:     days,
		releases: []int{at(0.18), at(0.43), at(0.68), at(0.9)},
		windows:  []int{at(0.29), at(0.54), at(0.79)},
		campaign: at(0.6),
	}
}

// newSimHost builds host i of the fleet.
func newSimHost(seed uint64, i int, tenant string, tl timeline) *simHost {
	rng := rand.New(rand.NewPCG(seed, uint64(i)*0x9e3779b97f4a7c15+1))
	h := &simHost{
		base:   reportgen.NewHost(seed*1_000_003+uint64(i), i, tenant, 1000, -1),
		tenant: tenant, last: tl.days - 1,
		offset: time.Duration(5+rng.IntN(23*60)) * time.Minute,
	}
	if rng.Float64() < 0.2 {
		h.enrol = 1 + rng.IntN(max(1, tl.days-4))
	}
	if rng.Float64() < 0.03 {
		h.last = max(h.enrol, tl.days-3-rng.IntN(8))
	}
	first := h.base.Next(time.Unix(0, 0))
	h.kit = chooseKit(rng, h.base.Tier, first.Host.OS)
	h.skipped = h.kit.managed && rng.Float64() < 0.12
	h.comps = components(first.Components, h.kit)
	for _, f := range first.Findings {
		f, ok := h.kit.adapt(f, first.Host.OS)
		if !ok {
			continue
		}
		open, closeDay := h.schedule(rng, f, tl)
		if open < closeDay && open < tl.days {
			h.findings = append(h.findings, simFinding{f: f, open: open, close: closeDay})
		}
	}
	return h
}

func chooseKit(rng *rand.Rand, tier report.Tier, os report.OS) kit {
	k := kit{managed: tier == report.TierManaged, centos7: os.ID == "centos"}
	pick := func(opts ...string) string { return opts[rng.IntN(len(opts))] }
	switch {
	case tier == report.TierColocation:
		k.bios = true
		if rng.Float64() < 0.2 {
			k.panel = "directadmin"
		}
	case tier == report.TierIaaS && rng.Float64() < 0.5:
	case os.ID == "centos" || os.ID == "cloudlinux":
		k.panel = pick("cpanel", "cpanel", "cpanel", "directadmin")
	case os.ID == "debian":
		k.panel = pick("plesk", "plesk", "directadmin", "")
	case os.ID == "ubuntu":
		k.panel = pick("cpanel", "plesk", "plesk", "")
	default:
		k.panel = pick("cpanel", "cpanel", "plesk", "directadmin", "")
	}
	switch k.panel {
	case "cpanel":
		k.apache = true
	case "plesk":
		k.apache, k.nginx = true, true
	default:
		k.nginx = rng.Float64() < 0.6
		k.apache = !k.nginx || rng.Float64() < 0.3
	}
	k.mysql57 = rng.Float64() < 0.35
	k.php81 = rng.Float64() < 0.5
	if k.panel != "" && rng.Float64() < 0.55 {
		k.wordpress = true
		k.cf7 = rng.Float64() < 0.6
	}
	return k
}

// adapt keeps the findings this host's software can have, rewriting the
// control panel's for the panel it runs.
func (k kit) adapt(f report.Finding, os report.OS) (report.Finding, bool) {
	switch f.ID {
	case "patch_behind/control_panel/cpanel":
		return k.panelFinding(f, os)
	case "eol/applications/php":
		return f, k.php81
	case "eol/applications/mysql":
		return f, k.mysql57
	case "major_behind/applications/nginx":
		return f, k.nginx
	case "patch_behind/applications/apache":
		return f, k.apache
	case "major_behind/third_party_apps/wordpress":
		return f, k.wordpress
	case "patch_behind/third_party_apps/wp-plugin-contact-form-7":
		return f, k.cf7
	case "patch_behind/physical_host/bios":
		return f, k.bios
	}
	return f, true
}

// panelFinding turns reportgen's cPanel finding (whose party and rule are
// right for the tier) into the finding of the host's panel.
func (k kit) panelFinding(f report.Finding, os report.OS) (report.Finding, bool) {
	party := "the provider patches"
	if f.Responsible == report.ResponsibleCustomer {
		party = "you patch"
	}
	set := func(id, product, installed, latest, cycle string, sev report.Severity) {
		f.ID, f.Product, f.Installed, f.Latest, f.Cycle, f.Severity = id, product, installed, latest, cycle, sev
		f.Rationale = fmt.Sprintf("%s %s is behind on patches; without a maintenance agreement %s the control panel.", product, installed, party)
		if f.Responsible == report.ResponsibleProvider {
			f.Rationale = fmt.Sprintf("%s %s is behind on patches; under the maintenance agreement %s the control panel.", product, installed, party)
		}
		f.Remediation = "Update " + product + " to " + latest + "."
	}
	switch {
	case k.panel == "cpanel" && k.centos7:
		f.ID, f.Kind, f.Product, f.Installed, f.Latest, f.Cycle = "eol/control_panel/cpanel", report.KindEOL, "cPanel & WHM", "11.110.0.48", "", "110"
		f.EOLDate, f.Severity, f.BlockedBy = "2025-01-31", report.SeverityCritical, "eol/operating_system/"+os.ID+"/"+os.VersionID
		f.Rationale = "cPanel & WHM 110 is past the end of all support, and no supported cPanel & WHM runs on " + os.Name + " " + os.VersionID + ": the OS upgrade must come first."
		f.Remediation = "Upgrade the OS to AlmaLinux or CloudLinux 8 or 9 (cPanel's ELevate), then update cPanel & WHM to 126."
		f.Evidence = []string{"/usr/local/cpanel/version: 11.110.0.48"}
	case k.panel == "cpanel":
		return f, true
	case k.panel == "plesk":
		set("patch_behind/control_panel/plesk", "Plesk Obsidian", "18.0.61", "18.0.65", "18.0", report.SeverityHigh)
		f.Evidence = []string{"/usr/local/psa/version: 18.0.61 Update #2"}
	case k.panel == "directadmin":
		set("patch_behind/control_panel/directadmin", "DirectAdmin", "1.662", "1.670", "", report.SeverityMedium)
		f.Evidence = []string{"/usr/local/directadmin/directadmin v: 1.662"}
	default:
		return f, false
	}
	return f, true
}

// schedule decides the days a finding is open, from its kind and whose it
// is: the provider patches its hosts in windows, customers now and then.
func (h *simHost) schedule(rng *rand.Rand, f report.Finding, tl timeline) (open, closeDay int) {
	provider := f.Responsible == report.ResponsibleProvider
	firstRelease := func(p float64) int {
		for _, d := range tl.releases {
			if d > h.enrol && rng.Float64() < p {
				return d
			}
		}
		return never
	}
	patched := func(from int, pWindow, pDay float64) int {
		if provider {
			if h.skipped {
				return never
			}
			for _, w := range tl.windows {
				if w > from && rng.Float64() < pWindow {
					return w
				}
			}
			return never
		}
		for d := from + 1; d < tl.days; d++ {
			if rng.Float64() < pDay {
				return d
			}
		}
		return never
	}
	switch {
	case f.Kind == report.KindEOL && (f.Layer == report.LayerOperatingSystem || f.BlockedBy != "" || f.Layer == report.LayerPhysicalHost):
		return h.enrol, never
	case f.Kind == report.KindEOL:
		// End-of-life PHP and MySQL: the provider starts upgrading them
		// late in the period, customers rarely do.
		p := 0.005
		if provider && !h.skipped {
			p = 0.07
		}
		for d := max(h.enrol, tl.campaign); d < tl.days; d++ {
			if rng.Float64() < p {
				return h.enrol, d
			}
		}
		return h.enrol, never
	case f.Kind == report.KindRebootRequired:
		if rng.Float64() < 0.3 {
			open = h.enrol
		} else {
			open = firstRelease(0.4)
		}
		return open, patched(open, 0.8, 0.08)
	case f.Kind == report.KindMajorBehind && f.Layer != report.LayerThirdPartyApps, f.Layer == report.LayerPhysicalHost:
		return h.enrol, never
	case f.Layer == report.LayerControlPanel && f.Product == "cPanel & WHM":
		// cPanel updates itself nightly unless updates are switched off.
		open = h.enrol
		if rng.Float64() < 0.7 {
			open = firstRelease(1)
		}
		if rng.Float64() < 0.8 {
			return open, open + 1
		}
		return open, never
	}
	open = never
	if rng.Float64() < 0.45 {
		open = h.enrol
	} else {
		open = firstRelease(0.18)
	}
	return open, patched(open, 0.75, 0.025)
}

// components lists what the host runs, from reportgen's components of the
// packages it has, plus the panel and the software without findings.
func components(all []report.Component, k kit) []report.Component {
	var out []report.Component
	for _, c := range all {
		keep := true
		switch c.Product {
		case "cpanel":
			keep = k.panel == "cpanel"
			if keep && k.centos7 {
				c.Version = "11.110.0.48"
			}
		case "php":
			if !k.php81 {
				c.Version, c.Details = "8.3.14", map[string]string{"package": "php8.3"}
			}
		case "mysql":
			if !k.mysql57 {
				c = report.Component{Layer: c.Layer, Product: "mariadb", Version: "10.11.10", Source: "mariadbd --version",
					Details: map[string]string{"package": "mariadb-server"}}
			}
		case "nginx":
			keep = k.nginx
		case "apache":
			keep = k.apache
		case "wordpress":
			keep = k.wordpress
		case "wp-plugin-contact-form-7":
			keep = k.cf7
		case "bios":
			keep = k.bios
		}
		if keep {
			out = append(out, c)
		}
	}
	switch k.panel {
	case "plesk":
		out = append(out, report.Component{Layer: report.LayerControlPanel, Product: "plesk", Version: "18.0.61",
			Source: "/usr/local/psa/version", Details: map[string]string{"update": "2"}})
	case "directadmin":
		out = append(out, report.Component{Layer: report.LayerControlPanel, Product: "directadmin", Version: "1.662",
			Source: "/usr/local/directadmin/directadmin v"})
	}
	return out
}

// report is the host's report of day d, scanned at at.
func (h *simHost) report(d int, at time.Time) *report.Report {
	r := h.base.Next(at)
	r.Findings = r.Findings[:0]
	for _, sf := range h.findings {
		if sf.open <= d && d < sf.close {
			r.Findings = append(r.Findings, sf.f)
		}
	}
	r.Components = h.componentsOn(d)
	r.Summary = report.Summarize(r.Findings)
	r.Agent.Version = "0.9.2"
	return r
}

// componentsOn updates the versions of software upgraded by day d.
func (h *simHost) componentsOn(d int) []report.Component {
	out := make([]report.Component, len(h.comps))
	copy(out, h.comps)
	for _, sf := range h.findings {
		if d < sf.close || sf.f.Kind != report.KindEOL {
			continue
		}
		for i := range out {
			switch {
			case out[i].Product == "php" && strings.HasPrefix(sf.f.ID, "eol/applications/php"):
				out[i].Version, out[i].Details = "8.3.14", map[string]string{"package": "php8.3"}
			case out[i].Product == "mysql" && strings.HasPrefix(sf.f.ID, "eol/applications/mysql"):
				out[i].Version = "8.0.40"
			}
		}
	}
	return out
}
