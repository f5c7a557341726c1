package main

import (
	"context"
	"fmt"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/ingest/store/dbopen"
)

// account compares what every agent believes with what the server stored,
// reading the database through the store (the server has stopped).
func (f *fleet) account(ctx context.Context) error {
	f.res.MinRotations = -1
	st, err := dbopen.Open(ctx, f.res.dsn, dbopen.Options{})
	if err != nil {
		return fmt.Errorf("open the server's database: %w", err)
	}
	defer st.Close()
	for _, m := range f.all {
		sp, err := readSpool(m.spool())
		if err != nil {
			return err
		}
		f.res.StillSpooled += len(sp.pending)
		f.res.Aside += len(sp.aside)
		for _, a := range sp.aside {
			f.res.note("%s", a)
		}
		if err := f.accountHost(ctx, st, m.ledger()); err != nil {
			return err
		}
	}
	if f.res.StillSpooled > 0 {
		f.res.note("%d reports still in the agents' spools after the final flush", f.res.StillSpooled)
	}
	return nil
}

// storedReports lists every report the store holds for host.
func storedReports(ctx context.Context, st store.Store, host string) (map[string]store.ReportMeta, int, error) {
	out := map[string]store.ReportMeta{}
	dups := 0
	p := store.Page{Limit: store.MaxLimit}
	for {
		page, err := st.Reports(ctx, store.AllTenants(), host, p)
		if err != nil {
			return nil, 0, fmt.Errorf("reports of %s: %w", host, err)
		}
		for _, r := range page.Reports {
			if _, ok := out[r.ReportID]; ok {
				dups++
			}
			out[r.ReportID] = r
		}
		if page.Next == "" {
			return out, dups, nil
		}
		p.Cursor = page.Next
	}
}

// accountHost checks one agent's reports against the store, where they
// are under the host id the server assigned, and its host key.
func (f *fleet) accountHost(ctx context.Context, st store.Store, l *ledger) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := f.res
	r.Generated += len(l.gen)
	r.Delivered += len(l.acked)
	r.Dup200 += l.dup200
	r.Retried += l.failures
	r.KeysReceived += l.keysReceived
	r.Rotations += l.rotations
	r.KeysDropped += l.keysDropped
	r.Unauthorized += l.unauthorized
	if r.MinRotations < 0 || l.rotations < r.MinRotations {
		r.MinRotations = l.rotations
	}
	r.MaxRotations = max(r.MaxRotations, l.rotations)
	if l.unauthorized > 0 {
		r.note("%s: %d sends refused with 401 (the server refused its host key)", l.host, l.unauthorized)
	}
	if l.rejected > 0 {
		r.note("%s: %d reports refused by the server", l.host, l.rejected)
	}
	for _, msg := range l.logIssues {
		r.note("%s: logged an error: %s", l.host, msg)
	}
	if l.hostID == "" {
		r.NeverStored += len(l.gen)
		return nil // not enrolled: noted by identify
	}
	if err := f.checkKeys(ctx, st, l); err != nil {
		return err
	}
	stored, dups, err := storedReports(ctx, st, l.hostID)
	if err != nil {
		return err
	}
	r.Stored += len(stored)
	r.DupStored += dups
	if dups > 0 {
		r.note("%s: %d reports stored twice", l.host, dups)
	}
	unspooled := map[string]bool{}
	for _, id := range l.unspooled {
		unspooled[id] = true
	}
	for _, g := range l.gen {
		_, ok := stored[g.id]
		_, acked := l.acked[g.id]
		switch {
		case ok:
		case acked:
			r.Lost++
			r.note("%s: report %s acknowledged but not stored", l.host, g.id)
		case unspooled[g.id]:
			// Never acknowledged, never spooled: in memory when its
			// process was killed.
		default:
			r.NeverStored++
			r.note("%s: report %s made, spooled, never stored", l.host, g.id)
		}
	}
	for id := range stored {
		if _, ok := l.genIdx[id]; !ok {
			r.Unknown++
			r.note("%s: stored report %s that the agent never made", l.host, id)
		}
	}
	if len(l.gen) == 0 {
		r.note("%s: made no report", l.host)
		return nil
	}
	return f.checkLatest(ctx, st, l, stored)
}

// checkLatest checks that the host's latest state is its last report: the
// same report (or one scanned in the same instant, which the server
// orders by id) and the open findings of the server's verdict on it.
// Called with l.mu held.
func (f *fleet) checkLatest(ctx context.Context, st store.Store, l *ledger, stored map[string]store.ReportMeta) error {
	last := l.gen[len(l.gen)-1]
	h, err := st.Host(ctx, store.AllTenants(), l.hostID)
	if err != nil {
		f.res.LatestMismatch++
		f.res.note("%s: no latest state on the server: %v", l.host, err)
		return nil
	}
	if h.LatestReportID != last.id {
		a, b := stored[h.LatestReportID], stored[last.id]
		if a.ScannedAt.IsZero() || !a.ScannedAt.Equal(b.ScannedAt) {
			f.res.LatestMismatch++
			f.res.note("%s: latest state is report %s, the agent's last is %s", l.host, h.LatestReportID, last.id)
		}
		return nil
	}
	// The server judges each report with its own rules (issue 13): the
	// host's open findings are the verdict on its last report, stored
	// with it, not the summary the agent claimed.
	if want := stored[last.id].Summary; h.Open != want {
		f.res.LatestMismatch++
		f.res.note("%s: open findings %+v, the server's verdict on the last report %+v", l.host, h.Open, want)
	}
	return nil
}
