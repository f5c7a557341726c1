package store

import (
	"time"

	"github.com/demarc/demarc/report"
)

// Host is a host's latest state: from the report the server received
// last, whatever the scan time the report claims.
type Host struct {
	HostID         string      `json:"host_id"`
	Tenant         string      `json:"tenant"`
	Hostname       string      `json:"hostname"`
	OS             report.OS   `json:"os"`
	KernelRelease  string      `json:"kernel_release"`
	Arch           string      `json:"arch"`
	Virtualization string      `json:"virtualization"`
	VirtRole       string      `json:"virtualization_role"`
	Provider       string      `json:"provider"`
	Tier           report.Tier `json:"tier"`
	// MaintenanceAgreement and CustomerManagedVirtualisation are the
	// profile flags of the latest report.
	MaintenanceAgreement          bool   `json:"maintenance_agreement"`
	CustomerManagedVirtualisation bool   `json:"customer_managed_virtualisation"`
	AgentVersion                  string `json:"agent_version"`
	// LatestReportID is the report the latest state comes from.
	LatestReportID string `json:"latest_report_id"`
	// ScannedAt is the scan time of the latest report.
	ScannedAt time.Time `json:"scanned_at"`
	// FirstSeen is the scan time of the first report received (moved back
	// to the latest report's when that is earlier).
	FirstSeen time.Time `json:"first_seen"`
	// ReceivedAt is when the latest report was received.
	ReceivedAt time.Time `json:"received_at"`
	// Open counts the open findings by responsible party and severity.
	Open report.Summary `json:"open"`
	// Enrollment is the host's identity and current key; nil for a host
	// that never enrolled.
	Enrollment *HostIdentity `json:"enrollment"`
	// FailingCollectors lists the collectors that did not run cleanly in
	// the latest report: its scan could not check everything.
	FailingCollectors []CollectorIssue `json:"failing_collectors"`
	// Unverified counts the open findings not verified since a report
	// whose collector failed (they are in Open).
	Unverified int `json:"unverified"`
	// Claimed is the profile the latest report claims (the host's
	// agent.yaml); Tier, MaintenanceAgreement and
	// CustomerManagedVirtualisation are what the server judged it on (the
	// provider's record, or the policy for hosts without one). nil: not
	// known (stored before the server kept claims).
	Claimed *ClaimedProfile `json:"claimed,omitempty"`
	// ClaimDisagrees is true when the claim differs from the profile the
	// host was judged on.
	ClaimDisagrees bool `json:"claim_disagrees"`
}

// ClaimedProfile is what a host's report says of its own tier and flags.
type ClaimedProfile struct {
	Tier                          report.Tier `json:"tier"`
	MaintenanceAgreement          bool        `json:"maintenance_agreement"`
	CustomerManagedVirtualisation bool        `json:"customer_managed_virtualisation"`
}

// CollectorIssue is a collector that did not run cleanly in a report.
type CollectorIssue struct {
	// Collector is the collector's name.
	Collector string `json:"collector"`
	// Status is how it ended (never ok).
	Status report.CollectorStatus `json:"status"`
	// Error is its errors in the report, if any.
	Error string `json:"error,omitempty"`
}

// Finding is a finding of a host as tracked over time.
type Finding struct {
	report.Finding
	HostID   string      `json:"host_id"`
	Hostname string      `json:"hostname"`
	Tenant   string      `json:"tenant"`
	Tier     report.Tier `json:"tier"`
	// FirstSeen is the scan time of the first report it appeared in.
	FirstSeen time.Time `json:"first_seen"`
	// OpenedAt starts the current open stretch: FirstSeen, or the scan
	// time of the report it reappeared in after being resolved.
	OpenedAt time.Time `json:"opened_at"`
	// LastSeen is the scan time of the last report that contained it.
	LastSeen time.Time `json:"last_seen"`
	// ResolvedAt is the scan time of the first newer report without it;
	// nil while open.
	ResolvedAt *time.Time `json:"resolved_at"`
	// UnverifiedSince is the scan time of the first report that did not
	// contain it while a collector it rests on failed (or did not run):
	// it stays open, unverified, until a report whose collectors ran
	// clean sees it again or no longer sees it; nil when verified. Its
	// LastSeen stays the last report that contained it.
	UnverifiedSince *time.Time `json:"unverified_since"`
	// Reason says why the server last opened, resolved, unverified or
	// changed it without a report (Store.Rejudge: "tier changed to iaas
	// by alice"); "" when its host's own report did. ReasonAt is when
	// (the re-judgement's At); nil with no reason.
	Reason   string     `json:"reason,omitempty"`
	ReasonAt *time.Time `json:"reason_at,omitempty"`
	// SLADue is when an open finding's SLA runs out and SLAState where it
	// stands ("ok", "due", "breached"; "none" for a finding without an
	// SLA, "" for a resolved one): set by the server that answers, from
	// its SLA policy and clock, not stored.
	SLADue   *time.Time `json:"sla_due,omitempty"`
	SLAState string     `json:"sla_state,omitempty"`
	// Ack is the live acknowledgement covering an open finding (set by
	// the server that answers, from its clock; nil: none). An
	// acknowledged finding is listed still, with it.
	Ack *Ack `json:"acknowledged,omitempty"`
}

