package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/ingest/store/postgres/pgtest"
	"github.com/demarc/demarc/report"
)

// small is a fleet the tests fill in a second or two.
func small(t *testing.T, storeName string) options {
	t.Helper()
	o := options{hosts: 24, tenants: 3, findings: 12, reports: 2, batch: 8, store: storeName,
		runs: 1, budget: time.Second, ingest: 30, pending: 6, derive: true, rejudge: 10}
	switch storeName {
	case "sqlite":
		o.db = filepath.Join(t.TempDir(), "scale.db")
	case "postgres":
		o.dsn = pgtest.DSN(t)
	}
	return o
}

var stores = []string{"sqlite", "postgres"}

// TestRunPrintsTable runs the whole bench on a small fleet: every endpoint
// answers 200, the ingest stores every report, and the re-judging applies
// a new verdict to every host it takes.
func TestRunPrintsTable(t *testing.T) {
	for _, name := range stores {
		t.Run(name, func(t *testing.T) {
			o := small(t, name)
			var out bytes.Buffer
			if err := run(o, &out); err != nil {
				t.Fatal(err)
			}
			table := out.String()
			rows := regexp.MustCompile(`(?m)^\| (web|GET) .* \| (\d+) \|$`).FindAllStringSubmatch(table, -1)
			if want := len(endpoints("h", "v")); len(rows) != want {
				t.Errorf("%d endpoint rows, want %d:\n%s", len(rows), want, table)
			}
			for _, r := range rows {
				if r[2] != "200" {
					t.Errorf("status %s: %s", r[2], r[0])
				}
			}
			for _, want := range []string{"ingest at size (store.SaveBatch", "re-judging at size (store.Rejudge"} {
				if !strings.Contains(table, want) {
					t.Errorf("the table lacks %q:\n%s", want, table)
				}
			}
			// Every host with a moved finding gets a new verdict; the rest
			// keep theirs.
			m := regexp.MustCompile(`: 10 hosts, \d+ hosts/s; \d+ findings on (\d+) hosts moved in place; applied (\d+), unchanged (\d+), stale 0, missing 0`).FindStringSubmatch(table)
			if m == nil || m[1] != m[2] || m[1] == "0" || atoi(t, m[2])+atoi(t, m[3]) != 10 {
				t.Errorf("re-judging line: %q in\n%s", m, table)
			}
			// 30 reports of 24 hosts: two rounds, each timed.
			if !regexp.MustCompile(`(?m)^reports/s by round over the fleet: \d+ / \d+$`).MatchString(table) {
				t.Errorf("no rate for each of two rounds:\n%s", table)
			}
			if strings.Contains(table, "WARNING") {
				t.Errorf("a warning:\n%s", table)
			}
		})
	}
}

