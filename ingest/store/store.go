package store

import (
	"context"
	"errors"
	"time"

	"github.com/demarc/demarc/report"
)

// Sentinel errors of every implementation; test with errors.Is.
var (
	// ErrNotFound is returned for an id that does not exist in the caller's
	// scope (another tenant's host is "not found", never "forbidden").
	ErrNotFound = errors.New("not found")
	// ErrConflict is returned when a unique value is already taken.
	ErrConflict = errors.New("conflict")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("store closed")
)

// Store keeps reports, hosts, findings and tokens: every concern's
// interface in one. Implementations are safe for concurrent use by several
// goroutines and by several processes sharing one database (PostgreSQL).
// A consumer that needs one concern takes its interface (the committer a
// Writer, the authenticator tokens and enrolment).
type Store interface {
	Writer
	FleetReader
	UpdateReader
	AckStore
	SessionStore
	TokenStore
	EnrollStore
	RecordStore
	LifecycleStore
	StateStore

	// Migrate applies pending schema migrations.
	Migrate(ctx context.Context) error
	// Ping checks the database is reachable.
	Ping(ctx context.Context) error
	// Close releases the store.
	Close() error
}

// Writer stores what agents send and what the server decides about it:
// reports, re-judged verdicts, retention, and each tenant's usage kept
// beside them.
type Writer interface {
	// SaveBatch stores reports in one transaction and returns one Outcome
	// per item, in order. It returns an error only when the transaction as
	// a whole failed: then nothing of the batch is stored.
	SaveBatch(ctx context.Context, items []Incoming) ([]Outcome, error)
	// Rejudge stores new verdicts on hosts' latest reports (no new
	// report), one transaction per call, and returns one result per item
	// in order: the host's profile, collector failures, counts and the
	// latest report's summary become the verdict's, and its findings are
	// synced as SaveBatch syncs them, with times from At and the reason
	// recorded on each finding it opens, resolves, unverifies or changes.
	// It returns an error only when the transaction as a whole failed:
	// then nothing is stored.
	Rejudge(ctx context.Context, items []Rejudgement) ([]RejudgeResult, error)
	// LatestReports lists the hosts in scope matching f (f.Sort is
	// ignored) with their latest report, by host id, one page at a time:
	// the re-judging sweep over a tenant, a tier or the fleet.
	LatestReports(ctx context.Context, sc Scope, f HostFilter, p Page) ([]LatestRef, string, error)
	// Prune deletes report bodies received before cutoff (keeping each
	// host's latest report) and findings resolved before cutoff.
	Prune(ctx context.Context, cutoff time.Time) (int64, error)
	// TenantUsage returns the bytes of the tenant's stored report bodies
	// (as stored: gzip-compressed); 0 for a tenant without reports. It is
	// kept by SaveBatch and Prune in their own transactions, so reading
	// it costs one indexed lookup, not a sum over the reports.
	TenantUsage(ctx context.Context, tenant string) (int64, error)
}

// FleetReader reads the fleet in a scope: hosts, findings, report history
// and bodies, and the counts and aggregates of the pages, charts and SLAs.
type FleetReader interface {
	// Hosts lists hosts in scope matching f, one page at a time.
	Hosts(ctx context.Context, sc Scope, f HostFilter, p Page) (HostPage, error)
	// Host returns one host in scope, or ErrNotFound.
	Host(ctx context.Context, sc Scope, hostID string) (Host, error)
	// Findings lists findings in scope matching f, one page at a time.
	Findings(ctx context.Context, sc Scope, f FindingFilter, p Page) (FindingPage, error)
	// Reports lists the report history of one host in scope, in the order
	// reports became its state: the latest received first (ties: the
	// later scan first).
	Reports(ctx context.Context, sc Scope, hostID string, p Page) (ReportPage, error)
	// ReportBody returns a stored report's decompressed JSON, or ErrNotFound
	// (also once its body has been pruned). Report ids are unique per host:
	// when several hosts in scope have a report with this id, it returns
	// the body received last.
	ReportBody(ctx context.Context, sc Scope, reportID string) ([]byte, error)
	// HostReportBody returns the decompressed JSON of one host's report in
	// scope, or ErrNotFound (also once its body has been pruned).
	HostReportBody(ctx context.Context, sc Scope, hostID, reportID string) ([]byte, error)
	// Summary counts the open findings in scope.
	Summary(ctx context.Context, sc Scope) (Summary, error)
	// Counts is Summary without its end-of-life counts and oldest provider
	// finding: hosts per tier, hosts failing collectors, open findings per
	// tier, party and severity, from the aggregates alone (the metrics'
	// fleet gauges).
	Counts(ctx context.Context, sc Scope) (Summary, error)
	// Trend counts open findings per responsible party at each of the given
	// instants (for a chart over time).
	Trend(ctx context.Context, sc Scope, at []time.Time) ([]TrendPoint, error)
	// OpenOlder answers each AgeCount over the findings in scope (narrowed
	// to tenant unless ""): at a zero at, the findings open now; else
	// those open at at (their open stretch began by at and they were not
	// resolved by at; earlier stretches of reopened findings and findings
	// pruned by retention are not counted). Now is read from an aggregate
	// of open findings by day and one indexed count within the cutoff's
	// day (O(days)); at adds an indexed walk of the findings resolved
	// since at.
	OpenOlder(ctx context.Context, sc Scope, tenant string, at time.Time, qs []AgeCount) ([]int64, error)
	// ResolvedIn counts the findings in scope resolved in q's span, by
	// severity (an indexed walk of the span's resolutions).
	ResolvedIn(ctx context.Context, sc Scope, q ResolvedQuery) ([]ResolvedCount, error)
	// CountHosts counts the hosts in scope matching f (f.Sort is ignored).
	CountHosts(ctx context.Context, sc Scope, f HostFilter) (int64, error)
	// Facets lists the OS releases and tenants of the hosts in scope.
	Facets(ctx context.Context, sc Scope) (Facets, error)
	// FindingGroups counts the findings in scope matching f (f.Sort is
	// ignored) by party, severity, kind, layer, product and release cycle:
	// the most severe first, then those on the most hosts, then those with
	// the most findings; at most limit groups (clamped like a Page's
	// limit). Open findings not narrowed to one host are counted from the
	// fleet aggregates, in O(groups).
	FindingGroups(ctx context.Context, sc Scope, f FindingFilter, limit int) ([]FindingGroup, error)
}

