package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/demarc/demarc/ingest"
	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// rejudgeResult is the re-judging at size: hosts/s stored, what the
// store made of them, the process's I/O per host and the batches' times.
type rejudgeResult struct {
	hosts   int
	rate    float64
	moved   int // findings whose latest version moved, over all hosts
	touched int // hosts with a finding moved (the others' verdict stays)
	counts  map[store.RejudgeResult]int
	io      procIO
	batches []time.Duration
	writers int
}

// rejudgeAtSize re-judges n hosts spread over the fleet as demarc-server
// does when new lifecycle data moves products' latest releases: each
// host's latest report, read back from the store, with the latest version
// of every finding the lifecycle data decides (all but the package
// manager's: patch_behind in the operating system) moved to a newer
// release, stored with store.Rejudge, ingest.RejudgeBatch hosts a call,
// writers calls at once (the server's re-judging workers). The
// same gaps stay open: each moved finding changes in place. Each run moves
// the versions again (the new release is named by the run's clock), so a
// -reuse run re-judges too. As the server, it dates the verdicts now.
func rejudgeAtSize(ctx context.Context, st store.Store, n, writers int, logf func(string, ...any)) (res rejudgeResult, err error) {
	t := time.Now()
	refs, err := spreadLatest(ctx, st, n)
	if err != nil {
		return res, err
	}
	now := t.UTC().Truncate(time.Millisecond)
	release := fmt.Sprintf("+rj%d", t.UnixNano())
	items := make([]store.Rejudgement, 0, len(refs))
	for _, ref := range refs {
		body, err := st.HostReportBody(ctx, store.AllTenants(), ref.HostID, ref.ReportID)
		if err != nil {
			return res, fmt.Errorf("latest report of %s: %w", ref.HostID, err)
		}
		var r report.Report
		if err := json.Unmarshal(body, &r); err != nil {
			return res, fmt.Errorf("latest report of %s: %w", ref.HostID, err)
		}
		if m := moveReleases(&r, release); m > 0 {
			res.moved += m
			res.touched++
		}
		items = append(items, store.Rejudgement{HostID: ref.HostID, Tenant: ref.Tenant, ReportID: ref.ReportID,
			Report: &r, Reason: "lifecycle data " + release, At: now})
	}
	logf("re-judging %d hosts (%d findings on %d of them move; read and prepared in %s)", len(items), res.moved, res.touched, time.Since(t).Round(time.Millisecond))
	res.hosts, res.counts, res.writers = len(items), map[store.RejudgeResult]int{}, writers
	io0 := readProcIO()
	t = time.Now()
	outs := make([][]store.RejudgeResult, (len(items)+ingest.RejudgeBatch-1)/ingest.RejudgeBatch)
	calls, err := timedCalls(ctx, writers, len(outs), func(ctx context.Context, i int) (err error) {
		outs[i], err = st.Rejudge(ctx, items[i*ingest.RejudgeBatch:min((i+1)*ingest.RejudgeBatch, len(items))])
		return err
	})
	if err != nil {
		return res, err
	}
	res.rate = float64(len(items)) / time.Since(t).Seconds()
	res.io = readProcIO().since(io0, len(items))
	for i, c := range calls {
		res.batches = append(res.batches, c.end-c.begin)
		for _, o := range outs[i] {
			res.counts[o]++
		}
	}
	return res, nil
}

// spreadLatest lists the stored hosts with their latest report, by host
// id, and keeps n of them spread evenly over the list (every host when n
// is the fleet or more).
func spreadLatest(ctx context.Context, st store.Store, n int) ([]store.LatestRef, error) {
	var all []store.LatestRef
	p := store.Page{Limit: store.MaxLimit}
	for {
		refs, next, err := st.LatestReports(ctx, store.AllTenants(), store.HostFilter{}, p)
		if err != nil {
			return nil, fmt.Errorf("list latest reports: %w", err)
		}
		all = append(all, refs...)
		if next == "" {
			break
		}
		p.Cursor = next
	}
	if n >= len(all) {
		return all, nil
	}
	out := make([]store.LatestRef, n)
	for i := range out {
		out[i] = all[i*len(all)/n]
	}
	return out, nil
}

// moveReleases names release as the newer version that closes each
// lifecycle-judged finding of r (a version moved by an earlier run loses
// that run's suffix first) and returns how many it moved.
func moveReleases(r *report.Report, release string) int {
	n := 0
	for i := range r.Findings {
		f := &r.Findings[i]
		if !lifecycleJudged(f) {
			continue
		}
		base, _, _ := strings.Cut(f.Latest, "+rj")
		f.Latest = base + release
		n++
	}
	return n
}

// lifecycleJudged reports whether new lifecycle data can move the version
// that closes f: it names one, and it is not the package manager's (a
// patch_behind of the operating system, whose candidate the host's
// package manager reports).
func lifecycleJudged(f *report.Finding) bool {
	return f.Latest != "" && (f.Kind != report.KindPatchBehind || f.Layer != report.LayerOperatingSystem)
}

// printRejudge writes the re-judging's line of the table.
func printRejudge(w io.Writer, o options, rj rejudgeResult) {
	fmt.Fprintf(w, "\nre-judging at size (store.Rejudge, %d hosts a call, %d writers): %d hosts, %.0f hosts/s; %d findings on %d hosts moved in place; applied %d, unchanged %d, stale %d, missing %d\n",
		ingest.RejudgeBatch, rj.writers, rj.hosts, rj.rate, rj.moved, rj.touched,
		rj.counts[store.RejudgeApplied], rj.counts[store.RejudgeUnchanged], rj.counts[store.RejudgeStale], rj.counts[store.RejudgeMissing])
	printCalls(w, fmt.Sprintf("re-judging calls of up to %d", ingest.RejudgeBatch), rj.batches)
	printIO(w, o, "host re-judged", rj.io)
}
