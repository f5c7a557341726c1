package reportgen

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/demarc/demarc/internal/reportid"
	"github.com/demarc/demarc/report"
)

// Options shapes a fleet.
type Options struct {
	// Seed makes the fleet reproducible.
	Seed uint64
	// Hosts is the number of hosts (default 100).
	Hosts int
	// Tenants names the tenants hosts are spread over (default "acme").
	Tenants []string
	// Findings per report (default 40).
	Findings int
	// Drift is the chance that a new report of a host resolves one finding
	// and opens another (default 0.2; negative for none).
	Drift float64
}

// Fleet is a set of simulated hosts.
type Fleet struct {
	Hosts []*Host
}

// Host is one simulated host; Next returns its reports in order. A Host is
// not safe for concurrent use.
type Host struct {
	ID, Hostname, Tenant string
	Tier                 report.Tier
	os                   osRelease
	rng                  *rand.Rand
	findings             []report.Finding
	pool                 []report.Finding
	drift                float64
	seq                  int
	// pending is nil unless WithUpdates gave the host pending updates.
	pending *pendingList
}

// NewFleet builds a fleet.
func NewFleet(o Options) *Fleet {
	if o.Hosts <= 0 {
		o.Hosts = 100
	}
	if len(o.Tenants) == 0 {
		o.Tenants = []string{"acme"}
	}
	if o.Findings <= 0 {
		o.Findings = 40
	}
	if o.Drift == 0 {
		o.Drift = 0.2
	}
	f := &Fleet{}
	for i := range o.Hosts {
		f.Hosts = append(f.Hosts, NewHost(o.Seed*1_000_003+uint64(i), i, o.Tenants[i%len(o.Tenants)], o.Findings, o.Drift))
	}
	return f
}

// NewHost builds one host; index numbers its hostname.
func NewHost(seed uint64, index int, tenant string, findings int, drift float64) *Host {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	h := &Host{
		Tenant: tenant,
		Tier:   report.Tiers[rng.IntN(len(report.Tiers))],
		os:     osReleases[rng.IntN(len(osReleases))],
		rng:    rng,
		drift:  drift,
	}
	h.ID = fmt.Sprintf("h-%016x", rng.Uint64())
	h.Hostname = fmt.Sprintf("%s%03d.%s.example.net", hostPrefixes[rng.IntN(len(hostPrefixes))], index%1000, tenant)
	h.pool = candidateFindings(h)
	rng.Shuffle(len(h.pool), func(i, j int) { h.pool[i], h.pool[j] = h.pool[j], h.pool[i] })
	n := min(findings, len(h.pool))
	h.findings = append([]report.Finding(nil), h.pool[:n]...)
	h.pool = h.pool[n:]
	return h
}

// Next returns the host's next report, scanned at at: a new report_id,
// the host's findings after one step of drift.
func (h *Host) Next(at time.Time) *report.Report {
	h.seq++
	if h.seq > 1 && h.rng.Float64() < h.drift && len(h.pool) > 0 && len(h.findings) > 0 {
		i := h.rng.IntN(len(h.findings))
		old := h.findings[i]
		h.findings[i] = h.pool[0]
		h.pool = append(h.pool[1:], old)
	}
	if h.pending != nil && h.seq > 1 {
		h.pending.step(h.drift)
	}
	return h.build(at.UTC().Truncate(time.Millisecond))
}

// reportID is a report id as demarc's agent makes it (a version 7 UUID of
// the scan time), its random bits drawn from the host's generator and its
// report sequence number: reproducible, and unique per host.
func (h *Host) reportID(at time.Time) string {
	// At keeps all of r[3:] and parts of r[0:3]: the sequence number (far
	// below 2^24) in r[0:6], the random bits whole in r[6:10].
	var r [10]byte
	seq := uint64(h.seq)
	for i := range 6 {
		r[i] = byte(seq >> (40 - 8*i))
	}
	binary.BigEndian.PutUint32(r[6:10], h.rng.Uint32())
	return reportid.At(at, r)
}

func (h *Host) build(at time.Time) *report.Report {
	fs := append([]report.Finding(nil), h.findings...)
	r := &report.Report{
		Schema:      report.Schema,
		ReportID:    h.reportID(at),
		Agent:       report.Agent{Name: "demarc", Version: "0.9.2"},
		ScannedAt:   at,
		EvaluatedAt: at.Format("2006-01-02"),
		DurationMS:  int64(800 + h.rng.IntN(4000)),
		Host: report.Host{
			Hostname: h.Hostname,
			HostID:   h.ID,
			OS: report.OS{ID: h.os.id, Name: h.os.name, VersionID: h.os.version, PrettyName: h.os.pretty,
				Family: h.os.family, Codename: h.os.codename, Source: "/etc/os-release"},
			Kernel:         report.Kernel{Release: h.os.kernel, Arch: "x86_64", NewestInstalled: h.os.kernel, Source: h.os.pkgSource},
			Virtualization: report.Virtualization{System: "kvm", Role: "guest", Evidence: []string{"/sys/class/dmi/id/sys_vendor: QEMU"}},
			UptimeSeconds:  int64(h.rng.IntN(90 * 86400)),
		},
		Profile: report.Profile{
			Provider: "Example Hosting", Tier: h.Tier, MaintenanceAgreement: h.Tier == report.TierManaged,
			Tenant: h.Tenant,
		},
		Components: h.components(),
		Findings:   fs,
		Lifecycle:  &report.LifecycleData{SnapshotDate: "2026-10-01", AgeDays: 58},
		Errors:     []report.CollectorError{},
	}
	if h.Tier == report.TierColocation {
		r.Host.Virtualization = report.Virtualization{}
	}
	if h.pending != nil {
		r.Updates = h.pending.updates()
	}
	r.Summary = report.Summarize(fs)
	return r
}

func (h *Host) components() []report.Component {
	cs := []report.Component{
		{Layer: report.LayerOperatingSystem, Product: h.os.id, Version: h.os.version, Source: "/etc/os-release",
			Details: map[string]string{"pretty_name": h.os.pretty}},
		{Layer: report.LayerOperatingSystem, Product: "linux-kernel", Version: h.os.kernel, Source: "uname -r"},
	}
	for _, a := range apps {
		cs = append(cs, report.Component{Layer: a.layer, Product: a.product, Version: a.installed,
			Source: a.source, Details: map[string]string{"package": a.pkg}})
	}
	return cs
}

// slug makes an id fragment of a display name.
func slug(s string) string {
	s = strings.ToLower(s)
	var b strings.Builder
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '.':
			b.WriteRune(c)
		default:
			b.WriteByte('-')
		}
	}
	return strings.Trim(b.String(), "-")
}
