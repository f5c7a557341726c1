package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/demarc/demarc/report"
)

// The fleet aggregates (fleet_hosts, fleet_findings; migration 10) count
// hosts and open findings by group, so that the fleet views cost
// O(groups), not O(findings). Every write that changes a host's row or
// its open findings takes the host's share away before the change and
// adds it back after, in its own transaction (a fleetDelta applied at the
// end: SaveBatch, Rejudge). Nothing else changes them: Prune deletes only
// resolved findings and old report bodies.

// groupKey is a group of open findings of one host: party, severity, kind,
// layer, product (lower case) and release cycle.
type groupKey struct {
	resp, sev, kind, layer, productKey, cycle string
}

// groupOf is f's group.
func groupOf(f *report.Finding) groupKey {
	return groupKey{string(f.Responsible), string(f.Severity), string(f.Kind), string(f.Layer), strings.ToLower(f.Product), f.Cycle}
}

// groupShare is a host's open findings of one group.
type groupShare struct {
	n       int64
	rank    int
	product string
}

// hostShare is what one host adds to the aggregates.
type hostShare struct {
	tenant, tier, osID, osVersion, osName, osPretty string
	failing                                         bool
	groups                                          map[groupKey]groupShare
	// trend is the host's findings' share of fleet_trend, or what a sync
	// changed in it on the share after the sync (nil: none).
	trend map[trendKey]int64
	// ages is the host's open findings' share of fleet_open_age, or what
	// a sync changed in it, like trend.
	ages map[ageKey]int64
}

// osEOL reports whether the host has an open eol finding on its OS.
func (h *hostShare) osEOL() bool {
	for k := range h.groups {
		if k.kind == string(report.KindEOL) && k.layer == string(report.LayerOperatingSystem) {
			return true
		}
	}
	return false
}

type fleetHostKey struct{ tenant, tier, osID, osVersion string }

type fleetHostVal struct {
	name, pretty          string
	hosts, failing, osEOL int64
}

type fleetFindingKey struct {
	tenant, tier string
	groupKey
}

type fleetFindingVal struct {
	rank            int
	product         string
	findings, hosts int64
}

// fleetDelta is the change of one transaction to the aggregates.
type fleetDelta struct {
	hosts    map[fleetHostKey]*fleetHostVal
	findings map[fleetFindingKey]*fleetFindingVal
	// trend holds opened and resolved per tenant, party and day.
	trend map[fleetTrendKey]*[2]int64
	// ages holds open findings per tenant, party, severity and opening day.
	ages map[fleetAgeKey]int64
	// updates holds hosts and security hosts per tenant and pending
	// package name.
	updates map[fleetUpdateKey]*[2]int64
}

func newFleetDelta() *fleetDelta {
	return &fleetDelta{hosts: map[fleetHostKey]*fleetHostVal{}, findings: map[fleetFindingKey]*fleetFindingVal{},
		trend: map[fleetTrendKey]*[2]int64{}, ages: map[fleetAgeKey]int64{},
		updates: map[fleetUpdateKey]*[2]int64{}}
}

// add adds a host's share (sign 1) or takes it away (sign -1).
func (d *fleetDelta) add(h *hostShare, sign int64) {
	hk := fleetHostKey{h.tenant, h.tier, h.osID, h.osVersion}
	hv := d.hosts[hk]
	if hv == nil {
		hv = &fleetHostVal{name: h.osName, pretty: h.osPretty}
		d.hosts[hk] = hv
	}
	hv.hosts += sign
	if h.failing {
		hv.failing += sign
	}
	if h.osEOL() {
		hv.osEOL += sign
	}
	for g, s := range h.groups {
		fk := fleetFindingKey{h.tenant, h.tier, g}
		fv := d.findings[fk]
		if fv == nil {
			fv = &fleetFindingVal{rank: s.rank, product: s.product}
			d.findings[fk] = fv
		}
		fv.findings += sign * s.n
		fv.hosts += sign
	}
	for k, n := range h.trend {
		d.addTrend(h.tenant, k, sign*n)
	}
	for k, n := range h.ages {
		d.ages[fleetAgeKey{h.tenant, k}] += sign * n
	}
}

// move takes before away and adds after (nil: no host).
func (d *fleetDelta) move(before, after *hostShare) {
	if before != nil {
		d.add(before, -1)
	}
	if after != nil {
		d.add(after, 1)
	}
}

