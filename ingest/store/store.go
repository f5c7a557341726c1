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

// Store keeps reports, hosts, findings and tokens. Implementations are safe
// for concurrent use by several goroutines and by several processes sharing
// one database (PostgreSQL).
type Store interface {
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
	// HostUpdates lists the package updates pending on one host in scope
	// in its latest state: security updates first, then the longest
	// pending, then by name and arch. An unknown host has none.
	HostUpdates(ctx context.Context, sc Scope, hostID string, p Page) (UpdatePage, error)
	// PendingUpdates lists the package updates pending on the hosts in
	// scope matching f: by package name, then security updates first, then
	// the longest pending, then by host id and arch.
	PendingUpdates(ctx context.Context, sc Scope, f UpdateFilter, p Page) (UpdatePage, error)
	// PendingPackages ranks the package names pending on the hosts in
	// scope matching f, from the fleet_updates aggregate (O(tenants x
	// packages)), each package's oldest pending stretch found by one index
	// seek per package on the page (every package for PackagesByAge).
	PendingPackages(ctx context.Context, sc Scope, f PackageFilter, p Page) (PackagePage, error)
	// Summary counts the open findings in scope.
	Summary(ctx context.Context, sc Scope) (Summary, error)
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

	// CreateAck stores an acknowledgement (checked by the caller with
	// Ack.Check) and its "created" line of the audit log, in one
	// transaction; an existing id is ErrConflict.
	CreateAck(ctx context.Context, a Ack) error
	// Acks lists the acknowledgements in scope (a tenant's, and for a
	// tenant also the fleet-wide groups that cover its findings), oldest
	// first, at most MaxActiveAcks: at a non-zero live only those live at
	// that instant (an index walk of the unwithdrawn ones), else every one.
	Acks(ctx context.Context, sc Scope, live time.Time) ([]Ack, error)
	// WithdrawAck marks a live acknowledgement of the tenant in scope (an
	// admin's: any) withdrawn by by at at and logs it, in one
	// transaction; otherwise ErrNotFound.
	WithdrawAck(ctx context.Context, sc Scope, id, by string, at time.Time) error
	// AckLog lists the audit log of the acknowledgements of the tenant in
	// scope (an admin's: all), newest first; the cursor is the page's
	// last Seq.
	AckLog(ctx context.Context, sc Scope, p Page) ([]AckEvent, string, error)
	// AckedOlder answers each AgeCount, as OpenOlder does at a zero at,
	// over the open findings in scope (narrowed to tenant unless "")
	// covered by an acknowledgement live at now, each counted once: an
	// indexed join from the live acknowledgements (a group's through its
	// product and cycle), so O(acknowledged findings), never all.
	AckedOlder(ctx context.Context, sc Scope, tenant string, now time.Time, qs []AgeCount) ([]int64, error)

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

	// CreateToken stores a token (its hash, never the secret).
	CreateToken(ctx context.Context, t Token) error
	// Token returns the token with this id, revoked or not, or ErrNotFound.
	Token(ctx context.Context, id string) (Token, error)
	// Tokens lists every token, oldest first.
	Tokens(ctx context.Context) ([]Token, error)
	// RevokeToken marks a token revoked, or returns ErrNotFound.
	RevokeToken(ctx context.Context, id string, at time.Time) error

	// CreateEnrollSecret stores an enroll secret (its hash, never the
	// secret); an existing id is ErrConflict.
	CreateEnrollSecret(ctx context.Context, s EnrollSecret) error
	// EnrollSecret returns the secret with this id, revoked, expired or
	// used up or not, or ErrNotFound.
	EnrollSecret(ctx context.Context, id string) (EnrollSecret, error)
	// EnrollSecrets lists every enroll secret, oldest first.
	EnrollSecrets(ctx context.Context) ([]EnrollSecret, error)
	// RevokeEnrollSecret marks a secret revoked (keeping the first
	// revocation time), or returns ErrNotFound.
	RevokeEnrollSecret(ctx context.Context, id string, at time.Time) error
	// Enroll consumes one use of e.SecretID, re-checked inside the
	// transaction (not revoked, not expired at e.Identity.EnrolledAt, of
	// e.Identity.Tenant, uses below max_uses), or checks that e.TokenID is
	// an unrevoked agent token of that tenant; otherwise it returns
	// ErrNotFound and writes nothing. Then it creates the identity and its
	// current key, all in one transaction. A host or key id already taken
	// is ErrConflict (and consumes no use).
	Enroll(ctx context.Context, e Enrollment) error
	// HostKey returns the host key with this id, in any state, with its
	// host's tenant and revocation, or ErrNotFound.
	HostKey(ctx context.Context, keyID string) (HostKey, error)
	// HostIdentity returns the identity of an enrolled host in scope (with
	// its read-side fields), or ErrNotFound.
	HostIdentity(ctx context.Context, sc Scope, hostID string) (HostIdentity, error)
	// RevokeHost marks a host identity revoked (keeping the first
	// revocation time): every key of it is refused. Unknown: ErrNotFound.
	RevokeHost(ctx context.Context, hostID string, at time.Time) error
	// RequestRotation sets the host's rotate_requested: the next post made
	// with its current key is answered with a new key. Unknown: ErrNotFound.
	RequestRotation(ctx context.Context, hostID string) error

	// PutHostRecords stores the provider's records of hosts (each checked
	// with Normalize, then matched to its stored record by host id, else by
	// machine id, else by hostname within its tenant, binding it to the one
	// known host it matches) and logs every changed field as changed by
	// by at at, all in one transaction: on any error nothing is stored. A
	// bad record is a *RecordError with its index. It returns the changes
	// (none for a record that is already so).
	PutHostRecords(ctx context.Context, recs []HostRecord, by string, at time.Time) ([]RecordChange, error)
	// PlanHostRecords returns what PutHostRecords would change, or its
	// error, and stores nothing (a dry run).
	PlanHostRecords(ctx context.Context, recs []HostRecord) ([]RecordChange, error)
	// HostRecord returns the record bound to a host in scope, or
	// ErrNotFound.
	HostRecord(ctx context.Context, sc Scope, hostID string) (HostRecord, error)
	// HostRecords lists the records in scope, bound or not, by record id.
	HostRecords(ctx context.Context, sc Scope, p Page) (HostRecordPage, error)
	// RecordFor returns the record of a host of tenant: the one bound to
	// hostID, else the unbound one with its machineID, else the unbound
	// one with its hostname (compared in lower case); false when none.
	// It is one indexed query. An unbound match is bound to hostID (once,
	// in its own transaction, audit-logged as by "demarc-server").
	RecordFor(ctx context.Context, tenant, hostID, hostname, machineID string) (HostRecord, bool, error)
	// RecordHistory lists the changes of the record bound to a host in
	// scope, newest first (ErrNotFound without one).
	RecordHistory(ctx context.Context, sc Scope, hostID string, p Page) (RecordChangePage, error)
	// RecordsChangedSince lists the hosts whose record changed (or was
	// bound) at or after t, by the changes' times: what a server re-judges
	// after an import made by another process.
	RecordsChangedSince(ctx context.Context, t time.Time) ([]string, error)

	// PutLifecycle stores an imported lifecycle dataset as a new version;
	// a version number already taken is ErrConflict.
	PutLifecycle(ctx context.Context, v LifecycleVersion) error
	// CurrentLifecycle returns the highest version with its body, or
	// ErrNotFound when none was imported (the embedded data is current).
	CurrentLifecycle(ctx context.Context) (LifecycleVersion, error)
	// LifecycleVersions lists every version, oldest first, without bodies.
	LifecycleVersions(ctx context.Context) ([]LifecycleVersion, error)

	// ServerState returns a named value the servers sharing the database
	// keep between runs (the judge basis), or ErrNotFound.
	ServerState(ctx context.Context, name string) (string, error)
	// SetServerState stores a named value, replacing the old one.
	SetServerState(ctx context.Context, name, value string, at time.Time) error

	// Prune deletes report bodies received before cutoff (keeping each
	// host's latest report) and findings resolved before cutoff.
	Prune(ctx context.Context, cutoff time.Time) (int64, error)
	// TenantUsage returns the bytes of the tenant's stored report bodies
	// (as stored: gzip-compressed); 0 for a tenant without reports. It is
	// kept by SaveBatch and Prune in their own transactions, so reading
	// it costs one indexed lookup, not a sum over the reports.
	TenantUsage(ctx context.Context, tenant string) (int64, error)
	// Migrate applies pending schema migrations.
	Migrate(ctx context.Context) error
	// Ping checks the database is reachable.
	Ping(ctx context.Context) error
	// Close releases the store.
	Close() error
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
