package ingest_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/demarc/demarc/ingest"
	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/ingest/store/sqlite"
	"github.com/demarc/demarc/report"
	"github.com/demarc/demarc/rules"
	"github.com/demarc/demarc/rules/lifecycle"
	"github.com/demarc/demarc/rules/matrix"
)

// TestRecordChangeRejudges: importing a changed tier for 1,000 hosts (as
// `demarc-server hosts import` does, from another process: the server
// finds the changes by polling) re-judges every one of them without any
// new report, and each moved finding says why.
func TestRecordChangeRejudges(t *testing.T) {
	e := newEnv(t, func(c *ingestConfig) { c.RatePerSecond, c.RecordPoll = -1, 20*time.Millisecond })
	const n = 1000
	var ids []string
	for i := range n {
		r := centos7(uint64(1000 + i))
		if st, body := e.post(e.tok["agentA"], r); st != http.StatusAccepted {
			t.Fatalf("post %d: %d %v", i, st, body)
		}
		ids = append(ids, r.Host.HostID)
	}
	for _, id := range ids[:3] {
		if f, ok := osFinding(t, e, id); !ok || f.Responsible != report.ResponsibleProvider {
			t.Fatalf("before: %v %q", ok, f.Responsible)
		}
	}
	recs := make([]store.HostRecord, n)
	for i, id := range ids {
		recs[i] = store.HostRecord{HostID: id, Tenant: "acme", Tier: report.TierIaaS}
	}
	if _, err := e.st.PutHostRecords(t.Context(), recs, "alice (token 0123456789abcdef)", time.Now()); err != nil {
		t.Fatal(err)
	}
	// Wait until the last host moved (a bound against a hang only).
	for deadline := time.Now().Add(2 * time.Minute); ; {
		if f, ok := osFinding(t, e, ids[n-1]); ok && f.Responsible == report.ResponsibleCustomer {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the import was not re-judged")
		}
		time.Sleep(20 * time.Millisecond)
	}
	<-e.srv.RejudgeIdle()
	for _, id := range ids {
		f, ok := osFinding(t, e, id)
		if !ok || f.Responsible != report.ResponsibleCustomer {
			t.Fatalf("%s after the import: OS finding %v, responsible %q; want the customer's", id, ok, f.Responsible)
		}
		if want := "provider's record changed by alice (token 0123456789abcdef): "; len(f.Reason) < len(want) || f.Reason[:len(want)] != want {
			t.Fatalf("%s: reason %q", id, f.Reason)
		}
	}
	var d struct{ Host store.Host }
	e.get(e.tok["admin"], "/api/v1/hosts/"+ids[0], &d)
	if d.Host.Tier != report.TierIaaS {
		t.Errorf("host tier %q after re-judging, want iaas", d.Host.Tier)
	}
}

// TestRecordPutRejudges: an admin's PUT of a host's record re-judges it at
// once (no report, no poll).
func TestRecordPutRejudges(t *testing.T) {
	e := newEnv(t, func(c *ingestConfig) { c.RecordPoll = time.Hour })
	r := centos7(77)
	if st, _ := e.post(e.tok["agentA"], r); st != http.StatusAccepted {
		t.Fatal(st)
	}
	body := mustJSON(t, map[string]any{"host_id": r.Host.HostID, "tier": "colocation"})
	if st, out := e.do(http.MethodPut, "/api/v1/hosts/"+r.Host.HostID+"/record", e.tok["admin"], body, map[string]string{"Content-Type": "application/json"}); st != http.StatusOK {
		t.Fatalf("PUT record: %d %v", st, out)
	}
	<-e.srv.RejudgeIdle()
	f, ok := osFinding(t, e, r.Host.HostID)
	if !ok || f.Responsible != report.ResponsibleCustomer || f.Reason == "" {
		t.Errorf("after the PUT: OS finding %v, responsible %q, reason %q", ok, f.Responsible, f.Reason)
	}
}