// reportShare is the row of a host just stored from its first report r
// (its groups and trend come from the sync of its findings).
func reportShare(tenant string, r *report.Report) *hostShare {
	return &hostShare{tenant: tenant, tier: string(r.Profile.Tier), osID: r.Host.OS.ID, osVersion: r.Host.OS.VersionID,
		osName: r.Host.OS.Name, osPretty: r.Host.OS.PrettyName, failing: collectorFailures(r) != ""}
}

// openEntry is an open finding's group.
type openEntry struct {
	group   groupKey
	rank    int
	product string
}

// shareChange is what one sync of a host's findings changes in its share
// of the aggregates, worked out in memory from the findings the sync read
// and what it wrote over them (the statements of findings_sync.go and
// their CASEs): the open findings after it, their groups before it, and
// the change of the trend share.
type shareChange struct {
	open   map[string]openEntry
	before map[groupKey]groupShare
	trend  map[trendKey]int64
	ages   map[ageKey]int64
}

func newShareChange(existing map[string]storedFinding) *shareChange {
	c := &shareChange{open: map[string]openEntry{}, trend: map[trendKey]int64{}, ages: map[ageKey]int64{}}
	for id, e := range existing {
		if e.open {
			c.open[id] = openEntry{e.group, e.rank, e.product}
		}
	}
	c.before = groupsOf(c.open)
	return c
}

// upserted records f written over the stored e (ok: there was one): open
// after it, since e's opening when e was open, else since at.
func (c *shareChange) upserted(f *report.Finding, e storedFinding, ok bool, at int64) {
	k := groupOf(f)
	c.open[f.ID] = openEntry{k, f.Severity.Rank(), f.Product}
	opened := at
	if ok {
		if e.open {
			opened = e.opened
			c.ages[ageKey{e.group.resp, e.group.sev, ageDay(e.opened)}]--
		}
		addFinding(c.trend, e.group.resp, e.opened, e.resolved, -1)
	}
	addFinding(c.trend, k.resp, opened, nil, 1)
	c.ages[ageKey{k.resp, k.sev, ageDay(opened)}]++
}

// resolved records the open finding e resolved at at.
func (c *shareChange) resolved(id string, e storedFinding, at int64) {
	delete(c.open, id)
	c.ages[ageKey{e.group.resp, e.group.sev, ageDay(e.opened)}]--
	addFinding(c.trend, e.group.resp, e.opened, nil, -1)
	addFinding(c.trend, e.group.resp, e.opened, &at, 1)
}

// after is the host's open findings by group after the sync.
func (c *shareChange) after() map[groupKey]groupShare { return groupsOf(c.open) }

// groupsOf counts open findings by group, as readGroups reads them.
func groupsOf(open map[string]openEntry) map[groupKey]groupShare {
	out := map[groupKey]groupShare{}
	for _, e := range open {
		g, ok := out[e.group]
		if !ok || e.product < g.product {
			g.product = e.product
		}
		g.n++
		g.rank = e.rank
		out[e.group] = g
	}
	return out
}

const (
	readShareHost = `SELECT tenant, tier, os_id, os_version_id, os_name, os_pretty_name, collector_failures <> '' FROM hosts WHERE host_id = ?`
	readShareOpen = `SELECT responsible, severity, kind, layer, product_key, cycle, MIN(sev_rank), MIN(product), COUNT(*)
FROM findings WHERE host_id = ? AND resolved_at IS NULL GROUP BY responsible, severity, kind, layer, product_key, cycle`
	upsertFleetHosts = `INSERT INTO fleet_hosts (tenant, tier, os_id, os_version_id, shard, os_name, os_pretty_name, hosts, failing, os_eol)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant, tier, os_id, os_version_id, shard) DO UPDATE SET
hosts = fleet_hosts.hosts + excluded.hosts, failing = fleet_hosts.failing + excluded.failing, os_eol = fleet_hosts.os_eol + excluded.os_eol,
os_name = CASE WHEN excluded.os_name > fleet_hosts.os_name THEN excluded.os_name ELSE fleet_hosts.os_name END,
os_pretty_name = CASE WHEN excluded.os_pretty_name > fleet_hosts.os_pretty_name THEN excluded.os_pretty_name ELSE fleet_hosts.os_pretty_name END`
	upsertFleetFindings = `INSERT INTO fleet_findings (tenant, tier, responsible, severity, kind, layer, product_key, cycle, shard, sev_rank, product, findings, hosts)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant, tier, responsible, severity, kind, layer, product_key, cycle, shard) DO UPDATE SET
findings = fleet_findings.findings + excluded.findings, hosts = fleet_findings.hosts + excluded.hosts`
)

