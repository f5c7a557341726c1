package storetest

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"maps"
	"sync"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// expectedSummary is the summary a fleet whose hosts' latest verdicts are
// these (host id → verdict, none unverified) must have: a full recount.
func expectedSummary(verdicts map[string]*report.Report) store.Summary {
	sum := store.Summary{Hosts: map[report.Tier]int64{}}
	cells := map[store.Cell]int64{}
	eol := map[store.LayerCount]int64{}
	for _, r := range verdicts {
		sum.Hosts[r.Profile.Tier]++
		for _, f := range r.Findings {
			cells[store.Cell{Tier: r.Profile.Tier, Responsible: f.Responsible, Severity: f.Severity}]++
			if f.Kind == report.KindEOL || f.Kind == report.KindExtendedSupport {
				eol[store.LayerCount{Kind: f.Kind, Layer: f.Layer, Responsible: f.Responsible}]++
			}
		}
	}
	for c, n := range cells {
		c.Count = n
		sum.Open = append(sum.Open, c)
	}
	for c, n := range eol {
		c.Count = n
		sum.EOL = append(sum.EOL, c)
	}
	return sum
}

// sameCounts compares the counts of two summaries, in any order.
func sameCounts(got, want store.Summary) bool {
	cells := func(cs []store.Cell) map[store.Cell]int64 {
		m := map[store.Cell]int64{}
		for _, c := range cs {
			n := c.Count
			c.Count = 0
			m[c] += n
		}
		return m
	}
	eol := func(cs []store.LayerCount) map[store.LayerCount]int64 {
		m := map[store.LayerCount]int64{}
		for _, c := range cs {
			n := c.Count
			c.Count = 0
			m[c] += n
		}
		return m
	}
	return maps.Equal(got.Hosts, want.Hosts) && maps.Equal(cells(got.Open), cells(want.Open)) &&
		maps.Equal(eol(got.EOL), eol(want.EOL)) && got.HostsFailingCollectors == want.HostsFailingCollectors
}

// testRejudgeFleet is issue 13's "import a changed tier for 1,000 hosts:
// every affected host is re-judged; history says why": every host of
// three tenants moves to iaas, swept as the server sweeps (LatestReports,
// the latest body, a new verdict) in batches of 100. The hosts already on
// iaas are unchanged; the summary (per tier, party and severity), each
// host's counts and the tenants' usage are exact against a full recount.
func testRejudgeFleet(t *testing.T, s store.Store) { rejudgeFleet(t, s, 1) }

// testRejudgeFleetConcurrent is testRejudgeFleet with the batches stored
// by four callers at once, as the server's re-judging workers store them
// on PostgreSQL: the aggregates stay exact, and no call fails (a
// deadlock between two transactions would fail one).
func testRejudgeFleetConcurrent(t *testing.T, s store.Store) { rejudgeFleet(t, s, 4) }

