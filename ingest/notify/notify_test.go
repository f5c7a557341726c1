package notify_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest/notify"
	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/ingest/store/postgres"
	"github.com/demarc/demarc/ingest/store/postgres/pgtest"
	"github.com/demarc/demarc/ingest/store/sqlite"
	"github.com/demarc/demarc/ingest/store/sqlstore"
	"github.com/demarc/demarc/ingest/store/storetest"
	"github.com/demarc/demarc/internal/reportgen"
	"github.com/demarc/demarc/report"
)

const secret = "0123456789abcdef-test-secret"

// opener opens the same migrated database each time it is called (a
// restart reopens it).
type opener func(t *testing.T) *sqlstore.Store

// eachStore runs fn against SQLite and, when configured, PostgreSQL.
func eachStore(t *testing.T, fn func(t *testing.T, open opener)) {
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "demarc.db")
		fn(t, func(t *testing.T) *sqlstore.Store {
			s, err := sqlite.Open(t.Context(), path, sqlite.Options{})
			if err != nil {
				t.Fatal(err)
			}
			return migrated(t, s)
		})
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := pgtest.Schema(t)
		fn(t, func(t *testing.T) *sqlstore.Store {
			s, err := postgres.Open(t.Context(), dsn, postgres.Options{})
			if err != nil {
				t.Fatal(err)
			}
			return migrated(t, s)
		})
	})
}

func migrated(t *testing.T, s *sqlstore.Store) *sqlstore.Store {
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return s
}

// ingest stores one report of each of n hosts of tenant and returns the
// ids of the events their provider findings must produce.
func ingest(t *testing.T, s store.Store, tenant string, n int, seed uint64, at time.Time) map[string]bool {
	t.Helper()
	want := map[string]bool{}
	var items []store.Incoming
	for i := 0; len(items) < n && i < 100*n; i++ {
		r := reportgen.NewHost(seed+uint64(i), i, tenant, 40, -1).Next(at)
		k := len(want)
		for _, f := range r.Findings {
			if f.Responsible == report.ResponsibleProvider {
				want[store.EventFindingOpened+":"+r.Host.HostID+":"+f.ID+":"+itoa(r.ScannedAt.UnixMicro())] = true
			}
		}
		if len(want) > k { // a host with provider findings
			items = append(items, storetest.Incoming(t, tenant, r))
		}
	}
	if _, err := s.SaveBatch(t.Context(), items); err != nil {
		t.Fatal(err)
	}
	if len(want) == 0 {
		t.Fatal("the generated hosts have no provider findings")
	}
	return want
}

func itoa(v int64) string { b, _ := json.Marshal(v); return string(b) }

// receiver is a loopback webhook receiver that checks every signature.
type receiver struct {
	t  *testing.T
	mu sync.Mutex
	// fail answers the next fail requests 500.
	fail int
	// block holds requests until it is closed (nil: none held).
	block chan struct{}
	// got counts each event id received; batches the size of each body.
	got     map[string]int
	batches []int
	bad     int
}