// SessionStore keeps the web UI's sessions.
type SessionStore interface {
	// CreateSession stores a web session; an existing id is ErrConflict.
	CreateSession(ctx context.Context, s Session) error
	// Session returns the session with this id (the hash of the browser's
	// secret), expired or not, or ErrNotFound.
	Session(ctx context.Context, id []byte) (Session, error)
	// DeleteSession deletes a session (signing out); an unknown id is not
	// an error.
	DeleteSession(ctx context.Context, id []byte) error
	// DeleteExpiredSessions deletes the sessions that expired before now
	// and returns how many.
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error)
}

// TokenStore keeps API tokens (their hashes).
type TokenStore interface {
	// CreateToken stores a token (its hash, never the secret).
	CreateToken(ctx context.Context, t Token) error
	// Token returns the token with this id, revoked or not, or ErrNotFound.
	Token(ctx context.Context, id string) (Token, error)
	// Tokens lists every token, oldest first.
	Tokens(ctx context.Context) ([]Token, error)
	// RevokeToken marks a token revoked, or returns ErrNotFound.
	RevokeToken(ctx context.Context, id string, at time.Time) error
}

// StateStore keeps named values that the servers sharing the database
// keep between runs.
type StateStore interface {
	// ServerState returns a named value the servers sharing the database
	// keep between runs (the judge basis), or ErrNotFound.
	ServerState(ctx context.Context, name string) (string, error)
	// SetServerState stores a named value, replacing the old one.
	SetServerState(ctx context.Context, name, value string, at time.Time) error
}

// Scope is whose data a read may see: one tenant, or all of them.
type Scope struct {
	all    bool
	tenant string
}

// TenantScope is the scope of one tenant.
func TenantScope(tenant string) Scope { return Scope{tenant: tenant} }

// AllTenants is the scope of an admin.
func AllTenants() Scope { return Scope{all: true} }

// All reports whether the scope covers every tenant.
func (s Scope) All() bool { return s.all }

// Tenant is the scoped tenant ("" for AllTenants, or for the zero Scope
// that matches nothing).
func (s Scope) Tenant() string { return s.tenant }

// Incoming is one validated report to store.
type Incoming struct {
	// Tenant comes from the agent's token, never from the report.
	Tenant string
	// Report is the decoded, validated report.
	Report *report.Report
	// Gzip is the report JSON, gzip-compressed (as received, or compressed
	// by the server).
	Gzip []byte
	// SHA256 is the hash of the decompressed JSON: two bodies with the same
	// report_id and hash are the same report.
	SHA256 [32]byte
	// ReceivedAt is when the server received it.
	ReceivedAt time.Time
	// KeyID is the host key that authenticated the post ("" for a legacy
	// token). The key must be of the report's host and tenant, and the host
	// not revoked, or the item is Forbidden. Its last_used_at becomes
	// ReceivedAt; a pending key is promoted to current (the old current
	// retired) when the result is Created or Duplicate.
	KeyID string
	// IssueKey, with KeyID set, is created as the host's pending key
	// (replacing any earlier pending one) and rotate_requested is cleared,
	// when the result is Created or Duplicate (Outcome.KeyIssued).
	IssueKey *NewHostKey
	// Legacy marks a post made with a legacy agent token: a host id that
	// has an identity (was enrolled) is Forbidden.
	Legacy bool
	// Claimed is the profile the report as received claims (the host's
	// agent.yaml), kept beside the one it was judged on (Report.Profile);
	// a zero tier: unknown.
	Claimed report.Profile
	// Derived, when it is Derive(Report) (Derived.For), spares the store's
	// writer computing it; otherwise the store computes it.
	Derived *Derived
}

// Result is what storing one Incoming did.
type Result int

// The results of storing a report.
const (
	// Created: a new report, stored.
	Created Result = iota + 1
	// Duplicate: the same host, report_id and body were already stored.
	Duplicate
	// Conflict: the host's report_id is taken by a different body; nothing
	// stored.
	Conflict
	// Forbidden: the host id belongs to another tenant, or to an enrolled
	// host the credential does not stand for (Incoming.KeyID, Legacy);
	// nothing stored.
	Forbidden
)

// String names r for logs and metrics.
func (r Result) String() string {
	switch r {
	case Created:
		return "created"
	case Duplicate:
		return "duplicate"
	case Conflict:
		return "conflict"
	case Forbidden:
		return "forbidden"
	}
	return "unknown"
}

// Outcome is the result of one item of a batch.
type Outcome struct {
	Result Result
	// Latest is true when the report became its host's latest state: the
	// report received last is (at the same instant, the later scan). It is
	// false for one received before the host's latest, stored as history.
	Latest bool
	// KeyIssued is true when Incoming.IssueKey was stored as the host's
	// pending key (the answer may hand it out).
	KeyIssued bool
}

// ErrInvalid is returned for a filter, sort or cursor a store cannot use.
var ErrInvalid = errors.New("invalid query")
