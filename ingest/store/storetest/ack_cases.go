package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// ackedWant counts, as AckedOlder should, the open findings listed in fs
// that a live acknowledgement at now covers.
func ackedWant(fs []store.Finding, acks []store.Ack, now time.Time, qs []store.AgeCount) []int64 {
	out := make([]int64, len(qs))
	for _, f := range fs {
		covered := false
		for i := range acks {
			if acks[i].Live(now) && acks[i].Covers(&f) {
				covered = true
			}
		}
		if !covered || f.ResolvedAt != nil {
			continue
		}
		for i, q := range qs {
			if f.Responsible == q.Responsible && f.Severity == q.Severity && f.OpenedAt.Before(q.Before) {
				out[i]++
			}
		}
	}
	return out
}

func testAcks(t *testing.T, s store.Store) {
	ctx := t.Context()
	twoTenants(t, s)
	all := store.AllTenants()
	open := allFindings(t, s, all, store.FindingFilter{})
	var one, group, fleet *store.Finding
	for i := range open {
		f := &open[i]
		switch {
		case one == nil && f.Tenant == "acme":
			one = f
		case group == nil && f.Tenant == "globex" && f.Cycle != "":
			group = f
		case fleet == nil && f.Cycle != "" && group != nil && f.Product != group.Product:
			fleet = f
		}
	}
	if one == nil || group == nil || fleet == nil {
		t.Fatal("the test fleet lacks the findings to acknowledge")
	}
	now := t0.Add(30 * 24 * time.Hour)
	acks := []store.Ack{
		{ID: "a1", Tenant: "acme", HostID: one.HostID, FindingID: one.ID, Product: one.Product, Cycle: one.Cycle, Responsible: one.Responsible,
			Reason: "migration in March", By: "admin", CreatedAt: now, ExpiresAt: now.Add(10 * 24 * time.Hour)},
		{ID: "a2", Tenant: "globex", Product: group.Product, Cycle: group.Cycle, Responsible: group.Responsible, Reason: "vendor pins it", By: "viewer:globex", CreatedAt: now, ExpiresAt: now.Add(20 * 24 * time.Hour)},
		{ID: "a3", Product: fleet.Product, Cycle: fleet.Cycle, Reason: "fleet-wide exception", By: "admin", CreatedAt: now.Add(time.Second), ExpiresAt: now.Add(40 * 24 * time.Hour)},
	}
	for _, a := range acks {
		if err := a.Check(now); err != nil {
			t.Fatalf("%s: %v", a.ID, err)
		}
		if err := s.CreateAck(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateAck(ctx, acks[0]); !errors.Is(err, store.ErrConflict) {
		t.Errorf("the same id again: %v, want ErrConflict", err)
	}

	ids := func(as []store.Ack) (out []string) {
		for _, a := range as {
			out = append(out, a.ID)
		}
		return out
	}
	for _, c := range []struct {
		sc   store.Scope
		at   time.Time
		want []string
	}{
		{all, time.Time{}, []string{"a1", "a2", "a3"}},
		{all, now, []string{"a1", "a2", "a3"}},
		{all, now.Add(15 * 24 * time.Hour), []string{"a2", "a3"}},
		{all, now.Add(25 * 24 * time.Hour), []string{"a3"}},
		{all, now.Add(40 * 24 * time.Hour), nil},
		{store.TenantScope("acme"), now, []string{"a1", "a3"}},
		{store.TenantScope("globex"), now, []string{"a2", "a3"}},
		{store.TenantScope("initech"), now, []string{"a3"}},
	} {
		got, err := s.Acks(ctx, c.sc, c.at)
		if err != nil {
			t.Fatal(err)
		}
		if g := ids(got); len(g) != len(c.want) || (len(g) > 0 && !equalStrings(g, c.want)) {
			t.Errorf("Acks(%+v, %v) = %v, want %v", c.sc, c.at, g, c.want)
		}
	}
	got, _ := s.Acks(ctx, all, time.Time{})
	if got[0].Reason != "migration in March" || !got[0].ExpiresAt.Equal(acks[0].ExpiresAt) || got[0].HostID != one.HostID || got[1].HostID != "" {
		t.Errorf("stored %+v, want %+v", got[0], acks[0])
	}

	// AckedOlder against the listing, across the clock: each expiry stops
	// its acknowledgement from applying, with no job run.
	var qs []store.AgeCount
	for _, party := range []report.Responsible{report.ResponsibleProvider, report.ResponsibleCustomer} {
		for _, sev := range report.Severities {
			qs = append(qs, store.AgeCount{Responsible: party, Severity: sev, Before: now}, store.AgeCount{Responsible: party, Severity: sev, Before: t0})
		}
	}
	stored, _ := s.Acks(ctx, all, time.Time{})
	for _, at := range []time.Time{now, now.Add(15 * 24 * time.Hour), now.Add(25 * 24 * time.Hour), now.Add(50 * 24 * time.Hour)} {
		for _, c := range []struct {
			sc     store.Scope
			tenant string
		}{{all, ""}, {all, "acme"}, {all, "globex"}, {store.TenantScope("acme"), ""}, {store.TenantScope("globex"), ""}, {store.TenantScope("acme"), "globex"}} {
			fs := allFindings(t, s, c.sc, store.FindingFilter{Tenant: c.tenant})
			want := ackedWant(fs, stored, at, qs)
			got, err := s.AckedOlder(ctx, c.sc, c.tenant, at, qs)
			if err != nil {
				t.Fatal(err)
			}
			var sum int64
			for i := range qs {
				sum += got[i]
				if got[i] != want[i] {
					t.Errorf("AckedOlder(%+v, %q, %v) %s %s before %v = %d, listed %d", c.sc, c.tenant, at, qs[i].Responsible, qs[i].Severity, qs[i].Before, got[i], want[i])
				}
			}
			if at.Equal(now) && c.sc.All() && c.tenant == "" && sum == 0 {
				t.Error("no acknowledged finding counted: the test proves nothing")
			}
			if at.After(now.Add(45*24*time.Hour)) && sum != 0 {
				t.Errorf("after every expiry: %d acknowledged", sum)
			}
		}
	}

	// Withdrawal: only in scope, only while live, logged.
	if err := s.WithdrawAck(ctx, store.TenantScope("acme"), "a2", "viewer:acme", now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("acme withdrawing globex's: %v, want ErrNotFound", err)
	}
	if err := s.WithdrawAck(ctx, store.TenantScope("acme"), "a3", "viewer:acme", now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("acme withdrawing a fleet-wide one: %v, want ErrNotFound", err)
	}
	if err := s.WithdrawAck(ctx, all, "a1", "admin", now.Add(11*24*time.Hour)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("withdrawing an expired one: %v, want ErrNotFound", err)
	}
	if err := s.WithdrawAck(ctx, store.TenantScope("globex"), "a2", "viewer:globex", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.WithdrawAck(ctx, all, "a2", "admin", now.Add(2*time.Hour)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("withdrawing twice: %v, want ErrNotFound", err)
	}
	live, _ := s.Acks(ctx, all, now.Add(2*time.Hour))
	if g := ids(live); !equalStrings(g, []string{"a1", "a3"}) {
		t.Errorf("live after withdrawal: %v", g)
	}
	if n, _ := s.AckedOlder(ctx, store.TenantScope("globex"), "", now.Add(2*time.Hour), qs); sumOf(n) != sumOf(ackedWant(allFindings(t, s, store.TenantScope("globex"), store.FindingFilter{}), live, now.Add(2*time.Hour), qs)) {
		t.Errorf("globex after withdrawal: %v", n)
	}

	log, next, err := s.AckLog(ctx, all, store.Page{Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 3 || log[0].Action != store.AckWithdrawn || log[0].AckID != "a2" || log[0].By != "viewer:globex" || next == "" {
		t.Fatalf("log page 1: %+v next %q", log, next)
	}
	rest, next2, err := s.AckLog(ctx, all, store.Page{Limit: 3, Cursor: next})
	if err != nil || len(rest) != 1 || rest[0].AckID != "a1" || rest[0].Action != store.AckCreated || next2 != "" {
		t.Errorf("log page 2: %+v %q %v", rest, next2, err)
	}
	if rest[0].Target != "host "+one.HostID+" finding "+one.ID || rest[0].Reason != "migration in March" {
		t.Errorf("log line %+v", rest[0])
	}
	for tenant, want := range map[string]int{"acme": 1, "globex": 2, "initech": 0} {
		l, _, err := s.AckLog(ctx, store.TenantScope(tenant), store.Page{})
		if err != nil || len(l) != want {
			t.Errorf("%s's log: %d lines %v, want %d", tenant, len(l), err, want)
		}
		for _, e := range l {
			if e.Tenant != tenant {
				t.Errorf("%s's log holds %+v", tenant, e)
			}
		}
	}
	if _, _, err := s.AckLog(ctx, all, store.Page{Cursor: "x'1"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("bad cursor: %v", err)
	}
}

func sumOf(ns []int64) (n int64) {
	for _, v := range ns {
		n += v
	}
	return n
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
