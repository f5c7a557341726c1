package export

import (
	"strconv"
	"strings"
	"time"

	"github.com/demarc/demarc/ingest/store"
)

// The export of each list: its file name and CSV columns. JSON lines
// carry each row as the API's JSON list does.

func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func tsp(t *time.Time) string {
	if t == nil {
		return ""
	}
	return ts(*t)
}

func itoa[N int | int64](n N) string { return strconv.FormatInt(int64(n), 10) }

func boolStr(b bool) string { return strconv.FormatBool(b) }

// HostColumns are the CSV columns of a hosts export.
var HostColumns = []Column[store.Host]{
	{"host_id", func(h *store.Host) string { return h.HostID }},
	{"hostname", func(h *store.Host) string { return h.Hostname }},
	{"tenant", func(h *store.Host) string { return h.Tenant }},
	{"tier", func(h *store.Host) string { return string(h.Tier) }},
	{"os_id", func(h *store.Host) string { return h.OS.ID }},
	{"os_version_id", func(h *store.Host) string { return h.OS.VersionID }},
	{"os_pretty_name", func(h *store.Host) string { return h.OS.PrettyName }},
	{"kernel_release", func(h *store.Host) string { return h.KernelRelease }},
	{"arch", func(h *store.Host) string { return h.Arch }},
	{"agent_version", func(h *store.Host) string { return h.AgentVersion }},
	{"scanned_at", func(h *store.Host) string { return ts(h.ScannedAt) }},
	{"received_at", func(h *store.Host) string { return ts(h.ReceivedAt) }},
	{"first_seen", func(h *store.Host) string { return ts(h.FirstSeen) }},
	{"provider_critical", func(h *store.Host) string { return itoa(h.Open.Provider.Critical) }},
	{"provider_high", func(h *store.Host) string { return itoa(h.Open.Provider.High) }},
	{"provider_medium", func(h *store.Host) string { return itoa(h.Open.Provider.Medium) }},
	{"provider_low", func(h *store.Host) string { return itoa(h.Open.Provider.Low) }},
	{"customer_critical", func(h *store.Host) string { return itoa(h.Open.Customer.Critical) }},
	{"customer_high", func(h *store.Host) string { return itoa(h.Open.Customer.High) }},
	{"customer_medium", func(h *store.Host) string { return itoa(h.Open.Customer.Medium) }},
	{"customer_low", func(h *store.Host) string { return itoa(h.Open.Customer.Low) }},
	{"unverified", func(h *store.Host) string { return itoa(h.Unverified) }},
	{"failing_collectors", func(h *store.Host) string {
		names := make([]string, len(h.FailingCollectors))
		for i, c := range h.FailingCollectors {
			names[i] = c.Collector
		}
		return strings.Join(names, " ")
	}},
	{"claim_disagrees", func(h *store.Host) string { return boolStr(h.ClaimDisagrees) }},
	{"latest_report_id", func(h *store.Host) string { return h.LatestReportID }},
}

// FindingColumns are the CSV columns of a findings export.
var FindingColumns = []Column[store.Finding]{
	{"host_id", func(f *store.Finding) string { return f.HostID }},
	{"hostname", func(f *store.Finding) string { return f.Hostname }},
	{"tenant", func(f *store.Finding) string { return f.Tenant }},
	{"tier", func(f *store.Finding) string { return string(f.Tier) }},
	{"finding_id", func(f *store.Finding) string { return f.ID }},
	{"responsible", func(f *store.Finding) string { return string(f.Responsible) }},
	{"severity", func(f *store.Finding) string { return string(f.Severity) }},
	{"kind", func(f *store.Finding) string { return string(f.Kind) }},
	{"layer", func(f *store.Finding) string { return string(f.Layer) }},
	{"product", func(f *store.Finding) string { return f.Product }},
	{"installed", func(f *store.Finding) string { return f.Installed }},
	{"latest", func(f *store.Finding) string { return f.Latest }},
	{"cycle", func(f *store.Finding) string { return f.Cycle }},
	{"eol_date", func(f *store.Finding) string { return f.EOLDate }},
	{"rule", func(f *store.Finding) string { return f.Rule }},
	{"rationale", func(f *store.Finding) string { return f.Rationale }},
	{"remediation", func(f *store.Finding) string { return f.Remediation }},
	{"first_seen", func(f *store.Finding) string { return ts(f.FirstSeen) }},
	{"opened_at", func(f *store.Finding) string { return ts(f.OpenedAt) }},
	{"last_seen", func(f *store.Finding) string { return ts(f.LastSeen) }},
	{"resolved_at", func(f *store.Finding) string { return tsp(f.ResolvedAt) }},
	{"unverified_since", func(f *store.Finding) string { return tsp(f.UnverifiedSince) }},
	{"sla_due", func(f *store.Finding) string { return tsp(f.SLADue) }},
	{"sla_state", func(f *store.Finding) string { return f.SLAState }},
}

// UpdateColumns are the CSV columns of a pending updates export.
var UpdateColumns = []Column[store.PendingUpdate]{
	{"host_id", func(u *store.PendingUpdate) string { return u.HostID }},
	{"hostname", func(u *store.PendingUpdate) string { return u.Hostname }},
	{"tenant", func(u *store.PendingUpdate) string { return u.Tenant }},
	{"name", func(u *store.PendingUpdate) string { return u.Name }},
	{"arch", func(u *store.PendingUpdate) string { return u.Arch }},
	{"installed", func(u *store.PendingUpdate) string { return u.Installed }},
	{"candidate", func(u *store.PendingUpdate) string { return u.Candidate }},
	{"security", func(u *store.PendingUpdate) string { return boolStr(u.Security) }},
	{"origin", func(u *store.PendingUpdate) string { return u.Origin }},
	{"severity", func(u *store.PendingUpdate) string { return u.Severity }},
	{"advisories", func(u *store.PendingUpdate) string { return strings.Join(u.Advisories, " ") }},
	{"cves", func(u *store.PendingUpdate) string { return strings.Join(u.CVEs, " ") }},
	{"pending_since", func(u *store.PendingUpdate) string { return ts(u.PendingSince) }},
	{"pending_days", func(u *store.PendingUpdate) string { return itoa(u.PendingDays) }},
}

// GroupColumns are the CSV columns of a backlog export (findings grouped
// by party, severity, kind, layer, product and cycle).
var GroupColumns = []Column[store.FindingGroup]{
	{"responsible", func(g *store.FindingGroup) string { return string(g.Responsible) }},
	{"severity", func(g *store.FindingGroup) string { return string(g.Severity) }},
	{"kind", func(g *store.FindingGroup) string { return string(g.Kind) }},
	{"layer", func(g *store.FindingGroup) string { return string(g.Layer) }},
	{"product", func(g *store.FindingGroup) string { return g.Product }},
	{"cycle", func(g *store.FindingGroup) string { return g.Cycle }},
	{"hosts", func(g *store.FindingGroup) string { return itoa(g.Hosts) }},
	{"findings", func(g *store.FindingGroup) string { return itoa(g.Findings) }},
	{"oldest_opened", func(g *store.FindingGroup) string { return ts(g.OldestOpened) }},
}
