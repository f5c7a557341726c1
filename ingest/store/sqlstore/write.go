package sqlstore

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// SaveBatch stores items in one transaction. Items are processed in
// (host_id, report_id) order so that concurrent batches on PostgreSQL lock
// hosts in the same order and cannot deadlock on them.
func (s *Store) SaveBatch(ctx context.Context, items []store.Incoming) ([]store.Outcome, error) {
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		ra, rb := items[a].Report, items[b].Report
		return cmp.Or(cmp.Compare(ra.Host.HostID, rb.Host.HostID), cmp.Compare(ra.ReportID, rb.ReportID))
	})
	if err := s.prepare(ctx); err != nil {
		return nil, err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin batch: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	out := make([]store.Outcome, len(items))
	usage := map[string]int64{}
	fleet := newFleetDelta()
	for _, i := range order {
		o, err := s.saveOne(ctx, tx, &items[i], fleet)
		if err != nil {
			return nil, fmt.Errorf("save report %s: %w", items[i].Report.ReportID, err)
		}
		out[i] = o
		if o.Result == store.Created {
			usage[items[i].Tenant] += int64(len(items[i].Gzip))
		}
	}
	if err := s.applyKeys(ctx, tx, items, order, out); err != nil {
		return nil, err
	}
	shard := s.usageShard()
	if err := s.applyFleet(ctx, tx, fleet, shard); err != nil {
		return nil, err
	}
	if err := s.addUsage(ctx, tx, usage, shard); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit batch: %w", err)
	}
	return out, nil
}

// hostState is what saveOne needs to know about a stored host.
type hostState struct {
	tenant     string
	receivedAt int64
	scannedAt  int64
	latest     string
	digest     int64
	// unverified counts the host's open findings not verified since a
	// report whose collector failed.
	unverified int
	// updatesDigest fingerprints the stored pending packages.
	updatesDigest int64
	// The host's values of hostKeyCols.
	hostname string
	weight   int64
	failures string
	// share is the host's row in the fleet aggregates (no groups, no
	// trend).
	share hostShare
}

// latestOrder reports whether a report received at received, scanned at
// scanned, replaces the host's state h. The report the server received
// last is the state: a report's own scanned_at is whatever its sender
// claims, and when it ordered the state, one report dated in the future
// froze its host (nothing newer could arrive). Reports received at the
// same instant (a spool drained in one batch) go by scan time, then
// report id.
func latestOrder(received, scanned int64, reportID string, h hostState) bool {
	return cmp.Or(cmp.Compare(received, h.receivedAt), cmp.Compare(scanned, h.scannedAt), cmp.Compare(reportID, h.latest)) > 0
}