// TestLifecycleImportRejudges: an import of lifecycle data in which a
// release reached its end of life makes the affected findings appear
// fleet-wide without any agent reporting again, and says why.
func TestLifecycleImportRejudges(t *testing.T) {
	e := newEnv(t, func(c *ingestConfig) { c.RecordPoll = 20 * time.Millisecond })
	r := host(90, "acme").Next(time.Now().Add(-time.Hour).UTC().Truncate(time.Second))
	r.Components = append(r.Components, report.Component{Layer: report.LayerApplications, Product: "php", Version: "8.2.29"})
	if st, body := e.post(e.tok["agentA"], r); st != http.StatusAccepted {
		t.Fatalf("post: %d %v", st, body)
	}
	php := func() (store.Finding, bool) {
		var fl struct{ Findings []store.Finding }
		e.get(e.tok["admin"], "/api/v1/hosts/"+r.Host.HostID+"/findings?limit=500", &fl)
		for _, f := range fl.Findings {
			if f.Product == "PHP" && f.Cycle == "8.2" {
				return f, true
			}
		}
		return store.Finding{}, false
	}
	if f, ok := php(); ok && f.Kind == report.KindEOL {
		t.Fatalf("PHP 8.2 already end of life with the built-in data: %+v", f)
	}
	b, err := os.ReadFile("../rules/lifecycle/testdata/apiv1/php-8.2-eol.json")
	if err != nil {
		t.Fatal(err)
	}
	base, err := lifecycle.Default()
	if err != nil {
		t.Fatal(err)
	}
	ds, err := lifecycle.Load("php.json", b, base)
	if err != nil {
		t.Fatal(err)
	}
	v, err := ingest.NewLifecycleVersion(ds, 1, "test", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.PutLifecycle(t.Context(), v); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if f, ok := php(); ok && f.Kind == report.KindEOL {
			if !strings.HasPrefix(f.Reason, "lifecycle data of ") {
				t.Errorf("reason %q", f.Reason)
			}
			return
		}
		if time.Now().After(deadline) {
			f, ok := php()
			t.Fatalf("PHP 8.2 after the import: %v %+v; want end of life", ok, f)
		}
	}
}

// TestMatrixChangeRejudgesAtStart: a server started with another
// responsibility matrix (judge.rules) re-judges every stored host without
// any new report, and says why; a restart on the same matrix re-judges
// nothing.
func TestMatrixChangeRejudgesAtStart(t *testing.T) {
	e := newEnv(t, nil)
	r := centos7(4242)
	if st, body := e.post(e.tok["agentA"], r); st != http.StatusAccepted {
		t.Fatalf("post: %d %v", st, body)
	}
	if f, ok := osFinding(t, e, r.Host.HostID); !ok || f.Responsible != report.ResponsibleProvider {
		t.Fatalf("before: %v %q", ok, f.Responsible)
	}
	osManaged := "operating_system:\n    label: Operating system\n    managed: provider if maintenance_agreement"
	y := strings.Replace(string(matrix.DefaultYAML()), osManaged, strings.Replace(osManaged, "provider if maintenance_agreement", "customer", 1), 1)
	if y == string(matrix.DefaultYAML()) {
		t.Fatal("the built-in matrix has no managed OS cell to change")
	}
	path := filepath.Join(t.TempDir(), "matrix.yaml")
	if err := os.WriteFile(path, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	restart := func() {
		t.Helper()
		engine, err := rules.NewEngine(rules.Options{MatrixFile: path})
		if err != nil {
			t.Fatal(err)
		}
		srv, err := ingest.New(ingest.Config{Store: e.st, Log: zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel),
			Rules: engine, AgentTokenReports: true})
		if err != nil {
			t.Fatal(err)
		}
		<-srv.RejudgeIdle()
		srv.Close()
	}
	e.srv.Close()
	restart()
	f, ok := osFinding(t, e, r.Host.HostID)
	if !ok || f.Responsible != report.ResponsibleCustomer || f.Reason != "responsibility matrix changed" {
		t.Fatalf("after a restart on the new matrix: %v %q, reason %q; want the customer's, the matrix named", ok, f.Responsible, f.Reason)
	}
	basis, err := e.st.ServerState(t.Context(), "judge_basis")
	if err != nil || !strings.Contains(basis, "matrix=") {
		t.Fatalf("judge basis %q %v", basis, err)
	}
	restart()
	if again, _ := osFinding(t, e, r.Host.HostID); again.ReasonAt == nil || !again.ReasonAt.Equal(*f.ReasonAt) {
		t.Errorf("a restart on the same matrix re-judged: reason at %v, was %v", again.ReasonAt, f.ReasonAt)
	}
	if now, _ := e.st.ServerState(t.Context(), "judge_basis"); now != basis {
		t.Errorf("judge basis moved on a restart with the same rules: %q → %q", basis, now)
	}
}