// readShare reads a host's row in tx as a share without groups or trend
// (a host not stored has none: nil).
func (s *Store) readShare(ctx context.Context, tx *sql.Tx, hostID string) (*hostShare, error) {
	h := &hostShare{}
	err := s.queryRow(ctx, tx, s.q.shareHost, hostID).Scan(&h.tenant, &h.tier, &h.osID, &h.osVersion,
		&h.osName, &h.osPretty, &h.failing)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read host share: %w", err)
	}
	return h, nil
}

// readGroups reads a host's open findings by group in tx.
func (s *Store) readGroups(ctx context.Context, tx *sql.Tx, hostID string) (map[groupKey]groupShare, error) {
	st, err := s.stmt(ctx, tx, s.q.shareOpen)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, hostID)
	if err != nil {
		return nil, fmt.Errorf("read host groups: %w", err)
	}
	defer rows.Close()
	out := map[groupKey]groupShare{}
	for rows.Next() {
		var k groupKey
		var g groupShare
		if err := rows.Scan(&k.resp, &k.sev, &k.kind, &k.layer, &k.productKey, &k.cycle, &g.rank, &g.product, &g.n); err != nil {
			return nil, fmt.Errorf("read host groups: %w", err)
		}
		out[k] = g
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read host groups: %w", err)
	}
	return out, nil
}

// applyFleet adds d to the aggregates' shard in tx, rows in key order
// (after every host lock of the transaction, and in one order, so that
// concurrent writers cannot deadlock on them). Rows that do not change
// are not written.
func (s *Store) applyFleet(ctx context.Context, tx *sql.Tx, d *fleetDelta, shard int) error {
	hk := make([]fleetHostKey, 0, len(d.hosts))
	for k, v := range d.hosts {
		if v.hosts != 0 || v.failing != 0 || v.osEOL != 0 {
			hk = append(hk, k)
		}
	}
	slices.SortFunc(hk, func(a, b fleetHostKey) int {
		return cmp.Or(cmp.Compare(a.tenant, b.tenant), cmp.Compare(a.tier, b.tier), cmp.Compare(a.osID, b.osID), cmp.Compare(a.osVersion, b.osVersion))
	})
	for _, k := range hk {
		v := d.hosts[k]
		if _, err := s.exec(ctx, tx, s.q.upsertFleetHosts, k.tenant, k.tier, k.osID, k.osVersion, shard,
			v.name, v.pretty, v.hosts, v.failing, v.osEOL); err != nil {
			return fmt.Errorf("fleet hosts: %w", err)
		}
	}
	if err := s.applyTrend(ctx, tx, d, shard); err != nil {
		return err
	}
	if err := s.applyAges(ctx, tx, d, shard); err != nil {
		return err
	}
	if err := s.applyUpdates(ctx, tx, d, shard); err != nil {
		return err
	}
	fk := make([]fleetFindingKey, 0, len(d.findings))
	for k, v := range d.findings {
		if v.findings != 0 || v.hosts != 0 {
			fk = append(fk, k)
		}
	}
	slices.SortFunc(fk, func(a, b fleetFindingKey) int {
		return cmp.Or(cmp.Compare(a.tenant, b.tenant), cmp.Compare(a.tier, b.tier), cmp.Compare(a.resp, b.resp),
			cmp.Compare(a.sev, b.sev), cmp.Compare(a.kind, b.kind), cmp.Compare(a.layer, b.layer),
			cmp.Compare(a.productKey, b.productKey), cmp.Compare(a.cycle, b.cycle))
	})
	for _, k := range fk {
		v := d.findings[k]
		if _, err := s.exec(ctx, tx, s.q.upsertFleetFindings, k.tenant, k.tier, k.resp, k.sev, k.kind, k.layer,
			k.productKey, k.cycle, shard, v.rank, v.product, v.findings, v.hosts); err != nil {
			return fmt.Errorf("fleet findings: %w", err)
		}
	}
	return nil
}
