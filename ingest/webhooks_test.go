package ingest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest"
	"github.com/demarc/demarc/ingest/notify"
	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// TestWebhooksAPI posts reports of two tenants to a server with a
// subscription to one tenant's provider findings and checks what the
// loopback receiver gets, the admin API and the "send test".
func TestWebhooksAPI(t *testing.T) {
	const secret = "acme-webhook-secret-0123"
	var mu sync.Mutex
	got := map[string]store.Event{}
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !notify.Verify(secret, body, r.Header.Get(notify.SignatureHeader)) {
			t.Errorf("delivery with a bad signature")
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var b notify.Body
		if err := json.Unmarshal(body, &b); err != nil {
			t.Errorf("delivery body: %v", err)
		}
		mu.Lock()
		for _, e := range b.Events {
			got[e.ID] = e
		}
		mu.Unlock()
	}))
	defer recv.Close()
	e := newEnv(t, func(c *ingest.Config) {
		c.WebhookPoll = 10 * time.Millisecond
		c.Webhooks = []notify.Subscription{{ID: "acme-ops", URL: recv.URL, Secret: secret, Tenant: "acme",
			Events: []string{store.EventFindingOpened}}}
	})
	for i := range 12 {
		tenant, tok := "acme", "agentA"
		if i%2 == 1 {
			tenant, tok = "globex", "agentB"
		}
		h := host(uint64(40+i), tenant)
		h.Tier = report.TierManaged // the provider's findings come with the managed tier
		if st, body := e.post(e.tok[tok], h.Next(t0)); st != http.StatusAccepted {
			t.Fatalf("post: %d %v", st, body)
		}
	}
	var fs struct {
		Findings []store.Finding `json:"findings"`
	}
	if st := e.get(e.tok["viewerA"], "/api/v1/findings?responsible=provider&limit=500", &fs); st != http.StatusOK {
		t.Fatalf("findings: %d", st)
	}
	want := len(fs.Findings)
	if want == 0 {
		t.Fatal("the acme host has no provider findings")
	}
	wait(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(got) >= want })
	time.Sleep(50 * time.Millisecond) // globex's would have come by now
	mu.Lock()
	for id, ev := range got {
		if ev.Tenant != "acme" || ev.Type != store.EventFindingOpened || ev.Finding == nil || ev.Finding.Responsible != report.ResponsibleProvider {
			t.Errorf("event %s: %+v", id, ev)
		}
	}
	if len(got) != want {
		t.Errorf("%d events, want %d", len(got), want)
	}
	mu.Unlock()

	if st := e.get(e.tok["viewerA"], "/api/v1/webhooks", nil); st != http.StatusForbidden {
		t.Errorf("a viewer lists webhooks: %d", st)
	}
	var list struct {
		Subscriptions []map[string]any `json:"subscriptions"`
	}
	if st := e.get(e.tok["admin"], "/api/v1/webhooks", &list); st != http.StatusOK || len(list.Subscriptions) != 1 {
		t.Fatalf("list webhooks: %d %+v", st, list)
	}
	if _, ok := list.Subscriptions[0]["secret"]; ok {
		t.Error("the webhook list shows the secret")
	}
	st, body := e.do(http.MethodPost, "/api/v1/webhooks/acme-ops/test", e.tok["admin"], nil, nil)
	if st != http.StatusAccepted {
		t.Fatalf("send test: %d %v", st, body)
	}
	id, _ := body["event_id"].(string)
	wait(t, func() bool { mu.Lock(); defer mu.Unlock(); _, ok := got[id]; return ok })
	if st, _ := e.do(http.MethodPost, "/api/v1/webhooks/nobody/test", e.tok["admin"], nil, nil); st != http.StatusNotFound {
		t.Errorf("send test to an unknown webhook: %d", st)
	}
	var log struct {
		Deliveries []store.Delivery `json:"deliveries"`
	}
	if st := e.get(e.tok["admin"], "/api/v1/webhooks/deliveries?subscription=acme-ops", &log); st != http.StatusOK || len(log.Deliveries) < 2 {
		t.Fatalf("delivery log: %d %+v", st, log)
	}
	for _, d := range log.Deliveries {
		if d.Status != http.StatusOK || !strings.HasPrefix(d.DeliveryID, "acme-ops-") {
			t.Errorf("delivery %+v", d)
		}
	}
}

