package storetest

import (
	"context"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/internal/reportgen"
	"github.com/demarc/demarc/report"
)

// fleetChecker is a store that keeps fleet aggregates and can recount
// them (sqlstore.Store.CheckFleet).
type fleetChecker interface {
	CheckFleet(ctx context.Context) error
}

// testFleetAggregates is issue 14's guard: after random ingest (new hosts,
// drifting findings, tier and OS changes, failed collectors leaving
// findings unverified, findings resolved, duplicates and reports received
// out of order), re-judging and retention pruning, the fleet aggregates
// equal a full recount after every step, and the summary read from them
// equals the counts of the hosts and findings listed page by page.
func testFleetAggregates(t *testing.T, s store.Store) {
	fc, ok := s.(fleetChecker)
	if !ok {
		t.Skip("the store keeps no fleet aggregates")
	}
	type sim struct {
		h      *reportgen.Host
		tenant string
		at     time.Time
		latest *report.Report
	}
	rng := rand.New(rand.NewPCG(14, 14))
	var hosts []*sim
	for i := range 14 {
		tenant := []string{"acme", "globex"}[i%2]
		h := reportgen.NewHost(uint64(1400+i), i, tenant, 12, 0.3)
		if i%3 != 2 {
			h.WithUpdates(4, 16) // pending packages, some with advisories: fleet_updates and host_update_refs
		}
		hosts = append(hosts, &sim{h: h, tenant: tenant, at: t0})
	}
	check := func(step string) {
		t.Helper()
		if err := fc.CheckFleet(t.Context()); err != nil {
			t.Fatalf("after %s: %v", step, err)
		}
	}
	for round := range 10 {
		var batch []store.Incoming
		var sims []*sim
		for _, h := range hosts[:min(len(hosts), 6+round)] {
			if rng.IntN(4) == 0 {
				continue
			}
			h.at = h.at.Add(time.Duration(1+rng.IntN(30)) * time.Hour)
			scan := h.at
			if rng.IntN(8) == 0 {
				// Received last but scanned before the host's state (that
				// one was dated ahead): open findings' times move back.
				scan = h.at.Add(-40 * time.Hour)
			}
			r := varied(rng, h.h.Next(scan))
			in := Incoming(t, h.tenant, r)
			if rng.IntN(8) == 0 {
				in.ReceivedAt = t0 // received before the host's latest: history only
			}
			batch = append(batch, in)
			sims = append(sims, h)
			if rng.IntN(6) == 0 {
				batch = append(batch, in) // the same report twice: a duplicate
				sims = append(sims, h)
			}
		}
		out := save(t, s, nil, batch...)
		for i, o := range out {
			if o.Latest {
				sims[i].latest = batch[i].Report
			}
		}
		check("ingest round " + string(rune('0'+round)))
		var items []store.Rejudgement
		for _, h := range hosts {
			if h.latest != nil && rng.IntN(3) == 0 {
				v := judgeOn(h.latest, report.Tiers[rng.IntN(len(report.Tiers))])
				items = append(items, rejudgement(h.tenant, v, "fleet test", h.at.Add(time.Minute)))
			}
		}
		if len(items) > 0 {
			rejudge(t, s, items...)
			for _, it := range items {
				for _, h := range hosts {
					if h.latest != nil && h.latest.ReportID == it.ReportID {
						h.latest = it.Report
					}
				}
			}
			check("re-judging")
		}
		if round == 6 {
			if _, err := s.Prune(t.Context(), t0.Add(60*time.Hour)); err != nil {
				t.Fatal(err)
			}
			check("pruning")
		}
	}
	for _, sc := range []store.Scope{store.AllTenants(), store.TenantScope("acme")} {
		summaryMatchesListing(t, s, sc)
		trendMatchesListing(t, s, sc)
		ageMatchesListing(t, s, sc, "")
	}
	ageMatchesListing(t, s, store.AllTenants(), "globex")
	for _, sc := range []store.Scope{store.AllTenants(), store.TenantScope("acme")} {
		packagesMatchListing(t, s, sc)
	}
	ageMatchesListing(t, s, store.TenantScope("acme"), "globex") // a forged tenant: nothing
}