func newReceiver(t *testing.T) *receiver { return &receiver{t: t, got: map[string]int{}} }

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	if !notify.Verify(secret, body, r.Header.Get(notify.SignatureHeader)) {
		rc.mu.Lock()
		rc.bad++
		rc.mu.Unlock()
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var b notify.Body
	if err := json.Unmarshal(body, &b); err != nil || b.Schema != notify.Schema || r.Header.Get(notify.DeliveryHeader) != b.DeliveryID {
		rc.t.Errorf("bad delivery body (%v): %.200s", err, body)
	}
	rc.mu.Lock()
	if rc.fail > 0 {
		rc.fail--
		rc.mu.Unlock()
		http.Error(w, "down", http.StatusInternalServerError)
		return
	}
	for _, e := range b.Events {
		rc.got[e.ID]++
	}
	rc.batches = append(rc.batches, len(b.Events))
	block := rc.block
	rc.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-r.Context().Done():
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// has reports whether every wanted id was received.
func (rc *receiver) has(want map[string]bool) bool {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for id := range want {
		if rc.got[id] == 0 {
			return false
		}
	}
	return true
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func start(t *testing.T, s store.Outbox, url string, batch int) *notify.Notifier {
	t.Helper()
	n, err := notify.New(notify.Config{Outbox: s, BatchSize: batch, Poll: 10 * time.Millisecond,
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 40 * time.Millisecond,
		Subscriptions: []notify.Subscription{{ID: "ops", URL: url, Secret: secret, MinSeverity: report.SeverityInfo}}})
	if err != nil {
		t.Fatal(err)
	}
	n.Start()
	t.Cleanup(n.Close)
	return n
}

var t0 = time.Date(2026, 11, 2, 6, 0, 0, 0, time.UTC)

func TestDeliverSignedInBatches(t *testing.T) {
	eachStore(t, func(t *testing.T, open opener) {
		s := open(t)
		rc := newReceiver(t)
		srv := httptest.NewServer(rc)
		defer srv.Close()
		want := ingest(t, s, "acme", 20, 1, t0)
		start(t, s, srv.URL, 50)
		eventually(t, "every event", func() bool { return rc.has(want) })
		rc.mu.Lock()
		defer rc.mu.Unlock()
		for id, k := range rc.got {
			if k != 1 {
				t.Errorf("event %s received %d times, want once", id, k)
			}
			if !want[id] {
				t.Errorf("unexpected event %s", id)
			}
		}
		for _, b := range rc.batches {
			if b > 50 {
				t.Errorf("a delivery of %d events, want at most 50", b)
			}
		}
		if min := (len(want) + 49) / 50; len(rc.batches) > min+1 {
			t.Errorf("%d events took %d deliveries, want about %d", len(want), len(rc.batches), min)
		}
		if rc.bad != 0 {
			t.Errorf("%d deliveries failed the signature check", rc.bad)
		}
	})
}

func TestSignatureRejectsTampering(t *testing.T) {
	body := []byte(`{"schema":"demarc.webhook.v1"}`)
	sig := notify.Sign(secret, body)
	for _, tc := range []struct {
		name   string
		secret string
		body   string
		sig    string
		ok     bool
	}{
		{"as sent", secret, string(body), sig, true},
		{"body changed", secret, `{"schema":"demarc.webhook.v2"}`, sig, false},
		{"other secret", secret + "x", string(body), sig, false},
		{"no prefix", secret, string(body), sig[len("sha256="):], false},
		{"empty", secret, string(body), "", false},
	} {
		if got := notify.Verify(tc.secret, []byte(tc.body), tc.sig); got != tc.ok {
			t.Errorf("%s: Verify = %v, want %v", tc.name, got, tc.ok)
		}
	}
}

func TestRetriesAfter500(t *testing.T) {
	eachStore(t, func(t *testing.T, open opener) {
		s := open(t)
		rc := newReceiver(t)
		rc.fail = 3
		srv := httptest.NewServer(rc)
		defer srv.Close()
		want := ingest(t, s, "acme", 2, 7, t0)
		start(t, s, srv.URL, 500)
		eventually(t, "every event", func() bool { return rc.has(want) })
		ds := deliveries(t, s)
		var failed, okd int
		for _, d := range ds {
			switch d.Status {
			case 500:
				failed++
			case 204:
				okd++
				if d.Attempt != 4 {
					t.Errorf("the delivery that succeeded was attempt %d, want 4", d.Attempt)
				}
			}
		}
		if failed != 3 || okd != 1 {
			t.Errorf("delivery log: %d failed, %d delivered; want 3 and 1: %+v", failed, okd, ds)
		}
		for id, k := range rc.got {
			if k != 1 {
				t.Errorf("event %s taken %d times", id, k)
			}
		}
	})
}

func deliveries(t *testing.T, s store.Outbox) []store.Delivery {
	t.Helper()
	var ds []store.Delivery
	eventually(t, "the delivery logged", func() bool {
		var err error
		ds, err = s.Deliveries(context.Background(), "ops", 100)
		if err != nil {
			t.Fatal(err)
		}
		return len(ds) > 0 && ds[0].Status/100 == 2
	})
	return ds
}

func TestDeadReceiverThenRecovery(t *testing.T) {
	eachStore(t, func(t *testing.T, open opener) {
		s := open(t)
		// The address stays ours: a listener that accepts and closes at
		// once is a dead receiver on a port nobody else takes.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		dead := make(chan struct{})
		go func() {
			defer close(dead)
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
		want := ingest(t, s, "acme", 3, 11, t0)
		start(t, s, "http://"+ln.Addr().String()+"/hook", 500)
		eventually(t, "failed attempts", func() bool {
			ds, err := s.Deliveries(context.Background(), "ops", 10)
			if err != nil {
				t.Fatal(err)
			}
			return len(ds) >= 3
		})
		ln.Close()
		<-dead
		ln2, err := net.Listen("tcp", ln.Addr().String())
		if err != nil {
			t.Skipf("cannot listen again on %s: %v", ln.Addr(), err)
		}
		rc := newReceiver(t)
		srv := &httptest.Server{Listener: ln2, Config: &http.Server{Handler: rc}}
		srv.Start()
		defer srv.Close()
		eventually(t, "every event after recovery", func() bool { return rc.has(want) })
		for _, d := range deliveries(t, s)[1:] {
			if d.Status != 0 || d.Error == "" {
				t.Errorf("an attempt against the dead receiver logged as %d %q", d.Status, d.Error)
			}
		}
	})
}

// TestRestartMidDelivery stops the notifier and closes the store while a
// delivery is held by the receiver, then reopens both: every event
// arrives, the ones delivered before the stop are not sent again, and
// only the held batch is sent twice, with the same event ids.
func TestRestartMidDelivery(t *testing.T) {
	eachStore(t, func(t *testing.T, open opener) {
		s := open(t)
		rc := newReceiver(t)
		srv := httptest.NewServer(rc)
		defer srv.Close()
		first := ingest(t, s, "acme", 2, 21, t0)
		n := start(t, s, srv.URL, 10)
		eventually(t, "the first events", func() bool { return rc.has(first) })
		rc.mu.Lock()
		before := len(rc.batches)
		rc.block = make(chan struct{})
		rc.mu.Unlock()
		second := ingest(t, s, "beta", 2, 31, t0.Add(time.Hour))
		n.Wake()
		eventually(t, "a held delivery", func() bool { rc.mu.Lock(); defer rc.mu.Unlock(); return len(rc.batches) > before })
		n.Close()
		s.Close()
		rc.mu.Lock()
		held := map[string]bool{}
		for id, k := range rc.got {
			if !first[id] && k == 1 {
				held[id] = true
			}
		}
		close(rc.block)
		rc.block = nil
		rc.mu.Unlock()

		s2 := open(t)
		start(t, s2, srv.URL, 10)
		eventually(t, "every event after the restart", func() bool { return rc.has(second) && rc.has(first) })
		time.Sleep(50 * time.Millisecond) // five polls: nothing more may come
		rc.mu.Lock()
		defer rc.mu.Unlock()
		for id, k := range rc.got {
			switch {
			case held[id] && k > 2, !held[id] && k != 1:
				t.Errorf("event %s received %d times (held at the restart: %v)", id, k, held[id])
			}
		}
		if len(held) == 0 {
			t.Error("no delivery was held at the restart")
		}
	})
}

func TestSendTestAndRouting(t *testing.T) {
	s := notify.Subscription{ID: "acme-crit", URL: "http://127.0.0.1:1/", Secret: secret, Tenant: "acme",
		MinSeverity: report.SeverityHigh, Events: []string{store.EventFindingOpened}}
	for _, tc := range []struct {
		name string
		e    store.Event
		want bool
	}{
		{"acme critical", store.Event{Type: store.EventFindingOpened, Tenant: "acme", Severity: report.SeverityCritical}, true},
		{"acme high", store.Event{Type: store.EventFindingOpened, Tenant: "acme", Severity: report.SeverityHigh}, true},
		{"acme medium", store.Event{Type: store.EventFindingOpened, Tenant: "acme", Severity: report.SeverityMedium}, false},
		{"beta critical", store.Event{Type: store.EventFindingOpened, Tenant: "beta", Severity: report.SeverityCritical}, false},
		{"test for it", store.Event{Type: store.EventTest, Subscription: "acme-crit"}, true},
		{"test for another", store.Event{Type: store.EventTest, Tenant: "acme", Subscription: "ops"}, false},
	} {
		if got := s.Matches(tc.e); got != tc.want {
			t.Errorf("%s: Matches = %v, want %v", tc.name, got, tc.want)
		}
	}
	eachStore(t, func(t *testing.T, open opener) {
		st := open(t)
		rc := newReceiver(t)
		srv := httptest.NewServer(rc)
		defer srv.Close()
		n := start(t, st, srv.URL, 10)
		e, err := n.SendTest(t.Context(), "ops")
		if err != nil {
			t.Fatal(err)
		}
		eventually(t, "the test event", func() bool { return rc.has(map[string]bool{e.ID: true}) })
		if _, err := n.SendTest(t.Context(), "nobody"); err == nil {
			t.Error("SendTest to an unknown subscription: no error")
		}
	})
}

func TestSubscriptionValidate(t *testing.T) {
	good := notify.Subscription{ID: "ops", URL: "https://hooks.example.net/demarc", Secret: secret}
	if err := good.Validate(); err != nil {
		t.Fatalf("good subscription: %v", err)
	}
	for name, mut := range map[string]func(*notify.Subscription){
		"no id":         func(s *notify.Subscription) { s.ID = "" },
		"id with space": func(s *notify.Subscription) { s.ID = "a b" },
		"ftp url":       func(s *notify.Subscription) { s.URL = "ftp://x/" },
		"no host":       func(s *notify.Subscription) { s.URL = "http:///x" },
		"short secret":  func(s *notify.Subscription) { s.Secret = "short" },
		"unknown event": func(s *notify.Subscription) { s.Events = []string{"host.exploded"} },
		"bad severity":  func(s *notify.Subscription) { s.MinSeverity = "urgent" },
	} {
		s := good
		mut(&s)
		if err := s.Validate(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestPruneOutbox: retention deletes the deliveries made before the
// cutoff, the log, and the events delivered everywhere; an event still
// queued for a receiver that is down is kept.
func TestPruneOutbox(t *testing.T) {
	eachStore(t, func(t *testing.T, open opener) {
		s := open(t)
		rc := newReceiver(t)
		srv := httptest.NewServer(rc)
		defer srv.Close()
		acme := ingest(t, s, "acme", 1, 3, t0)
		beta := ingest(t, s, "beta", 1, 5, t0)
		n, err := notify.New(notify.Config{Outbox: s, Poll: 10 * time.Millisecond, MinBackoff: time.Hour, Subscriptions: []notify.Subscription{
			{ID: "ops", URL: srv.URL, Secret: secret},
			{ID: "down", URL: "http://127.0.0.1:1/", Secret: secret, Tenant: "acme"}}})
		if err != nil {
			t.Fatal(err)
		}
		n.Start()
		eventually(t, "every event delivered to ops", func() bool {
			q, err := s.PendingEvents(t.Context(), "ops", 1)
			return err == nil && len(q) == 0 && rc.has(acme) && rc.has(beta)
		})
		n.Close()
		if _, err := s.Prune(t.Context(), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if ds, err := s.Deliveries(t.Context(), "", 10); err != nil || len(ds) != 0 {
			t.Errorf("delivery log after prune: %d rows, %v", len(ds), err)
		}
		q, err := s.PendingEvents(t.Context(), "down", 1000)
		if err != nil || len(q) != len(acme) {
			t.Errorf("queued for the receiver that is down: %d of %d, %v", len(q), len(acme), err)
		}
		// An event id still stored is skipped when added again; a pruned one is new.
		readd := func(ids map[string]bool) int {
			for id := range ids {
				if err := s.AddEvents(t.Context(), []store.Event{{ID: id, Type: store.EventFindingOpened}}, t0); err != nil {
					t.Fatal(err)
				}
				k, err := s.DispatchEvents(t.Context(), func(store.Event) []string { return nil }, 10)
				if err != nil {
					t.Fatal(err)
				}
				return k
			}
			return -1
		}
		if k := readd(acme); k != 0 {
			t.Errorf("an event still queued was pruned (added again: %d new)", k)
		}
		if k := readd(beta); k != 1 {
			t.Errorf("an event delivered everywhere was kept (added again: %d new)", k)
		}
	})
}