// ReportMeta is one stored report in a host's history.
type ReportMeta struct {
	ReportID   string         `json:"report_id"`
	HostID     string         `json:"host_id"`
	ScannedAt  time.Time      `json:"scanned_at"`
	ReceivedAt time.Time      `json:"received_at"`
	Findings   int            `json:"findings"`
	Summary    report.Summary `json:"summary"`
	// BodyKept is false once retention pruned the body.
	BodyKept bool `json:"body_kept"`
}

// Status selects findings by state.
type Status string

// The finding states a filter can select.
const (
	StatusOpen     Status = "open"
	StatusResolved Status = "resolved"
	StatusAny      Status = "any"
)

// HostFilter selects hosts; empty fields match everything.
type HostFilter struct {
	// Tenant narrows an admin's scope to one tenant.
	Tenant string
	Tier   report.Tier
	// OS is an os-release ID ("ubuntu"), optionally with a version
	// ("ubuntu:22.04").
	OS string
	// Responsible and Severity keep hosts with at least one open finding
	// of that party and/or severity.
	Responsible report.Responsible
	Severity    report.Severity
	// Search matches a substring of the hostname or host id.
	Search string
	// FailingCollectors keeps hosts whose latest report has collectors
	// that did not run cleanly.
	FailingCollectors bool
	// ClaimDisagrees keeps hosts whose latest report claims another
	// profile than the one they were judged on.
	ClaimDisagrees bool
	// Sort is one of HostSorts ("" is "hostname").
	Sort string
}

// HostSorts lists the sort orders of Hosts: by hostname, newest scan first,
// most open provider findings first (weighted by severity).
var HostSorts = []string{"hostname", "-scanned_at", "-provider_open"}

// FindingFilter selects findings; empty fields match everything.
type FindingFilter struct {
	Tenant      string
	HostID      string
	Responsible report.Responsible
	Severity    report.Severity
	Kind        report.Kind
	Layer       report.Layer
	// Product matches the finding's product exactly (case-insensitive).
	Product string
	Tier    report.Tier
	// Status defaults to StatusOpen.
	Status Status
	// ByAge keeps only the open findings in one of Ages (none when Ages
	// is empty): the SLA filter (breached, due soon).
	ByAge bool
	Ages  []AgeWindow
	// Sort is one of FindingSorts ("" is "opened_at").
	Sort string
}

// FindingSorts lists the sort orders of Findings: oldest open stretch
// first, most severe first, most recently seen first.
var FindingSorts = []string{"opened_at", "severity", "-last_seen"}

// Page asks for one page: up to Limit items after Cursor (an opaque value
// from a previous page's Next; "" for the first page).
type Page struct {
	Limit  int
	Cursor string
}

// Page sizes.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// Clamp returns p with Limit within 1..MaxLimit (DefaultLimit when unset).
func (p Page) Clamp() Page {
	switch {
	case p.Limit <= 0:
		p.Limit = DefaultLimit
	case p.Limit > MaxLimit:
		p.Limit = MaxLimit
	}
	return p
}

// HostPage is a page of hosts; Next is "" on the last page.
type HostPage struct {
	Hosts []Host `json:"hosts"`
	Next  string `json:"next,omitempty"`
}

// FindingPage is a page of findings.
type FindingPage struct {
	Findings []Finding `json:"findings"`
	Next     string    `json:"next,omitempty"`
}

// ReportPage is a page of a host's reports.
type ReportPage struct {
	Reports []ReportMeta `json:"reports"`
	Next    string       `json:"next,omitempty"`
}

// Cell counts open findings of one tier, party and severity.
type Cell struct {
	Tier        report.Tier        `json:"tier"`
	Responsible report.Responsible `json:"responsible"`
	Severity    report.Severity    `json:"severity"`
	Count       int64              `json:"count"`
}