// rejudgeFleet sweeps the fleet of testRejudgeFleet, storing its batches
// with workers concurrent Rejudge calls.
func rejudgeFleet(t *testing.T, s store.Store, workers int) {
	const hosts, batch = 1000, 100
	tenants := []string{"acme", "globex", "initech"}
	verdicts := map[string]*report.Report{}
	var items []store.Incoming
	for i := range hosts {
		h := newHost(uint64(5000+i), tenants[i%len(tenants)])
		h.Tier = report.Tiers[i%len(report.Tiers)]
		r := h.Next(t0)
		r.Findings = r.Findings[:min(len(r.Findings), 6)]
		r = judgeOn(r, h.Tier)
		verdicts[h.ID] = r
		items = append(items, Incoming(t, h.Tenant, r))
		if len(items) == batch {
			save(t, s, nil, items...)
			items = nil
		}
	}
	usage := map[string]int64{}
	for _, tn := range tenants {
		n, err := s.TenantUsage(t.Context(), tn)
		if err != nil {
			t.Fatal(err)
		}
		usage[tn] = n
	}

	at := t0.Add(24 * time.Hour)
	const reason = "tier changed to iaas by alice (token 0123…)"
	applied, unchanged, wantApplied := 0, 0, 0
	for _, r := range verdicts {
		if r.Profile.Tier != report.TierIaaS {
			wantApplied++
		}
	}
	p := store.Page{Limit: batch}
	var batches [][]store.Rejudgement
	for range hosts/batch + 2 {
		refs, next, err := s.LatestReports(t.Context(), store.AllTenants(), store.HostFilter{}, p)
		if err != nil {
			t.Fatal(err)
		}
		var rj []store.Rejudgement
		for _, ref := range refs {
			r := latestBody(t, s, ref)
			v := judgeOn(r, report.TierIaaS)
			verdicts[ref.HostID] = v
			rj = append(rj, store.Rejudgement{HostID: ref.HostID, Tenant: ref.Tenant, ReportID: ref.ReportID, Report: v, Reason: reason, At: at})
		}
		batches = append(batches, rj)
		if next == "" {
			break
		}
		p.Cursor = next
	}
	var mu sync.Mutex
	var g errgroup.Group
	g.SetLimit(workers)
	for _, rj := range batches {
		g.Go(func() error {
			res, err := s.Rejudge(t.Context(), rj)
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			for _, r := range res {
				switch r {
				case store.RejudgeApplied:
					applied++
				case store.RejudgeUnchanged:
					unchanged++
				default:
					t.Errorf("result %v, want applied or unchanged", r)
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatalf("Rejudge (%d at once): %v", workers, err)
	}
	if applied != wantApplied || applied+unchanged != hosts {
		t.Errorf("%d applied and %d unchanged, want %d applied of %d", applied, unchanged, wantApplied, hosts)
	}

	sum, err := s.Summary(t.Context(), store.AllTenants())
	if err != nil {
		t.Fatal(err)
	}
	if want := expectedSummary(verdicts); !sameCounts(sum, want) {
		t.Errorf("summary after the sweep\n got  %+v\n want %+v", sum, want)
	}
	for _, tn := range tenants {
		mine := map[string]*report.Report{}
		for _, h := range allHosts(t, s, store.TenantScope(tn), store.HostFilter{}, store.MaxLimit) {
			v := verdicts[h.HostID]
			mine[h.HostID] = v
			if h.Tier != report.TierIaaS || h.Open != report.Summarize(v.Findings) || h.Unverified != 0 {
				t.Errorf("host %s: tier %s, open %+v, want iaas, %+v", h.HostID, h.Tier, h.Open, report.Summarize(v.Findings))
			}
		}
		sum, err := s.Summary(t.Context(), store.TenantScope(tn))
		if err != nil {
			t.Fatal(err)
		}
		if want := expectedSummary(mine); !sameCounts(sum, want) {
			t.Errorf("%s's summary after the sweep\n got  %+v\n want %+v", tn, sum, want)
		}
		if n, err := s.TenantUsage(t.Context(), tn); err != nil || n != usage[tn] {
			t.Errorf("%s's usage %d after the sweep (%v), want %d", tn, n, err, usage[tn])
		}
	}
	// History says why: every finding of a host that moved has the
	// reason, none of a host already on iaas.
	moved, kept := 0, 0
	for _, f := range allFindings(t, s, store.AllTenants(), store.FindingFilter{}) {
		switch {
		case f.Reason == reason && f.ReasonAt != nil && f.ReasonAt.Equal(at):
			moved++
		case f.Reason == "":
			kept++
		default:
			t.Errorf("finding %s/%s: reason %q at %v", f.HostID, f.ID, f.Reason, f.ReasonAt)
		}
	}
	if moved == 0 || kept == 0 {
		t.Errorf("%d findings with the reason, %d without: want both", moved, kept)
	}
}

// latestBody decodes the stored body of a host's latest report.
func latestBody(t *testing.T, s store.Store, ref store.LatestRef) *report.Report {
	t.Helper()
	gz, err := s.HostReportBody(t.Context(), store.TenantScope(ref.Tenant), ref.HostID, ref.ReportID)
	if err != nil {
		t.Fatalf("HostReportBody(%s): %v", ref.HostID, err)
	}
	body := gz
	if zr, err := gzip.NewReader(bytes.NewReader(gz)); err == nil {
		if body, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	var r report.Report
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("decode %s: %v", ref.ReportID, err)
	}
	return &r
}