// rejudgeGate holds each Rejudge call until want calls are under way at
// once (or a bound passes), and records how many were, how often each
// host was judged and whether a host was in two calls at once. onFirst,
// when set, runs inside the first call, with its items.
type rejudgeGate struct {
	store.Store
	want    int
	onFirst func([]store.Rejudgement)

	mu        sync.Mutex
	active    int
	maxActive int
	calls     int
	hosts     map[string]int // calls under way, by host
	judged    map[string]int
	overlap   []string
	released  bool
	release   chan struct{}
	third     chan struct{} // closed when the third call starts
}

func (g *rejudgeGate) Rejudge(ctx context.Context, items []store.Rejudgement) ([]store.RejudgeResult, error) {
	g.mu.Lock()
	g.active++
	g.calls++
	first := g.calls == 1
	g.maxActive = max(g.maxActive, g.active)
	for _, it := range items {
		if g.hosts[it.HostID] > 0 {
			g.overlap = append(g.overlap, it.HostID)
		}
		g.hosts[it.HostID]++
		g.judged[it.HostID]++
	}
	if g.active == g.want && !g.released {
		g.released = true
		close(g.release)
	}
	if g.calls == 3 {
		close(g.third)
	}
	g.mu.Unlock()
	if first && g.onFirst != nil {
		g.onFirst(items)
	}
	select {
	case <-g.release:
	case <-time.After(30 * time.Second): // a bound against a hang only
	}
	if first {
		// The first batch stays under way until the next call after the
		// second starts: one that took a host of this batch again would
		// overlap it.
		select {
		case <-g.third:
		case <-time.After(30 * time.Second):
		}
	}
	res, err := g.Store.Rejudge(ctx, items)
	g.mu.Lock()
	g.active--
	for _, it := range items {
		g.hosts[it.HostID]--
	}
	g.mu.Unlock()
	return res, err
}

// TestRejudgeWorkersRunAtOnce: with RejudgeWorkers 2, a sweep of 250 hosts
// (three batches) has two batches under way at once, and every host is
// re-judged. Hosts of the first batch queued again while it is under way
// wait for it: they are judged twice, never in two calls at once. One
// queue worker (before) stored one batch after the other.
func TestRejudgeWorkersRunAtOnce(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "demarc.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	g := &rejudgeGate{Store: st, want: 2, hosts: map[string]int{}, judged: map[string]int{}, release: make(chan struct{}), third: make(chan struct{})}
	e := newEnvOn(t, g, func(c *ingestConfig) { c.RatePerSecond, c.RecordPoll, c.RejudgeWorkers = -1, time.Hour, 2 })
	const n = 250
	var ids []string
	for i := range n {
		r := host(uint64(7000+i), "acme").Next(time.Now().Add(-time.Hour).UTC().Truncate(time.Second))
		if st, body := e.post(e.tok["agentA"], r); st != http.StatusAccepted {
			t.Fatalf("post %d: %d %v", i, st, body)
		}
		ids = append(ids, r.Host.HostID)
	}
	var again []string
	g.onFirst = func(items []store.Rejudgement) {
		for _, it := range items[:10] {
			again = append(again, it.HostID)
		}
		e.srv.RejudgeHosts(again, "record changed")
	}
	e.srv.RejudgeHosts(ids, "lifecycle data of 2026-12-08")
	<-e.srv.RejudgeIdle()
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.maxActive != 2 {
		t.Errorf("at most %d re-judging batches at once, want 2", g.maxActive)
	}
	if len(g.overlap) > 0 {
		t.Errorf("hosts in two batches at once: %v", g.overlap[:min(5, len(g.overlap))])
	}
	for _, id := range ids {
		if g.judged[id] == 0 {
			t.Fatalf("host %s not re-judged (%d calls)", id, g.calls)
		}
	}
	for _, id := range again {
		if g.judged[id] != 2 {
			t.Errorf("host %s queued again during its batch: judged %d times, want 2", id, g.judged[id])
		}
	}
}