// trendMatchesListing compares the trend at midnights (from the
// aggregate) and at other instants with counts of every finding listed:
// open at t when opened by t and not resolved by t.
func trendMatchesListing(t *testing.T, s store.Store, sc store.Scope) {
	t.Helper()
	fs := allFindings(t, s, sc, store.FindingFilter{Status: store.StatusAny})
	var at []time.Time
	for d := range 14 {
		m := t0.Truncate(24 * time.Hour).Add(time.Duration(d) * 24 * time.Hour)
		at = append(at, m, m.Add(7*time.Hour+time.Microsecond))
	}
	got, err := s.Trend(t.Context(), sc, at)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range got {
		var want store.TrendPoint
		for _, f := range fs {
			if f.OpenedAt.After(at[i]) || (f.ResolvedAt != nil && !f.ResolvedAt.After(at[i])) {
				continue
			}
			if f.Responsible == report.ResponsibleProvider {
				want.Provider++
			} else {
				want.Customer++
			}
		}
		if p.Provider != want.Provider || p.Customer != want.Customer || !p.At.Equal(at[i]) {
			t.Errorf("scope %+v, trend at %v: %+v, listed %d provider, %d customer", sc, at[i], p, want.Provider, want.Customer)
		}
	}
}

// varied changes a report at random the ways a fleet does: a tier change,
// a failed collector, findings fixed, an OS upgrade, another tier
// claimed, newer versions released (a finding's latest, a package's
// candidate) with a finding's severity raised, or nothing.
func varied(rng *rand.Rand, r *report.Report) *report.Report {
	switch rng.IntN(8) {
	case 0:
		r = judgeOn(r, report.Tiers[rng.IntN(len(report.Tiers))])
	case 1:
		r.Findings = r.Findings[:len(r.Findings)/2]
		r.Collectors = issue13Runs(map[string]report.CollectorStatus{"packages": report.CollectorFailed, "webapps": report.CollectorPartial})
	case 2:
		r.Findings = r.Findings[:len(r.Findings)/2]
		r.Collectors = issue13Runs(nil)
	case 3:
		r.Host.OS.VersionID += ".1"
	case 4:
		// Another tier claimed, the same findings: the host's findings
		// move to the other tier's rows.
		r.Profile.Tier = report.Tiers[rng.IntN(len(report.Tiers))]
	case 5:
		if r.Updates != nil {
			// The security data changed: the advisories withdrawn, the
			// packages the same, no longer security updates.
			u := *r.Updates
			u.Packages = slices.Clone(u.Packages)
			for i := range u.Packages {
				p := &u.Packages[i]
				p.Advisories, p.CVEs, p.Severity, p.Security = nil, nil, "", false
			}
			r.Updates = &u
		}
	case 6:
		// Stored as a refresh of unindexed columns (the first) and as a
		// move to another group (the last).
		r.Findings = slices.Clone(r.Findings)
		if n := len(r.Findings); n > 0 {
			r.Findings[0].Latest += ".1"
			r.Findings[n-1].Latest += ".1"
			r.Findings[n-1].Severity = report.SeverityCritical
		}
		if r.Updates != nil && len(r.Updates.Packages) > 0 {
			u := *r.Updates
			u.Packages = slices.Clone(u.Packages)
			u.Packages[0].Candidate += ".1"
			r.Updates = &u
		}
	}
	r.Summary = report.Summarize(r.Findings)
	return r
}

