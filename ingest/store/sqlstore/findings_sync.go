package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

type storedFinding struct {
	hash       int64
	open       bool
	unverified bool
	kind       report.Kind
	layer      report.Layer
	// The finding's place in the fleet aggregates.
	group    groupKey
	rank     int
	product  string
	opened   int64
	resolved *int64
}

// verdict is what syncFindings brings a host's findings in line with: a
// report's findings (the server's verdict on it) and its collectors, with
// the times and reason of the change.
type verdict struct {
	hostID, tenant string
	// r holds the findings and the collectors they are judged against;
	// d is derived from it.
	r *report.Report
	d *store.Derived
	// at opens the findings it opens (opened_at, first_seen of new ones),
	// resolves those it resolves and unverifies those it unverifies.
	at int64
	// seen is the last_seen of the findings in r: the scan time of the
	// report whose observations they rest on.
	seen int64
	// prevSeen is the last_seen of the findings it resolves or unverifies:
	// when they were last seen (never after at).
	prevSeen int64
	// fresh marks a new host, which has no stored findings to read.
	fresh bool
	// reason and reasonAt are stored on every finding written (nil, nil
	// for a report: its host's report moved them).
	reason, reasonAt any
}

// reportVerdict is the verdict of a report becoming its host's latest
// state; prevScanned is the previous state's scan time (-1: a new host).
func reportVerdict(it *store.Incoming, d *store.Derived, scanned, prevScanned int64) *verdict {
	return &verdict{hostID: it.Report.Host.HostID, tenant: it.Tenant, r: it.Report, d: d,
		at: scanned, seen: scanned, prevSeen: min(prevScanned, scanned), fresh: prevScanned < 0}
}

// syncFindings brings the host's findings in line with a verdict: new,
// changed, reappearing and unverified findings are upserted (an open one
// that changed within its group and rank only in its unindexed columns,
// refreshCols, which leaves the indexes of open findings unwritten),
// unchanged open ones are left alone (their last_seen is the host's
// scanned_at),
// and open ones absent from the verdict are resolved at v.at when every
// collector they rest on ran cleanly in its report (report.OutcomesOf,
// report.EvidenceCollectors); otherwise they stay open, unverified since
// v.at: a failed check is not a fix. It returns how many open findings
// are unverified after it.
//
// It judges whatever findings the report carries (the agent's, or the
// server's own verdict on its observations) against the report's
// collectors and errors. SaveBatch and Rejudge both sync through it.
//
// It also returns what the sync changes in the host's share of the fleet
// aggregates, worked out from the findings it read and wrote (nothing is
// read back): its groups of open findings before and after, and the
// change of its trend share.
func (s *Store) syncFindings(ctx context.Context, tx *sql.Tx, v *verdict) (int, *shareChange, error) {
	existing := map[string]storedFinding{}
	if !v.fresh {
		var err error
		if existing, err = s.storedFindings(ctx, tx, v.hostID); err != nil {
			return 0, nil, err
		}
	}
	ch := newShareChange(existing)
	var changed, opened []*report.Finding
	var refreshed []int
	var hashes []int64
	var evidence []string
	present := make(map[string]bool, len(v.r.Findings))
	for i := range v.r.Findings {
		f := &v.r.Findings[i]
		present[f.ID] = true
		h := v.d.Hashes[i]
		e, ok := existing[f.ID]
		verifiedOpen := ok && e.open && !e.unverified
		if verifiedOpen && e.hash == h {
			continue
		}
		ch.upserted(f, e, ok, v.at)
		if verifiedOpen && e.group == groupOf(f) && e.rank == f.Severity.Rank() {
			// Open and verified, in the same group: every indexed column
			// (tenant, group, rank, opened_at, resolved_at) stays.
			refreshed = append(refreshed, i)
			continue
		}
		changed = append(changed, f)
		hashes = append(hashes, h)
		evidence = append(evidence, v.d.Evidence[i])
		if !ok || !e.open {
			opened = append(opened, f)
		}
	}
	// The provider findings it opens go into the notification outbox in
	// this transaction: committed together or not at all.
	if err := s.addEventsTx(ctx, tx, openedEvents(v, opened), v.at); err != nil {
		return 0, nil, err
	}
	start := 0
	for _, n := range chunks(len(changed)) {
		if err := s.upsertFindings(ctx, tx, v, changed[start:start+n], hashes[start:start+n], evidence[start:start+n]); err != nil {
			return 0, nil, err
		}
		start += n
	}
	width := 2 + len(refreshCols)
	args := make([]any, 0, len(refreshed)*width)
	for _, i := range refreshed {
		f := &v.r.Findings[i]
		args = append(args, v.hostID, f.ID, f.Product, f.Installed, f.Latest, f.EOLDate, f.Rule, f.Rationale,
			f.Remediation, v.d.Evidence[i], f.BlockedBy, v.d.Hashes[i], v.seen, v.reason, v.reasonAt)
	}
	if err := s.inChunks(ctx, tx, s.q.refreshFindings, nil, args, len(refreshed), width); err != nil {
		return 0, nil, fmt.Errorf("refresh findings: %w", err)
	}
	outcomes := report.OutcomesOf(v.r)
	var gone, unverify []any
	unverified := 0
	for id, e := range existing {
		if !e.open || present[id] {
			continue
		}
		switch {
		case outcomes.Verified(&report.Finding{Kind: e.kind, Layer: e.layer}):
			gone = append(gone, id)
			ch.resolved(id, e, v.at)
		case e.unverified:
			unverified++ // since an earlier report
		default:
			unverify = append(unverify, id)
			unverified++
		}
	}
	if err := s.unverify(ctx, tx, v, unverify); err != nil {
		return 0, nil, err
	}
	// Last seen in the previous state, but never after the resolution
	// (that state may have been dated ahead of this one).
	if err := s.inChunks(ctx, tx, s.q.resolveN, []any{v.at, v.prevSeen, v.reason, v.reasonAt, v.hostID}, gone, len(gone), 1); err != nil {
		return 0, nil, fmt.Errorf("resolve findings: %w", err)
	}
	return unverified, ch, nil
}

