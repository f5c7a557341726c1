package storetest

import (
	"testing"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// issue13Findings are the findings of issue 13's host: MariaDB 10.6 past
// its end of life, 4 pending updates, PHP and Apache behind, and a
// WordPress release behind (of the webapps collector, which keeps running).
func issue13Findings() []report.Finding {
	f := func(id string, k report.Kind, l report.Layer, product, installed string, sev report.Severity) report.Finding {
		return report.Finding{ID: id, Kind: k, Layer: l, Product: product, Installed: installed, Severity: sev,
			Responsible: report.ResponsibleProvider, Rule: "matrix." + string(l) + ".managed", Rationale: product + " is behind."}
	}
	return []report.Finding{
		f("f-mariadb", report.KindEOL, report.LayerApplications, "MariaDB", "10.6.21", report.SeverityHigh),
		f("f-updates", report.KindUpdatesPending, report.LayerOperatingSystem, "Ubuntu", "4 pending (1 security)", report.SeverityHigh),
		f("f-php", report.KindPatchBehind, report.LayerApplications, "PHP", "8.3.6", report.SeverityMedium),
		f("f-apache", report.KindPatchBehind, report.LayerApplications, "Apache httpd", "2.4.58", report.SeverityMedium),
		f("f-wordpress", report.KindPatchBehind, report.LayerThirdPartyApps, "WordPress", "6.6.1", report.SeverityLow),
	}
}

// issue13Runs is every collector of a scan, all ok but those in failed.
func issue13Runs(failed map[string]report.CollectorStatus) []report.CollectorRun {
	var out []report.CollectorRun
	for _, n := range []string{"osinfo", "kernel", "packages", "controlpanel", "webapps", "hypervisor", "firmware", "applications"} {
		st := report.CollectorOK
		if s, ok := failed[n]; ok {
			st = s
		}
		out = append(out, report.CollectorRun{Name: n, Status: st})
	}
	return out
}

func issue13Report(h interface {
	Next(time.Time) *report.Report
}, at time.Time, fs []report.Finding) *report.Report {
	r := h.Next(at)
	r.Findings = fs
	r.Summary = report.Summarize(fs)
	r.Errors = []report.CollectorError{}
	r.Collectors = issue13Runs(nil)
	return r
}

func byID(fs []store.Finding) map[string]store.Finding {
	out := map[string]store.Finding{}
	for _, f := range fs {
		out[f.ID] = f
	}
	return out
}

// testFailedCheckIsNotAFix is issue 13's "a report whose packages
// collector failed: no finding of that collector is resolved". A --root
// scan whose package collectors could not run once turned MariaDB 10.6's
// end of life, 4 pending updates and PHP and Apache behind into "fixed".
func testFailedCheckIsNotAFix(t *testing.T, s store.Store) {
	h := newHost(13, "acme")
	sc := store.TenantScope("acme")
	r1 := issue13Report(h, t0, issue13Findings())
	save(t, s, nil, Incoming(t, "acme", r1))

	// The packages collector failed, and so the applications it feeds
	// could not read the package database: their findings are missing.
	// WordPress is gone too, but webapps ran: that one is fixed.
	r2 := issue13Report(h, t0.Add(time.Hour), []report.Finding{})
	r2.Collectors = issue13Runs(map[string]report.CollectorStatus{"packages": report.CollectorFailed, "applications": report.CollectorPartial})
	r2.Errors = []report.CollectorError{
		{Collector: "packages", Error: "apt: cannot ask apt-get about the root /mnt/web01 from this machine"},
		{Collector: "applications", Error: "package database: read /var/lib/dpkg/status: permission denied"},
	}
	save(t, s, nil, Incoming(t, "acme", r2))

	resolved := byID(allFindings(t, s, sc, store.FindingFilter{HostID: h.ID, Status: store.StatusResolved}))
	if len(resolved) != 1 || resolved["f-wordpress"].ID == "" {
		t.Fatalf("resolved %v, want only f-wordpress (its collector ran)", keys(resolved))
	}
	gaps := []string{"f-mariadb", "f-updates", "f-php", "f-apache"}
	checkUnverified := func(when string, since time.Time) {
		t.Helper()
		open := byID(allFindings(t, s, sc, store.FindingFilter{HostID: h.ID}))
		for _, id := range gaps {
			f, ok := open[id]
			switch {
			case !ok:
				t.Errorf("%s: %s resolved by a report whose collector failed", when, id)
			case f.UnverifiedSince == nil || !f.UnverifiedSince.Equal(since):
				t.Errorf("%s: %s unverified since %v, want %v", when, id, f.UnverifiedSince, since)
			case !f.LastSeen.Equal(r1.ScannedAt) || !f.OpenedAt.Equal(r1.ScannedAt):
				t.Errorf("%s: %s last seen %v opened %v, want both the first scan's %v", when, id, f.LastSeen, f.OpenedAt, r1.ScannedAt)
			}
		}
		got := mustHost(t, s, sc, h.ID)
		want := report.Summarize(issue13Findings()[:4])
		if got.Open != want || got.Unverified != 4 {
			t.Errorf("%s: host counts %+v (unverified %d), want the 4 unverified %+v", when, got.Open, got.Unverified, want)
		}
		if len(got.FailingCollectors) != 2 || got.FailingCollectors[0].Collector != "applications" ||
			got.FailingCollectors[1].Collector != "packages" || got.FailingCollectors[1].Status != report.CollectorFailed ||
			got.FailingCollectors[1].Error != r2.Errors[0].Error {
			t.Errorf("%s: failing collectors %+v", when, got.FailingCollectors)
		}
	}
	checkUnverified("after the failed scan", r2.ScannedAt)
	sum, err := s.Summary(t.Context(), sc)
	if err != nil {
		t.Fatal(err)
	}
	if sum.HostsFailingCollectors != 1 {
		t.Errorf("summary: %d hosts failing collectors, want 1", sum.HostsFailingCollectors)
	}
	if hs := allHosts(t, s, sc, store.HostFilter{FailingCollectors: true}, 10); len(hs) != 1 || hs[0].HostID != h.ID {
		t.Errorf("hosts failing collectors: %v", hs)
	}

	// The same failed scan again (the same findings, so the same digest):
	// still unverified since the first one that could not check.
	r3 := issue13Report(h, t0.Add(2*time.Hour), []report.Finding{})
	r3.Collectors, r3.Errors = r2.Collectors, r2.Errors
	save(t, s, nil, Incoming(t, "acme", r3))
	checkUnverified("after a second failed scan", r2.ScannedAt)

	// A clean scan: MariaDB is still there (seen again: verified), the
	// updates were installed and PHP and Apache updated (resolved).
	r4 := issue13Report(h, t0.Add(3*time.Hour), issue13Findings()[:1])
	save(t, s, nil, Incoming(t, "acme", r4))
	open := byID(allFindings(t, s, sc, store.FindingFilter{HostID: h.ID}))
	if m, ok := open["f-mariadb"]; len(open) != 1 || !ok || m.UnverifiedSince != nil || !m.LastSeen.Equal(r4.ScannedAt) || !m.OpenedAt.Equal(r1.ScannedAt) {
		t.Errorf("after the clean scan: open %v, want f-mariadb verified, last seen %v: %+v", keys(open), r4.ScannedAt, m)
	}
	resolved = byID(allFindings(t, s, sc, store.FindingFilter{HostID: h.ID, Status: store.StatusResolved}))
	for _, id := range gaps[1:] {
		f, ok := resolved[id]
		if !ok || f.ResolvedAt == nil || !f.ResolvedAt.Equal(r4.ScannedAt) || f.UnverifiedSince != nil || !f.LastSeen.Equal(r1.ScannedAt) {
			t.Errorf("after the clean scan: %s %+v, want resolved at %v, last seen %v", id, f, r4.ScannedAt, r1.ScannedAt)
		}
	}
	got := mustHost(t, s, sc, h.ID)
	if got.Open != report.Summarize(r4.Findings) || got.Unverified != 0 || len(got.FailingCollectors) != 0 {
		t.Errorf("after the clean scan: host %+v", got)
	}
	if sum, err := s.Summary(t.Context(), sc); err != nil || sum.HostsFailingCollectors != 0 {
		t.Errorf("after the clean scan: summary %d hosts failing collectors (%v)", sum.HostsFailingCollectors, err)
	}
}

// testFailedCheckOlderAgent: a report without collectors (an agent older
// than report v1.1) has the collectors named in its errors failed and the
// rest ok. A clean report with the same (empty) findings as the failed one
// still resolves what the failed one could not check.
func testFailedCheckOlderAgent(t *testing.T, s store.Store) {
	h := newHost(14, "acme")
	sc := store.TenantScope("acme")
	older := func(at time.Time, fs []report.Finding, errs ...report.CollectorError) *report.Report {
		r := issue13Report(h, at, fs)
		r.Collectors, r.Errors = nil, append([]report.CollectorError{}, errs...)
		return r
	}
	save(t, s, nil, Incoming(t, "acme", older(t0, issue13Findings())))
	r2 := older(t0.Add(time.Hour), []report.Finding{}, report.CollectorError{Collector: "packages", Error: "apt-get: exit 100"})
	save(t, s, nil, Incoming(t, "acme", r2))
	open := allFindings(t, s, sc, store.FindingFilter{HostID: h.ID})
	if len(open) != 1 || open[0].ID != "f-updates" || open[0].UnverifiedSince == nil || !open[0].UnverifiedSince.Equal(r2.ScannedAt) {
		t.Fatalf("open %v, want only f-updates, unverified since %v", ids(open), r2.ScannedAt)
	}
	if got := mustHost(t, s, sc, h.ID); len(got.FailingCollectors) != 1 || got.FailingCollectors[0].Status != report.CollectorFailed {
		t.Errorf("failing collectors %+v", got.FailingCollectors)
	}
	r3 := older(t0.Add(2*time.Hour), []report.Finding{})
	save(t, s, nil, Incoming(t, "acme", r3))
	if open := allFindings(t, s, sc, store.FindingFilter{HostID: h.ID}); len(open) != 0 {
		t.Errorf("open %v after a clean report, want none", ids(open))
	}
	if got := mustHost(t, s, sc, h.ID); got.Open.Provider.Total() != 0 || got.Unverified != 0 || len(got.FailingCollectors) != 0 {
		t.Errorf("host after a clean report: %+v", got)
	}
}

func keys(m map[string]store.Finding) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