// summaryMatchesListing compares the summary (aggregates) with counts of
// every host and open finding in scope, listed page by page.
func summaryMatchesListing(t *testing.T, s store.Store, sc store.Scope) {
	t.Helper()
	sum, err := s.Summary(t.Context(), sc)
	if err != nil {
		t.Fatal(err)
	}
	counts, err := s.Counts(t.Context(), sc)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(counts.Hosts, sum.Hosts) || !slices.Equal(counts.Open, sum.Open) || counts.HostsFailingCollectors != sum.HostsFailingCollectors {
		t.Errorf("scope %+v: Counts %+v, Summary %+v", sc, counts, sum)
	}
	hosts := map[report.Tier]int64{}
	failing := int64(0)
	for _, h := range allHosts(t, s, sc, store.HostFilter{}, 50) {
		hosts[h.Tier]++
		if len(h.FailingCollectors) > 0 {
			failing++
		}
	}
	cells := map[store.Cell]int64{}
	for _, f := range allFindings(t, s, sc, store.FindingFilter{}) {
		cells[store.Cell{Tier: f.Tier, Responsible: f.Responsible, Severity: f.Severity}]++
	}
	got := map[store.Cell]int64{}
	for _, c := range sum.Open {
		n := c.Count
		c.Count = 0
		got[c] = n
	}
	if !maps.Equal(got, cells) || !maps.Equal(sum.Hosts, hosts) || sum.HostsFailingCollectors != failing {
		t.Errorf("scope %+v: summary hosts %v, failing %d, open %v; listed hosts %v, failing %d, open %v",
			sc, sum.Hosts, sum.HostsFailingCollectors, got, hosts, failing, cells)
	}
	for _, f := range []store.HostFilter{{FailingCollectors: true}, {Tier: report.TierManaged}, {Tier: report.TierIaaS, FailingCollectors: true}} {
		n, err := s.CountHosts(t.Context(), sc, f)
		if want := len(allHosts(t, s, sc, f, 50)); err != nil || n != int64(want) {
			t.Errorf("scope %+v filter %+v: CountHosts %d (%v), Hosts lists %d", sc, f, n, err, want)
		}
	}
	if !slices.IsSortedFunc(sum.Open, func(a, b store.Cell) int {
		return compareStrings(string(a.Tier)+"/"+string(a.Responsible)+"/"+string(a.Severity), string(b.Tier)+"/"+string(b.Responsible)+"/"+string(b.Severity))
	}) {
		t.Errorf("summary cells out of order: %v", sum.Open)
	}
}

// FleetBackfill checks migrations 10, 11 and 18 on a database that already
// holds hosts and findings (open, unverified and resolved): it undoes
// them with exec (raw SQL on the store's database), migrates again, and
// expects aggregates equal to a full recount and the same summary.
func FleetBackfill(t *testing.T, s store.Store, exec func(q string) error) {
	fc, ok := s.(fleetChecker)
	if !ok {
		t.Skip("the store keeps no fleet aggregates")
	}
	for i := range 6 {
		tenant := []string{"acme", "globex"}[i%2]
		h := reportgen.NewHost(uint64(1450+i), i, tenant, 10, 0.5).WithUpdates(3, 10)
		first := Incoming(t, tenant, h.Next(t0))
		r := h.Next(t0.Add(30 * time.Hour))
		r.Findings = r.Findings[:len(r.Findings)-i]
		if i%3 == 0 {
			r.Collectors = issue13Runs(map[string]report.CollectorStatus{"packages": report.CollectorFailed})
		}
		r.Summary = report.Summarize(r.Findings)
		save(t, s, nil, first)
		save(t, s, nil, Incoming(t, tenant, r))
	}
	before, err := s.Summary(t.Context(), store.AllTenants())
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TABLE fleet_hosts`, `DROP TABLE fleet_findings`, `DROP TABLE fleet_trend`, `DROP TABLE fleet_open_age`,
		`DROP INDEX findings_open_group`, `DROP TABLE fleet_updates`, `DROP TABLE host_update_refs`,
		`ALTER TABLE host_updates DROP COLUMN severity`, `ALTER TABLE host_updates DROP COLUMN advisories`, `ALTER TABLE host_updates DROP COLUMN cves`,
		`DELETE FROM schema_migrations WHERE version IN (10, 11, 18, 21)`} {
		if err := exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := fc.CheckFleet(t.Context()); err != nil {
		t.Fatal(err)
	}
	after, err := s.Summary(t.Context(), store.AllTenants())
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(before.Hosts, after.Hosts) || !slices.Equal(before.Open, after.Open) || !slices.Equal(before.EOL, after.EOL) ||
		before.HostsFailingCollectors != after.HostsFailingCollectors || before.HostsFailingCollectors == 0 {
		t.Errorf("summary before the migration %+v, after %+v", before, after)
	}
	trendMatchesListing(t, s, store.AllTenants())
}