// saveOne stores one report in tx and adds what it changes in the fleet
// aggregates to fleet.
func (s *Store) saveOne(ctx context.Context, tx *sql.Tx, it *store.Incoming, fleet *fleetDelta) (store.Outcome, error) {
	r := it.Report
	d, err := derived(it)
	if err != nil {
		return store.Outcome{}, err
	}
	sum := d.Summary
	scanned := micros(r.ScannedAt)
	if refused, err := s.refused(ctx, tx, it); err != nil || refused {
		return store.Outcome{Result: store.Forbidden}, err
	}
	res, err := s.exec(ctx, tx, s.q.insertReport, r.ReportID, it.Tenant, r.Host.HostID, scanned,
		micros(it.ReceivedAt), it.SHA256[:], it.Gzip, len(r.Findings), string(d.SummaryJSON))
	if err != nil {
		return store.Outcome{}, fmt.Errorf("insert report: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return store.Outcome{}, fmt.Errorf("insert report: %w", err)
	} else if n == 0 {
		return s.existingReport(ctx, tx, it)
	}
	cur, found, err := s.lockHost(ctx, tx, r.Host.HostID)
	if err != nil {
		return store.Outcome{}, err
	}
	if !found {
		inserted, err := s.insertHost(ctx, tx, it, sum, d.Digest)
		if err != nil {
			return store.Outcome{}, err
		}
		if inserted {
			_, change, err := s.syncFindings(ctx, tx, reportVerdict(it, d, scanned, -1))
			if err == nil {
				err = s.syncUpdates(ctx, tx, it, 0, true, false, fleet)
			}
			if err != nil {
				return store.Outcome{}, err
			}
			after := reportShare(it.Tenant, r)
			after.groups, after.trend, after.ages = change.after(), change.trend, change.ages
			fleet.move(nil, after)
			return store.Outcome{Result: store.Created, Latest: true}, nil
		}
		// Another replica inserted the host first: it is committed now.
		if cur, found, err = s.lockHost(ctx, tx, r.Host.HostID); err != nil {
			return store.Outcome{}, err
		} else if !found {
			return store.Outcome{}, fmt.Errorf("host %s vanished", r.Host.HostID)
		}
	}
	if cur.tenant != it.Tenant {
		if _, err := s.exec(ctx, tx, s.q.deleteReport, r.Host.HostID, r.ReportID); err != nil {
			return store.Outcome{}, fmt.Errorf("undo report: %w", err)
		}
		return store.Outcome{Result: store.Forbidden}, nil
	}
	if !latestOrder(micros(it.ReceivedAt), scanned, r.ReportID, cur) {
		return store.Outcome{Result: store.Created}, nil
	}
	sync := d.Digest != cur.digest || cur.unverified > 0
	// Open findings opened after this report's scan move back to it (the
	// previous state was dated ahead of the clock): their trend share is
	// read before and after, which only such a report pays.
	clamp := scanned < cur.scannedAt
	before := &cur.share
	if clamp {
		var err error
		if before.trend, before.ages, err = s.readTrend(ctx, tx, r.Host.HostID); err != nil {
			return store.Outcome{}, err
		}
	}
	// Unsynced, the host keeps its open findings; their groups are read
	// only when the host moves to another row of fleet_hosts (tier, OS).
	moved := before.tier != string(r.Profile.Tier) || before.osID != r.Host.OS.ID || before.osVersion != r.Host.OS.VersionID
	var kept map[groupKey]groupShare
	if !sync && moved {
		if kept, err = s.readGroups(ctx, tx, r.Host.HostID); err != nil {
			return store.Outcome{}, err
		}
	}
	updated, err := s.updateHost(ctx, tx, it, sum, d.Digest, cur)
	if err != nil || !updated {
		return store.Outcome{Result: store.Created}, err
	}
	latest := store.Outcome{Result: store.Created, Latest: true}
	change, err := s.syncReport(ctx, tx, it, d, cur, sync)
	if err == nil {
		err = s.syncUpdates(ctx, tx, it, cur.updatesDigest, false, clamp, fleet)
	}
	if err != nil {
		return latest, err
	}
	after := reportShare(it.Tenant, r)
	switch {
	case change != nil:
		before.groups, after.groups, after.trend, after.ages = change.before, change.after(), change.trend, change.ages
	case moved:
		before.groups, after.groups = kept, kept
	}
	if clamp {
		if after.trend, after.ages, err = s.readTrend(ctx, tx, r.Host.HostID); err != nil {
			return latest, err
		}
	}
	fleet.move(before, after)
	return latest, nil
}

// syncReport brings the findings of a host whose state a report became in
// line with it (sync: they may differ from the previous state's), and
// returns what the sync changed in the host's share (nil without one).
func (s *Store) syncReport(ctx context.Context, tx *sql.Tx, it *store.Incoming, d *store.Derived, cur hostState, sync bool) (*shareChange, error) {
	r := it.Report
	scanned := micros(r.ScannedAt)
	var change *shareChange
	if sync {
		// Otherwise the same findings as the latest report and none
		// unverified: nothing to write (an open finding's last_seen is its
		// host's scanned_at).
		unverified, ch, err := s.syncFindings(ctx, tx, reportVerdict(it, d, scanned, cur.scannedAt))
		if err != nil {
			return nil, err
		}
		change = ch
		if unverified > 0 || cur.unverified > 0 {
			// The report's summary does not count the findings kept open
			// unverified.
			if err := s.recountHost(ctx, tx, r.Host.HostID); err != nil {
				return nil, err
			}
		}
	}
	if scanned < cur.scannedAt {
		// The previous state was dated later than this one (ahead of the
		// clock): no open finding opened after this report's scan.
		if _, err := s.exec(ctx, tx, s.q.clampFindings, scanned, scanned, scanned, r.Host.HostID, scanned); err != nil {
			return nil, fmt.Errorf("clamp finding times: %w", err)
		}
	}
	return change, nil
}

// existingReport decides between Duplicate and Conflict for a report_id
// that the host already has.
func (s *Store) existingReport(ctx context.Context, tx *sql.Tx, it *store.Incoming) (store.Outcome, error) {
	var tenant string
	var sum []byte
	err := s.queryRow(ctx, tx, s.q.reportByID, it.Report.Host.HostID, it.Report.ReportID).Scan(&tenant, &sum)
	if err != nil {
		return store.Outcome{}, fmt.Errorf("read existing report: %w", err)
	}
	if tenant == it.Tenant && bytes.Equal(sum, it.SHA256[:]) {
		return store.Outcome{Result: store.Duplicate}, nil
	}
	return store.Outcome{Result: store.Conflict}, nil
}

func (s *Store) lockHost(ctx context.Context, tx *sql.Tx, hostID string) (hostState, bool, error) {
	var h hostState
	sh := &h.share
	err := s.queryRow(ctx, tx, s.q.hostState, hostID).Scan(&h.tenant, &h.receivedAt, &h.scannedAt, &h.latest, &h.digest, &h.unverified, &h.updatesDigest,
		&sh.tier, &sh.osID, &sh.osVersion, &sh.osName, &sh.osPretty, &h.hostname, &h.weight, &h.failures)
	sh.tenant, sh.failing = h.tenant, h.failures != ""
	if errors.Is(err, sql.ErrNoRows) {
		return h, false, nil
	}
	if err != nil {
		return h, false, fmt.Errorf("read host: %w", err)
	}
	return h, true, nil
}

// hostValues are the values of hostCols for a report.
func hostValues(it *store.Incoming, sum report.Summary, digest int64) []any {
	r := it.Report
	h, p := r.Host, r.Profile
	return []any{
		it.Tenant, h.Hostname, h.OS.ID, h.OS.VersionID, h.OS.Name, h.OS.PrettyName, h.OS.Family,
		h.Kernel.Release, h.Kernel.Arch, h.Virtualization.System, h.Virtualization.Role, p.Provider,
		string(p.Tier), p.MaintenanceAgreement, p.CustomerManagedVirtualisation, r.Agent.Version,
		r.ReportID, micros(r.ScannedAt), micros(it.ReceivedAt),
		sum.Provider.Critical, sum.Provider.High, sum.Provider.Medium, sum.Provider.Low, sum.Provider.Info,
		sum.Customer.Critical, sum.Customer.High, sum.Customer.Medium, sum.Customer.Low, sum.Customer.Info,
		weight(sum.Provider), digest, collectorFailures(r),
		string(it.Claimed.Tier), it.Claimed.MaintenanceAgreement, it.Claimed.CustomerManagedVirtualisation,
	}
}

// weight orders hosts by their open provider findings, most severe first.
func weight(c report.Counts) int64 {
	w := int64(0)
	for _, n := range []int{c.Critical, c.High, c.Medium, c.Low, c.Info} {
		w = w*1000 + int64(min(n, 999))
	}
	return w
}

func (s *Store) insertHost(ctx context.Context, tx *sql.Tx, it *store.Incoming, sum report.Summary, digest int64) (bool, error) {
	args := append([]any{it.Report.Host.HostID, micros(it.Report.ScannedAt)}, hostValues(it, sum, digest)...)
	res, err := s.exec(ctx, tx, s.q.insertHost, args...)
	if err != nil {
		return false, fmt.Errorf("insert host: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("insert host: %w", err)
	}
	return n == 1, nil
}

// updateHost makes the report the host's state, setting the key columns
// (hostKeyCols) only where they change from cur's.
func (s *Store) updateHost(ctx context.Context, tx *sql.Tx, it *store.Incoming, sum report.Summary, digest int64, cur hostState) (bool, error) {
	r := it.Report
	scanned := micros(r.ScannedAt)
	changed := 0
	for i, diff := range [len(hostKeyCols)]bool{r.Host.Hostname != cur.hostname, weight(sum.Provider) != cur.weight, collectorFailures(r) != cur.failures} {
		if diff {
			changed |= 1 << i
		}
	}
	values := hostValues(it, sum, digest)
	cols := hostUpdateCols(changed)
	args := make([]any, 0, len(cols)+7)
	for _, i := range cols {
		args = append(args, values[i])
	}
	args = append(args, scanned, scanned, r.Host.HostID, it.Tenant, micros(it.ReceivedAt), scanned, r.ReportID)
	res, err := s.exec(ctx, tx, s.q.updateHost[changed], args...)
	if err != nil {
		return false, fmt.Errorf("update host: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("update host: %w", err)
	}
	return n == 1, nil
}
