package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/demarc/demarc/ingest/store"
)

// rejudgeState is what Rejudge compares a new verdict with.
type rejudgeState struct {
	tenant, latest string
	scannedAt      int64
	digest         int64
	provider, tier string
	maintenance    bool
	customerVirt   bool
	failures       string
}

// Rejudge stores new verdicts on hosts' latest reports in one
// transaction. Items are processed in host id order, as in SaveBatch, so
// that concurrent writers lock hosts in the same order.
func (s *Store) Rejudge(ctx context.Context, items []store.Rejudgement) ([]store.RejudgeResult, error) {
	for i := range items {
		if err := checkRejudgement(&items[i]); err != nil {
			return nil, err
		}
	}
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(items[a].HostID, items[b].HostID) })
	if err := s.prepare(ctx); err != nil {
		return nil, err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin rejudge: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	out := make([]store.RejudgeResult, len(items))
	fleet := newFleetDelta()
	for _, i := range order {
		res, err := s.rejudgeOne(ctx, tx, &items[i], fleet)
		if err != nil {
			return nil, fmt.Errorf("rejudge host %s: %w", items[i].HostID, err)
		}
		out[i] = res
	}
	if err := s.applyFleet(ctx, tx, fleet, s.usageShard()); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit rejudge: %w", err)
	}
	return out, nil
}

// checkRejudgement refuses an item that cannot be a verdict on the report
// it names (a caller's mistake, failing the whole call).
func checkRejudgement(it *store.Rejudgement) error {
	switch r := it.Report; {
	case r == nil:
		return fmt.Errorf("rejudge host %s: no report: %w", it.HostID, store.ErrInvalid)
	case it.HostID == "" || it.ReportID == "" || it.At.IsZero():
		return fmt.Errorf("rejudge host %q report %q: host, report and time are required: %w", it.HostID, it.ReportID, store.ErrInvalid)
	case r.Host.HostID != "" && r.Host.HostID != it.HostID, r.ReportID != "" && r.ReportID != it.ReportID:
		return fmt.Errorf("rejudge host %s report %s: the report is %s of host %s: %w",
			it.HostID, it.ReportID, r.ReportID, r.Host.HostID, store.ErrInvalid)
	}
	return nil
}

// rejudgeOne stores one verdict in tx and adds what it changes in the
// fleet aggregates to fleet.
func (s *Store) rejudgeOne(ctx context.Context, tx *sql.Tx, it *store.Rejudgement, fleet *fleetDelta) (store.RejudgeResult, error) {
	var cur rejudgeState
	err := s.queryRow(ctx, tx, s.q.rejudgeState, it.HostID).Scan(&cur.tenant, &cur.latest, &cur.scannedAt, &cur.digest,
		&cur.provider, &cur.tier, &cur.maintenance, &cur.customerVirt, &cur.failures)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return store.RejudgeMissing, nil
	case err != nil:
		return 0, fmt.Errorf("read host: %w", err)
	case cur.tenant != it.Tenant:
		return store.RejudgeMissing, nil
	case cur.latest != it.ReportID:
		return store.RejudgeStale, nil
	}
	r, p := it.Report, it.Report.Profile
	// The fingerprints first: the summary and the evidence JSON only
	// for a host whose verdict changed.
	d := store.Fingerprint(r)
	failures := collectorFailures(r)
	if d.Digest == cur.digest && failures == cur.failures && p.Provider == cur.provider &&
		string(p.Tier) == cur.tier && p.MaintenanceAgreement == cur.maintenance &&
		p.CustomerManagedVirtualisation == cur.customerVirt {
		// The same findings judged against the same collectors: the sync
		// would write nothing either.
		return store.RejudgeUnchanged, nil
	}
	if err := d.Complete(); err != nil {
		return 0, err
	}
	before, err := s.readShare(ctx, tx, it.HostID)
	if err != nil {
		return 0, err
	}
	if _, err := s.exec(ctx, tx, s.q.rejudgeHost, p.Provider, string(p.Tier), p.MaintenanceAgreement,
		p.CustomerManagedVirtualisation, d.Digest, failures, it.HostID); err != nil {
		return 0, fmt.Errorf("update host: %w", err)
	}
	at := micros(it.At)
	var reason any
	if it.Reason != "" {
		reason = it.Reason
	}
	v := &verdict{hostID: it.HostID, tenant: it.Tenant, r: r, d: d, at: at,
		seen: cur.scannedAt, prevSeen: min(cur.scannedAt, at), reason: reason, reasonAt: at}
	_, change, err := s.syncFindings(ctx, tx, v)
	if err != nil {
		return 0, err
	}
	// The counts include the findings kept open unverified.
	if err := s.recountHost(ctx, tx, it.HostID); err != nil {
		return 0, err
	}
	sumJSON := d.SummaryJSON
	// The latest report's entry in the history is the verdict on it now.
	if _, err := s.exec(ctx, tx, s.q.rejudgeReport, len(r.Findings), string(sumJSON), it.HostID, it.ReportID); err != nil {
		return 0, fmt.Errorf("update report summary: %w", err)
	}
	after, err := s.readShare(ctx, tx, it.HostID)
	if err != nil {
		return 0, err
	}
	before.groups, after.groups, after.trend, after.ages = change.before, change.after(), change.trend, change.ages
	fleet.move(before, after)
	return store.RejudgeApplied, nil
}