func (s *Store) storedFindings(ctx context.Context, tx *sql.Tx, hostID string) (map[string]storedFinding, error) {
	st, err := s.stmt(ctx, tx, s.q.hostFindings)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, hostID)
	if err != nil {
		return nil, fmt.Errorf("read host findings: %w", err)
	}
	defer rows.Close()
	out := make(map[string]storedFinding)
	for rows.Next() {
		var id, kind, layer string
		var f storedFinding
		if err := rows.Scan(&id, &f.hash, &f.open, &f.unverified, &kind, &layer, &f.group.resp, &f.group.sev,
			&f.rank, &f.product, &f.group.productKey, &f.group.cycle, &f.opened, &f.resolved); err != nil {
			return nil, fmt.Errorf("read host findings: %w", err)
		}
		f.kind, f.layer = report.Kind(kind), report.Layer(layer)
		f.group.kind, f.group.layer = kind, layer
		out[id] = f
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read host findings: %w", err)
	}
	return out, nil
}

// upsertFindings writes fs, with their hashes and evidence JSON.
func (s *Store) upsertFindings(ctx context.Context, tx *sql.Tx, v *verdict, fs []*report.Finding, hashes []int64, evidence []string) error {
	args := make([]any, 0, len(fs)*len(findingCols))
	for i, f := range fs {
		args = append(args, v.hostID, f.ID, v.tenant, string(f.Kind), string(f.Layer),
			f.Product, strings.ToLower(f.Product), f.Installed, f.Latest, f.Cycle, f.EOLDate,
			string(f.Severity), f.Severity.Rank(), string(f.Responsible), f.Rule, f.Rationale,
			f.Remediation, evidence[i], f.BlockedBy, hashes[i], v.at, v.at, v.seen, v.reason, v.reasonAt)
	}
	if _, err := s.exec(ctx, tx, s.upsertQuery(len(fs)), args...); err != nil {
		return fmt.Errorf("upsert findings: %w", err)
	}
	return nil
}

// upsertQuery is the findings upsert of n rows.
func (s *Store) upsertQuery(n int) string {
	if q, ok := s.q.upsertN[n]; ok {
		return q
	}
	rows := make([]string, n)
	for i := range rows {
		rows[i] = s.q.findingRow
	}
	return s.rebind(s.q.upsertFindingPrefix + strings.Join(rows, ", ") + s.q.upsertFindingTail)
}

// resolveQuery resolves n findings of a host.
func (s *Store) resolveQuery(n int) string {
	if q, ok := s.q.resolveN[n]; ok {
		return q
	}
	return s.rebind(s.q.resolvePrefix + "(" + placeholders(n) + ")")
}

// derived is it.Derived (completed if it holds only fingerprints), or
// computed when the caller did not derive it from it.Report.
func derived(it *store.Incoming) (*store.Derived, error) {
	if it.Derived.For(it.Report) {
		return it.Derived, it.Derived.Complete()
	}
	return store.Derive(it.Report)
}
