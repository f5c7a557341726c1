package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/demarc/demarc/report"
	"github.com/demarc/demarc/rules"
)

// never is a day past every simulated day.
const never = 1 << 30

// simHost is one host of the simulated fleet: a fixture host's
// observations under a name of its own, the tier the provider's records
// give it and the one its agent.yaml claims, when it joined and went
// quiet, and the days its software changes: pending updates published and
// installed, patch releases applied, a reboot into the newest kernel.
type simHost struct {
	t        *template
	id       string
	hostname string
	tenant   string
	// tier is the provider's word; claim what the host's agent.yaml says.
	tier, claim report.Tier
	// recorded: the provider has a record of the host.
	recorded bool
	enrol    int           // first day it reports
	last     int           // last day it reports (stale hosts stop early)
	offset   time.Duration // how long before the end of a day it scans
	uptime   int64         // seconds up at its first report
	// published is the day each of the template's pending updates came
	// out (at or before enrol: already pending when the host joined).
	published []int
	// upgrades are the days the pending updates were installed, ascending.
	upgrades []int
	// patched is the day each of the template's patches was applied.
	patched []int
	// rebooted is the day it booted its newest kernel (never without one).
	rebooted int
	// failing is the set of days its packages collector failed.
	failing map[int]bool
}

// timeline holds the fleet-wide events: days new updates come out and
// days the provider patches the hosts it manages.
type timeline struct {
	days     int
	releases []int
	windows  []int
}

func newTimeline(days int) timeline {
	at := func(frac float64) int { return max(1, min(days-1, int(float64(days)*frac))) }
	return timeline{
		days:     days,
		releases: []int{at(0.18), at(0.43), at(0.68), at(0.9)},
		windows:  []int{at(0.29), at(0.54), at(0.79)},
	}
}

// tierWeights are how likely each tier is for a fixture host: bare metal
// is colocation, a hypervisor the provider runs is managed, a hypervisor
// the customer manages is theirs, and panels are mostly managed.
func tierWeights(t *template) map[report.Tier]float64 {
	switch {
	case t.Case == "colo-baremetal-dell":
		return map[report.Tier]float64{report.TierColocation: 1}
	case t.CustomerManagedVirtualisation:
		return map[report.Tier]float64{report.TierIaaS: 0.6, report.TierColocation: 0.4}
	case strings.HasPrefix(t.Case, "pve"):
		return map[report.Tier]float64{report.TierManaged: 1}
	case hasLayer(t, report.LayerControlPanel):
		return map[report.Tier]float64{report.TierManaged: 0.75, report.TierIaaS: 0.25}
	}
	return map[report.Tier]float64{report.TierManaged: 0.45, report.TierIaaS: 0.45, report.TierColocation: 0.1}
}

func hasLayer(t *template, l report.Layer) bool {
	return slices.ContainsFunc(t.Components, func(c report.Component) bool { return c.Layer == l })
}

func pickTier(rng *rand.Rand, w map[report.Tier]float64) report.Tier {
	var total float64
	for _, tier := range report.Tiers {
		total += w[tier]
	}
	x := rng.Float64() * total
	for _, tier := range report.Tiers {
		if x < w[tier] {
			return tier
		}
		x -= w[tier]
	}
	for _, tier := range report.Tiers {
		if w[tier] > 0 {
			return tier
		}
	}
	return report.TierManaged
}

