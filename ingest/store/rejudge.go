package store

import (
	"time"

	"github.com/demarc/demarc/report"
)

// Rejudgement is a new verdict on a host's latest report.
type Rejudgement struct {
	HostID, Tenant string
	// ReportID must be the host's latest report; otherwise the result is
	// RejudgeStale and nothing is written (a newer report arrived: its own
	// verdict stands).
	ReportID string
	// Report is that report as the server judged it anew: its observations,
	// the profile it was judged on (tier, agreement, virtualisation flags),
	// the new findings and summary, and its collectors (for the unverified
	// rule: a finding absent from the new verdict is resolved only when its
	// collectors ran cleanly in that report, exactly as in SaveBatch). Its
	// host id and report id, when set, must be HostID and ReportID.
	Report *report.Report
	// Reason says why, for the finding history: "tier changed to iaas by
	// alice (token 0123…)", "lifecycle data of 2027-01-15".
	Reason string
	// At is when the verdict was made: findings it opens start (opened_at,
	// and first_seen for new ones) and findings it resolves end
	// (resolved_at) at At; findings it keeps keep their times. Findings it
	// leaves unverified (absent, their collector not clean in the report)
	// are unverified since At.
	At time.Time
}

// RejudgeResult is what storing one Rejudgement did.
type RejudgeResult int

// The results of a re-judgement.
const (
	// RejudgeApplied: the new verdict is the host's state.
	RejudgeApplied RejudgeResult = iota + 1
	// RejudgeUnchanged: the same findings, profile and collector failures
	// as stored; nothing written.
	RejudgeUnchanged
	// RejudgeStale: ReportID is no longer the host's latest report;
	// nothing written.
	RejudgeStale
	// RejudgeMissing: no such host in the tenant; nothing written.
	RejudgeMissing
)

// String names r for logs and metrics.
func (r RejudgeResult) String() string {
	switch r {
	case RejudgeApplied:
		return "applied"
	case RejudgeUnchanged:
		return "unchanged"
	case RejudgeStale:
		return "stale"
	case RejudgeMissing:
		return "missing"
	}
	return "unknown"
}

// LatestRef names a host and its latest report: what a re-judging sweep
// reads (Store.HostReportBody) and hands back (Rejudgement).
type LatestRef struct {
	HostID   string `json:"host_id"`
	Tenant   string `json:"tenant"`
	ReportID string `json:"report_id"`
}