// LayerCount counts open findings of one kind in one layer per party (the
// end-of-life OSes and control panels of the overview).
type LayerCount struct {
	Kind        report.Kind        `json:"kind"`
	Layer       report.Layer       `json:"layer"`
	Responsible report.Responsible `json:"responsible"`
	Count       int64              `json:"count"`
}

// Summary is the fleet at a glance.
type Summary struct {
	// Hosts counts hosts per tier.
	Hosts map[report.Tier]int64 `json:"hosts"`
	// Open counts open findings by tier × responsible × severity (cells
	// with zero findings are omitted).
	Open []Cell `json:"open"`
	// EOL counts open eol and extended_support findings by layer and party.
	EOL []LayerCount `json:"eol"`
	// OldestProvider is the open provider finding with the oldest open
	// stretch, nil when there is none.
	OldestProvider *Finding `json:"oldest_provider_finding"`
	// HostsFailingCollectors counts the hosts whose latest report has
	// collectors that did not run cleanly.
	HostsFailingCollectors int64 `json:"hosts_failing_collectors"`
}

// TrendPoint is the number of open findings per party at one instant.
type TrendPoint struct {
	At       time.Time `json:"at"`
	Provider int64     `json:"provider"`
	Customer int64     `json:"customer"`
}

// Role is what a token may do.
type Role string

// The token roles.
const (
	// RoleAgent posts reports into its tenant.
	RoleAgent Role = "agent"
	// RoleViewer reads its tenant.
	RoleViewer Role = "viewer"
	// RoleAdmin reads every tenant.
	RoleAdmin Role = "admin"
)

// AdminTenant is the tenant stored with an admin token: a placeholder, as
// an admin reads every tenant. Admin tokens created before it may hold any
// tenant; for an admin the tenant is never consulted.
const AdminTenant = "admin"

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleAgent || r == RoleViewer || r == RoleAdmin }

// Token is an API token as stored: its hash, never the secret.
type Token struct {
	ID        string     `json:"id"`
	Tenant    string     `json:"tenant"`
	Role      Role       `json:"role"`
	Name      string     `json:"name"`
	Hash      []byte     `json:"-"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// OSCount is one OS release of the fleet and how many hosts run it.
type OSCount struct {
	// ID and VersionID are os-release's ("ubuntu", "22.04").
	ID         string `json:"id"`
	VersionID  string `json:"version_id"`
	Name       string `json:"name"`
	PrettyName string `json:"pretty_name"`
	Hosts      int64  `json:"hosts"`
	// EOL counts the hosts among them with an open end-of-life finding on
	// their operating system.
	EOL int64 `json:"eol"`
}

// TenantCount is one tenant and how many hosts it has.
type TenantCount struct {
	Tenant string `json:"tenant"`
	Hosts  int64  `json:"hosts"`
}

// Facets are the values the fleet's hosts take, for filter menus.
type Facets struct {
	// OS lists the OS releases, most hosts first.
	OS []OSCount `json:"os"`
	// Tenants lists the tenants in scope by name.
	Tenants []TenantCount `json:"tenants"`
}

// FindingGroup counts the findings of one party, severity, kind, layer,
// product (compared case-insensitively) and release cycle across the fleet:
// "PHP 8.1 past its end of life, the provider's, critical, on 120 hosts".
type FindingGroup struct {
	Responsible report.Responsible `json:"responsible"`
	Severity    report.Severity    `json:"severity"`
	Kind        report.Kind        `json:"kind"`
	Layer       report.Layer       `json:"layer"`
	// Product is the product's display name as one of the findings spells
	// it.
	Product string `json:"product"`
	// Cycle is the release cycle ("8.1"; empty for findings without one).
	Cycle string `json:"cycle"`
	// Hosts counts the hosts with such a finding, Findings the findings.
	Hosts    int64 `json:"hosts"`
	Findings int64 `json:"findings"`
	// OldestOpened is the earliest start of an open stretch among them.
	OldestOpened time.Time `json:"oldest_opened"`
	// Ack is the live group acknowledgement covering the whole group (set
	// by the server that answers; nil: none).
	Ack *Ack `json:"acknowledged,omitempty"`
}

// Session is a signed-in browser of the web UI. The browser holds a random
// secret; the store keeps only its SHA-256 (ID) and the token that signed
// in, whose tenant, role and revocation apply on every request.
type Session struct {
	ID        []byte    `json:"-"`
	TokenID   string    `json:"token_id"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}
