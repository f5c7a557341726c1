package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
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
				res, err := rejudgeAtSize(ctx, st, 8, logf)
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
						if f.Kind == report.KindPatchBehind || f.Latest == "" {
							if ok {
								t.Errorf("%s %s: a patch_behind or unversioned finding moved: %q", ref.HostID, f.ID, f.Latest)
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
		{ID: "b", Kind: report.KindPatchBehind, Latest: "1.2-3+esm1"},
		{ID: "c", Kind: report.KindEOL},
		{ID: "d", Kind: report.KindEOL, Latest: "6.5+rj1"},
	}}
	if n := moveReleases(r, "+rj2"); n != 2 {
		t.Errorf("moved %d, want 2", n)
	}
	want := []string{"8.3.14+rj2", "1.2-3+esm1", "", "6.5+rj2"}
	for i, f := range r.Findings {
		if f.Latest != want[i] {
			t.Errorf("finding %s: latest %q, want %q", f.ID, f.Latest, want[i])
		}
	}
}

func TestRoundRates(t *testing.T) {
	ms := time.Millisecond
	// 4 hosts, 10 reports: rounds [0,4) [4,8) [8,10); batches of 2.
	spans := []batchSpan{
		{start: 0, begin: 0, end: 100 * ms}, {start: 2, begin: 100 * ms, end: 200 * ms},
		{start: 4, begin: 200 * ms, end: 250 * ms}, {start: 6, begin: 250 * ms, end: 300 * ms},
		{start: 8, begin: 300 * ms, end: 400 * ms},
	}
	got := roundRates(spans, 4, 10)
	want := []float64{20, 40, 20}
	if len(got) != len(want) {
		t.Fatalf("roundRates = %v, want %v", got, want)
	}
	for i := range want {
		if d := got[i] - want[i]; d > 1e-6 || d < -1e-6 {
			t.Errorf("round %d: %.3f reports/s, want %.0f", i+1, got[i], want[i])
		}
	}
	// Concurrent writers: a round runs from its first start to its last end.
	got = roundRates([]batchSpan{{start: 2, begin: 50 * ms, end: 150 * ms}, {start: 0, begin: 0, end: 100 * ms}}, 4, 4)
	if len(got) != 1 || got[0] < 26.66 || got[0] > 26.67 {
		t.Errorf("overlapping batches: %v, want [26.67]", got)
	}
}