// newSimHost builds host i of the fleet from fixture host t.
func newSimHost(seed uint64, i int, tenant string, t *template, tl timeline) *simHost {
	rng := rand.New(rand.NewPCG(seed, uint64(i)*0x9e3779b97f4a7c15+1))
	prefix, _, _ := strings.Cut(t.Host.Hostname, ".")
	prefix = strings.TrimRight(prefix, "0123456789-")
	if prefix == "" || strings.HasPrefix(prefix, "ip") {
		prefix = "vm"
	}
	h := &simHost{
		t: t, tenant: tenant, last: tl.days - 1, rebooted: never, failing: map[int]bool{},
		id:       fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64()),
		hostname: fmt.Sprintf("%s%04d.%s.example.net", prefix, i, tenant),
		offset:   time.Duration(5+rng.IntN(23*60)) * time.Minute,
		uptime:   int64(3600 + rng.IntN(120*86400)),
	}
	h.tier = pickTier(rng, tierWeights(t))
	h.claim, h.recorded = h.tier, rng.Float64() < 0.92
	if rng.Float64() < 0.05 {
		// The agent.yaml says otherwise than the provider's records (a
		// customer's edit, a host moved to another contract).
		h.claim = report.Tiers[(slices.Index(report.Tiers, h.tier)+1+rng.IntN(len(report.Tiers)-1))%len(report.Tiers)]
	}
	if rng.Float64() < 0.2 {
		h.enrol = 1 + rng.IntN(max(1, tl.days-4))
	}
	if rng.Float64() < 0.03 {
		h.last = max(h.enrol, tl.days-3-rng.IntN(8))
	}
	// Who installs updates: the provider in its windows on the hosts it
	// manages (a few are left out), customers now and then.
	provider, skipped := h.tier == report.TierManaged, rng.Float64() < 0.12
	patchDay := func(from int, pWindow, pDay float64) int {
		if provider {
			if skipped {
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
	if t.Updates != nil {
		for range t.Updates.Packages {
			pub := h.enrol
			if rng.Float64() > 0.55 {
				pub = never
				for _, d := range tl.releases {
					if d > h.enrol && rng.Float64() < 0.5 {
						pub = d
						break
					}
				}
			}
			h.published = append(h.published, pub)
		}
		for d := h.enrol; d < tl.days; {
			d = patchDay(d, 0.85, 0.05)
			if d >= tl.days {
				break
			}
			h.upgrades = append(h.upgrades, d)
		}
	}
	for range t.Patches {
		h.patched = append(h.patched, patchDay(h.enrol, 0.6, 0.03))
	}
	if t.Host.Kernel.NewerInstalled || t.Host.Kernel.RebootFlag {
		h.rebooted = patchDay(h.enrol, 0.7, 0.04)
	}
	for d := h.enrol; d <= h.last; d++ {
		if rng.Float64() < 0.01 {
			h.failing[d] = true
		}
	}
	return h
}

// lastUpgrade is the last day at or before d the host installed its
// pending updates, or -1.
func (h *simHost) lastUpgrade(d int) int {
	last := -1
	for _, u := range h.upgrades {
		if u <= d {
			last = u
		}
	}
	return last
}

// observe is what the host's scan sees on day d: the
// fixture host's observations as its software stood that day.
func (h *simHost) observe(d int) (report.Host, []report.Component, *report.Updates, []report.CollectorRun, []report.CollectorError) {
	host := h.t.Host
	host.Hostname, host.HostID = h.hostname, h.id
	host.UptimeSeconds = h.uptime + int64(d-h.enrol)*86400
	if d >= h.rebooted {
		k := host.Kernel
		k.Release, k.NewerInstalled, k.RebootFlag, k.RebootPackages = k.NewestInstalled, false, false, nil
		host.Kernel = k
		host.UptimeSeconds = int64(d-h.rebooted)*86400 + int64(h.offset/time.Second)
	}
	comps := make([]report.Component, len(h.t.Components))
	copy(comps, h.t.Components)
	for i, p := range h.t.Patches {
		if d >= h.patched[i] {
			comps[p.Component].Version = p.Version
			comps[p.Component].Details = nil // the package behind it moved too
		}
	}
	collectors := slices.Clone(h.t.Collectors)
	errs := slices.Clone(h.t.Errors)
	if errs == nil {
		errs = []report.CollectorError{}
	}
	if h.failing[d] {
		for i := range collectors {
			if collectors[i].Name == "packages" {
				collectors[i].Status = report.CollectorFailed
			}
		}
		manager := "the package manager"
		if h.t.Updates != nil {
			manager = h.t.Updates.Manager
		}
		errs = append(errs, report.CollectorError{Collector: "packages", Error: manager + ": timed out after 2m0s"})
		return host, comps, nil, collectors, errs
	}
	if h.t.Updates == nil {
		return host, comps, nil, collectors, errs
	}
	u := *h.t.Updates
	u.Packages, u.Count, u.SecurityCount = []report.Package{}, 0, 0
	since := h.lastUpgrade(d)
	for i, p := range h.t.Updates.Packages {
		if h.published[i] <= d && h.published[i] > since {
			u.Packages = append(u.Packages, p)
			u.Count++
			if p.Security && u.SecurityDataAvailable {
				u.SecurityCount++
			}
		}
	}
	if u.Count == len(h.t.Updates.Packages) {
		// Security counted by advisory (zypper's patches) rather than
		// by package: the fixture's own count.
		u.SecurityCount = h.t.Updates.SecurityCount
	}
	return host, comps, &u, collectors, errs
}

// report is the host's report of day d, scanned at at: its observations
// and the verdict its own agent makes of them on the profile it claims
// (the server judges them again on the provider's record).
func (h *simHost) report(engine *rules.Engine, d int, at time.Time) *report.Report {
	at = at.UTC().Truncate(time.Millisecond)
	host, comps, updates, collectors, errs := h.observe(d)
	profile := report.Profile{
		Provider: "Example Hosting", Tier: h.claim, MaintenanceAgreement: h.claim.DefaultMaintenanceAgreement(),
		CustomerManagedVirtualisation: h.t.CustomerManagedVirtualisation, Tenant: h.tenant,
	}
	ev := engine.Evaluate(rules.Input{Host: host, Profile: profile, Components: comps, Updates: updates, At: at})
	findings := ev.Findings
	if findings == nil {
		findings = []report.Finding{}
	}
	return &report.Report{
		Schema:      report.Schema,
		ReportID:    fmt.Sprintf("%s-%04d", h.id, d),
		Agent:       report.Agent{Name: "demarc", Version: "0.9.2"},
		ScannedAt:   at,
		EvaluatedAt: at.Format("2006-01-02"),
		DurationMS:  int64(900 + 40*len(comps)), // the more software, the longer the scan
		Host:        host,
		Profile:     profile,
		Components:  comps,
		Updates:     updates,
		Findings:    findings,
		Summary:     report.Summarize(findings),
		Lifecycle:   ev.Lifecycle,
		Errors:      errs,
		Collectors:  collectors,
	}
}