// TestRejudgeAtSize checks what the re-judging stores: each host it takes
// gets the moved versions on its open findings, and a second run moves
// them again (it is not a no-op that a -reuse run would measure).
func TestRejudgeAtSize(t *testing.T) {
	for _, name := range stores {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			o := small(t, name)
			db, err := openStore(ctx, o)
			if err != nil {
				t.Fatal(err)
			}
			defer db.cleanup()
			st := db.st
			if err := st.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if err := recordBasis(st); err != nil {
				t.Fatal(err)
			}
			if err := fill(ctx, st, fleet{o: o, end: time.Now().UTC().Truncate(time.Hour)}, func(int) {}); err != nil {
				t.Fatal(err)
			}
			refs, err := spreadLatest(ctx, st, 8)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, r := range refs {
				seen[r.HostID] = true
			}
			if len(refs) != 8 || len(seen) != 8 {
				t.Fatalf("spreadLatest(8) = %d refs, %d hosts", len(refs), len(seen))
			}
			logf := func(string, ...any) {}
			var suffixes []string
			for range 2 {
				res, err := rejudgeAtSize(ctx, st, 8, 2, logf)
				if err != nil {
					t.Fatal(err)
				}
				if res.hosts != 8 || res.touched == 0 || res.moved < res.touched ||
					res.counts[store.RejudgeApplied] != res.touched || res.counts[store.RejudgeUnchanged] != 8-res.touched {
					t.Fatalf("re-judged %d hosts, %d findings moved on %d; results %v", res.hosts, res.moved, res.touched, res.counts)
				}
				// Every host taken carries the release on each finding the
				// lifecycle data judges.
				var suffix string
				moved := 0
				for _, ref := range refs {
					p, err := st.Findings(ctx, store.AllTenants(), store.FindingFilter{HostID: ref.HostID}, store.Page{Limit: store.MaxLimit})
					if err != nil {
						t.Fatal(err)
					}
					for _, f := range p.Findings {
						_, s, ok := strings.Cut(f.Latest, "+rj")
						if !lifecycleJudged(&f.Finding) {
							if ok {
								t.Errorf("%s %s: the package manager's or an unversioned finding moved: %q", ref.HostID, f.ID, f.Latest)
							}
							continue
						}
						if !ok || strings.Contains(s, "+rj") || (suffix != "" && s != suffix) {
							t.Errorf("%s %s: latest %q, want one release +rj%s", ref.HostID, f.ID, f.Latest, suffix)
						}
						suffix = s
						moved++
					}
				}
				if moved != res.moved {
					t.Errorf("%d stored findings carry the release, %d were moved", moved, res.moved)
				}
				suffixes = append(suffixes, suffix)
			}
			if suffixes[0] == suffixes[1] {
				t.Errorf("both runs named release %s", suffixes[0])
			}
		})
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMoveReleases(t *testing.T) {
	r := &report.Report{Findings: []report.Finding{
		{ID: "a", Kind: report.KindEOL, Latest: "8.3.14"},
		{ID: "b", Kind: report.KindPatchBehind, Layer: report.LayerOperatingSystem, Latest: "1.2-3+esm1"},
		{ID: "c", Kind: report.KindEOL},
		{ID: "d", Kind: report.KindEOL, Latest: "6.5+rj1"},
		// A control panel's build behind the newest release is the
		// lifecycle data's to decide.
		{ID: "e", Kind: report.KindPatchBehind, Layer: report.LayerControlPanel, Latest: "11.118.0.24"},
		{ID: "f", Kind: report.KindPatchBehind, Layer: report.LayerPhysicalHost, Latest: "2.19.1"},
	}}
	if n := moveReleases(r, "+rj2"); n != 4 {
		t.Errorf("moved %d, want 4", n)
	}
	want := []string{"8.3.14+rj2", "1.2-3+esm1", "", "6.5+rj2", "11.118.0.24+rj2", "2.19.1+rj2"}
	for i, f := range r.Findings {
		if f.Latest != want[i] {
			t.Errorf("finding %s: latest %q, want %q", f.ID, f.Latest, want[i])
		}
	}
}

func TestIngestBatches(t *testing.T) {
	// Rounds of 600 hosts: calls of up to DefaultMaxBatch (256), none
	// across a round's end.
	got := ingestBatches(1300, 600)
	want := []batch{{0, 256, 0}, {256, 512, 0}, {512, 600, 0}, {600, 856, 1}, {856, 1112, 1}, {1112, 1200, 1}, {1200, 1300, 2}}
	if !slices.Equal(got, want) {
		t.Errorf("ingestBatches(1300, 600) = %v, want %v", got, want)
	}
	// Rounds smaller than a call: one call a round.
	if got := ingestBatches(30, 24); !slices.Equal(got, []batch{{0, 24, 0}, {24, 30, 1}}) {
		t.Errorf("ingestBatches(30, 24) = %v", got)
	}
}

func TestRoundRates(t *testing.T) {
	milli := time.Millisecond
	span := func(lo, hi, round int, begin, end time.Duration) batchSpan {
		return batchSpan{batch: batch{lo, hi, round}, call: call{begin: begin * milli, end: end * milli}}
	}
	// Round 0: 4 reports in 200 ms; round 1: 4 in 100 ms; round 2: 2 in
	// 100 ms; round 3: none timed.
	spans := []batchSpan{
		span(0, 2, 0, 0, 100), span(2, 4, 0, 100, 200),
		span(4, 6, 1, 200, 250), span(6, 8, 1, 250, 300),
		span(8, 10, 2, 300, 400),
	}
	got := roundRates(spans, 4)
	want := []float64{20, 40, 20, 0}
	if len(got) != len(want) {
		t.Fatalf("roundRates = %v, want %v", got, want)
	}
	for i := range want {
		if d := got[i] - want[i]; d > 1e-6 || d < -1e-6 {
			t.Errorf("round %d: %.3f reports/s, want %.0f", i+1, got[i], want[i])
		}
	}
	// Concurrent writers: a round runs from its first start to its last
	// end, and counts the items of its own calls only.
	got = roundRates([]batchSpan{span(2, 4, 0, 50, 150), span(0, 2, 0, 0, 100), span(4, 5, 1, 120, 170)}, 2)
	if len(got) != 2 || got[0] < 26.66 || got[0] > 26.67 || got[1] < 19.99 || got[1] > 20.01 {
		t.Errorf("overlapping calls: %v, want [26.67 20]", got)
	}
}