func wait(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestWebhookEventJob moves the server's clock past a provider finding's
// SLA and a host's silence and checks the events the job sends: each
// once, also as later runs read the end of its span again (their overlap).
func TestWebhookEventJob(t *testing.T) {
	const secret = "job-webhook-secret-01234"
	var mu sync.Mutex
	got := map[string]store.Event{}
	count := map[string]int{}
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var b notify.Body
		if !notify.Verify(secret, body, r.Header.Get(notify.SignatureHeader)) || json.Unmarshal(body, &b) != nil {
			t.Errorf("bad delivery")
			return
		}
		mu.Lock()
		for _, e := range b.Events {
			got[e.ID] = e
			count[e.ID]++
		}
		mu.Unlock()
	}))
	defer recv.Close()
	var clock sync.Mutex
	now := time.Now().UTC().Truncate(time.Second)
	e := newEnv(t, func(c *ingest.Config) {
		c.Now = func() time.Time { clock.Lock(); defer clock.Unlock(); return now }
		c.WebhookPoll, c.EventInterval, c.SilentAfter = 10*time.Millisecond, 10*time.Millisecond, 72*time.Hour
		c.Webhooks = []notify.Subscription{{ID: "ops", URL: recv.URL, Secret: secret,
			Events: []string{store.EventSLABreached, store.EventSLADue, store.EventHostSilent, store.EventCollectorFailed}}}
	})
	h := host(77, "acme")
	h.Tier = report.TierManaged
	r := h.Next(now)
	r.Collectors = append(r.Collectors, report.CollectorRun{Name: "packages", Status: report.CollectorFailed})
	if st, body := e.post(e.tok["agentA"], r); st != http.StatusAccepted {
		t.Fatalf("post: %d %v", st, body)
	}
	var crit store.FindingPage
	e.get(e.tok["admin"], "/api/v1/findings?responsible=provider&severity=critical&limit=500", &crit)
	if len(crit.Findings) == 0 {
		t.Skip("the generated host has no critical provider finding")
	}
	advance := func(d time.Duration) {
		time.Sleep(50 * time.Millisecond) // a few runs at this instant
		clock.Lock()
		now = now.Add(d)
		clock.Unlock()
	}
	advance(time.Second) // the report, received, falls in the job's span
	typeSeen := func(typ string) bool {
		mu.Lock()
		defer mu.Unlock()
		for _, ev := range got {
			if ev.Type == typ {
				return true
			}
		}
		return false
	}
	wait(t, func() bool { return typeSeen(store.EventCollectorFailed) })
	advance(8 * 24 * time.Hour) // past 7 days: critical breached, host silent, highs (30 d) not due
	wait(t, func() bool { return typeSeen(store.EventSLABreached) && typeSeen(store.EventHostSilent) })
	advance(time.Minute)
	time.Sleep(100 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	breached := 0
	for id, ev := range got {
		if count[id] != 1 {
			t.Errorf("event %s sent %d times", id, count[id])
		}
		switch ev.Type {
		case store.EventSLABreached:
			breached++
			if ev.Severity != report.SeverityCritical || ev.SLADue == nil || ev.Finding == nil {
				t.Errorf("breach event %+v", ev)
			}
		case store.EventSLADue:
			// A 7-day SLA is due (within 7 days) from the start.
			if ev.SLADue == nil || ev.At.After(now) {
				t.Errorf("due event %+v", ev)
			}
		case store.EventHostSilent:
			if ev.HostID != r.Host.HostID || ev.LastReceivedAt == nil {
				t.Errorf("silent event %+v", ev)
			}
		case store.EventCollectorFailed:
			if len(ev.Collectors) == 0 || ev.ReportID != r.ReportID {
				t.Errorf("collector event %+v", ev)
			}
		}
	}
	if breached != len(crit.Findings) {
		t.Errorf("%d breach events, want one per critical provider finding (%d)", breached, len(crit.Findings))
	}
}
