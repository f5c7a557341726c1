package ingest_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest"
	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

type ackOut struct {
	Acks []struct {
		store.Ack
		Badge string `json:"badge"`
	} `json:"acknowledgements"`
}

func (e *env) postAck(token string, body string) (int, map[string]any) {
	e.t.Helper()
	return e.do(http.MethodPost, "/api/v1/acknowledgements", token, []byte(body), map[string]string{"Content-Type": "application/json"})
}

func pickFinding(t *testing.T, fs []store.Finding, ok func(f *store.Finding) bool) store.Finding {
	t.Helper()
	for i := range fs {
		if ok(&fs[i]) {
			return fs[i]
		}
	}
	t.Fatal("the fleet lacks a finding to acknowledge")
	return store.Finding{}
}

// TestAcknowledgements: an accepted risk leaves the SLA counts and the
// backlog while it lives, stays listed with its badge, expires by the
// clock alone, can be withdrawn, and is audit-logged.
func TestAcknowledgements(t *testing.T) {
	now := t0
	e := newEnv(t, func(c *ingest.Config) {
		c.Now = func() time.Time { return now }
		c.FleetGaugeTTL = -1
		c.Acks.ViewersMayAcceptCustomer = true
	})
	exportFleet(t, e)
	var all store.FindingPage
	e.get(e.tok["admin"], "/api/v1/findings?limit=500", &all)
	p := pickFinding(t, all.Findings, func(f *store.Finding) bool {
		return f.Tenant == "acme" && f.Responsible == report.ResponsibleProvider && f.SLAState != "none"
	})
	now = p.OpenedAt.Add(400 * 24 * time.Hour) // every SLA breached
	breached := func() int64 {
		var c struct {
			Counts struct {
				Provider struct{ Breached int64 } `json:"provider"`
			} `json:"counts"`
		}
		if st := e.get(e.tok["admin"], "/api/v1/sla", &c); st != http.StatusOK {
			t.Fatalf("sla: %d", st)
		}
		return c.Counts.Provider.Breached
	}
	badge := func() string {
		var h struct{ Findings []store.Finding }
		e.get(e.tok["admin"], "/api/v1/hosts/"+p.HostID, &h)
		for _, f := range h.Findings {
			if f.ID == p.ID {
				if f.Ack == nil {
					return ""
				}
				return f.Ack.Badge()
			}
		}
		t.Fatal("the acknowledged finding is no longer listed")
		return ""
	}
	before := breached()
	if before == 0 {
		t.Fatal("nothing breached: the test proves nothing")
	}
	exp := now.Add(60 * 24 * time.Hour).Format(time.DateOnly)
	st, body := e.postAck(e.tok["admin"], `{"host_id":"`+p.HostID+`","finding_id":"`+p.ID+`","reason":"migration in March","expires":"`+exp+`"}`)
	if st != http.StatusCreated || body["badge"] != "accepted until "+exp+": migration in March" {
		t.Fatalf("POST: %d %v", st, body)
	}
	id := body["id"].(string)
	if got := breached(); got != before-1 {
		t.Errorf("breached with the acknowledgement: %d, want %d", got, before-1)
	}
	if b := badge(); b != "accepted until "+exp+": migration in March" {
		t.Errorf("host page badge %q", b)
	}
	// The clock alone ends it.
	now = now.Add(61 * 24 * time.Hour)
	if got := breached(); got != before {
		t.Errorf("breached after expiry: %d, want %d", got, before)
	}
	if b := badge(); b != "" {
		t.Errorf("expired badge still shown: %q", b)
	}
	var live ackOut
	e.get(e.tok["admin"], "/api/v1/acknowledgements", &live)
	if len(live.Acks) != 0 {
		t.Errorf("live after expiry: %+v", live.Acks)
	}
	e.get(e.tok["admin"], "/api/v1/acknowledgements?state=all", &live)
	if len(live.Acks) != 1 || live.Acks[0].ID != id {
		t.Errorf("all: %+v", live.Acks)
	}

	// A group: it leaves the backlog, listed under accepted.
	var bl struct{ Groups, Accepted []store.FindingGroup }
	e.get(e.tok["admin"], "/api/v1/backlog?responsible=provider", &bl)
	g := bl.Groups[0]
	exp = now.Add(30 * 24 * time.Hour).Format(time.DateOnly)
	st, body = e.postAck(e.tok["admin"], `{"product":"`+g.Product+`","cycle":"`+g.Cycle+`","reason":"vendor pins it","expires":"`+exp+`"}`)
	if st != http.StatusCreated {
		t.Fatalf("group POST: %d %v", st, body)
	}
	gid := body["id"].(string)
	e.get(e.tok["admin"], "/api/v1/backlog?responsible=provider", &bl)
	for _, x := range bl.Groups {
		if x.Product == g.Product && x.Cycle == g.Cycle {
			t.Errorf("accepted group still in the backlog: %+v", x)
		}
	}
	if len(bl.Accepted) == 0 || bl.Accepted[0].Product != g.Product || bl.Accepted[0].Ack == nil {
		t.Errorf("accepted: %+v", bl.Accepted)
	}
	if st, _ := e.do(http.MethodDelete, "/api/v1/acknowledgements/"+gid, e.tok["admin"], nil, nil); st != http.StatusNoContent {
		t.Errorf("DELETE: %d", st)
	}
	if st, _ := e.do(http.MethodDelete, "/api/v1/acknowledgements/"+gid, e.tok["admin"], nil, nil); st != http.StatusNotFound {
		t.Errorf("DELETE twice: %d", st)
	}
	e.get(e.tok["admin"], "/api/v1/backlog?responsible=provider", &bl)
	if len(bl.Accepted) != 0 {
		t.Errorf("withdrawn group still accepted: %+v", bl.Accepted)
	}
	var log struct{ Events []store.AckEvent }
	e.get(e.tok["admin"], "/api/v1/acknowledgements/log", &log)
	if len(log.Events) != 3 || log.Events[0].Action != store.AckWithdrawn || log.Events[0].AckID != gid || !strings.Contains(log.Events[0].By, "token") {
		t.Errorf("log: %+v", log.Events)
	}
}

// TestAcknowledgementAttacks: a viewer accepts its own tenant's
// customer-owned findings only, and only where the server allows it.
func TestAcknowledgementAttacks(t *testing.T) {
	now := t0.Add(24 * time.Hour)
	e := newEnv(t, func(c *ingest.Config) {
		c.Now = func() time.Time { return now }
		c.Acks.ViewersMayAcceptCustomer = true
	})
	exportFleet(t, e)
	var all store.FindingPage
	e.get(e.tok["admin"], "/api/v1/findings?limit=500", &all)
	prov := pickFinding(t, all.Findings, func(f *store.Finding) bool {
		return f.Tenant == "acme" && f.Responsible == report.ResponsibleProvider
	})
	cust := pickFinding(t, all.Findings, func(f *store.Finding) bool {
		return f.Tenant == "acme" && f.Responsible == report.ResponsibleCustomer
	})
	other := pickFinding(t, all.Findings, func(f *store.Finding) bool {
		return f.Tenant == "globex" && f.Responsible == report.ResponsibleCustomer
	})
	exp := now.Add(24 * time.Hour).Format(time.DateOnly)
	one := func(f store.Finding) string {
		return `{"host_id":"` + f.HostID + `","finding_id":"` + f.ID + `","reason":"r","expires":"` + exp + `"}`
	}
	for _, c := range []struct {
		name, tok, body string
		want            int
	}{
		{"provider finding", "viewerA", one(prov), http.StatusForbidden},
		{"another tenant's finding", "viewerA", one(other), http.StatusNotFound},
		{"another tenant's group", "viewerA", `{"product":"` + other.Product + `","cycle":"` + other.Cycle + `","tenant":"globex","reason":"r","expires":"` + exp + `"}`, http.StatusForbidden},
		{"a provider group", "viewerA", `{"product":"` + prov.Product + `","cycle":"` + prov.Cycle + `","responsible":"provider","reason":"r","expires":"` + exp + `"}`, http.StatusForbidden},
		{"agent", "agentA", one(cust), http.StatusForbidden},
		{"own customer finding", "viewerA", one(cust), http.StatusCreated},
	} {
		st, body := e.postAck(e.tok[c.tok], c.body)
		if st != c.want {
			t.Errorf("%s: %d %v, want %d", c.name, st, body, c.want)
		}
	}
	var mine ackOut
	e.get(e.tok["viewerA"], "/api/v1/acknowledgements", &mine)
	if len(mine.Acks) != 1 || mine.Acks[0].Tenant != "acme" || mine.Acks[0].Responsible != report.ResponsibleCustomer {
		t.Fatalf("viewerA's: %+v", mine.Acks)
	}
	id := mine.Acks[0].ID
	var theirs ackOut
	e.get(e.tok["viewerB"], "/api/v1/acknowledgements", &theirs)
	if len(theirs.Acks) != 0 {
		t.Errorf("globex sees acme's: %+v", theirs.Acks)
	}
	var log struct{ Events []store.AckEvent }
	e.get(e.tok["viewerB"], "/api/v1/acknowledgements/log", &log)
	if len(log.Events) != 0 {
		t.Errorf("globex sees acme's log: %+v", log.Events)
	}
	if st, _ := e.do(http.MethodDelete, "/api/v1/acknowledgements/"+id, e.tok["viewerB"], nil, nil); st != http.StatusNotFound {
		t.Errorf("globex withdrawing acme's: %d", st)
	}
	// An admin's acceptance of a provider finding is not the viewer's to withdraw.
	st, body := e.postAck(e.tok["admin"], one(prov))
	if st != http.StatusCreated {
		t.Fatalf("admin: %d %v", st, body)
	}
	if st, _ := e.do(http.MethodDelete, "/api/v1/acknowledgements/"+body["id"].(string), e.tok["viewerA"], nil, nil); st != http.StatusForbidden {
		t.Errorf("viewer withdrawing a provider acknowledgement: %d", st)
	}
	if st, _ := e.do(http.MethodDelete, "/api/v1/acknowledgements/"+id, e.tok["viewerA"], nil, nil); st != http.StatusNoContent {
		t.Errorf("viewer withdrawing its own: %d", st)
	}

	// Without the setting, a viewer accepts nothing.
	off := newEnv(t, func(c *ingest.Config) { c.Now = func() time.Time { return now } })
	exportFleet(t, off)
	if st, _ := off.postAck(off.tok["viewerA"], one(cust)); st != http.StatusForbidden {
		t.Errorf("viewer on a server without the setting: %d", st)
	}
}

// TestAcknowledgementMalformed: bad input is a 400 that says what is wrong.
func TestAcknowledgementMalformed(t *testing.T) {
	now := t0.Add(24 * time.Hour)
	e := newEnv(t, func(c *ingest.Config) { c.Now = func() time.Time { return now } })
	exportFleet(t, e)
	var all store.FindingPage
	e.get(e.tok["admin"], "/api/v1/findings?limit=5", &all)
	f := all.Findings[0]
	target := `"host_id":"` + f.HostID + `","finding_id":"` + f.ID + `"`
	day := func(d int) string { return now.Add(time.Duration(d) * 24 * time.Hour).Format(time.DateOnly) }
	for _, c := range []struct{ body, want string }{
		{`{` + target + `,"expires":"` + day(5) + `"}`, "reason: required"},
		{`{` + target + `,"reason":"   ","expires":"` + day(5) + `"}`, "reason: required"},
		{`{` + target + `,"reason":"` + strings.Repeat("x", 501) + `","expires":"` + day(5) + `"}`, "at most 500"},
		{`{` + target + `,"reason":"a\nb","expires":"` + day(5) + `"}`, "one line"},
		{`{` + target + `,"reason":"r"}`, "expires: required"},
		{`{` + target + `,"reason":"r","expires":"tomorrow"}`, "want a date"},
		{`{` + target + `,"reason":"r","expires":"` + day(-1) + `"}`, "in the future"},
		{`{` + target + `,"reason":"r","expires":"` + day(400) + `"}`, "at most a year"},
		{`{"host_id":"` + f.HostID + `","reason":"r","expires":"` + day(5) + `"}`, "both or neither"},
		{`{"reason":"r","expires":"` + day(5) + `"}`, "product: required"},
		{`{"product":"php","tenant":"no such/tenant","reason":"r","expires":"` + day(5) + `"}`, "tenant"},
		{`{"product":"php","responsible":"nobody","reason":"r","expires":"` + day(5) + `"}`, "responsible"},
		{`{` + target + `,"product":"php","reason":"r","expires":"` + day(5) + `"}`, "alone"},
		{`{` + target + `,"reason":"r","expires":"` + day(5) + `","extra":1}`, "unknown field"},
		{`{` + target, "acknowledgement"},
		{`[]`, "acknowledgement"},
	} {
		st, body := e.postAck(e.tok["admin"], c.body)
		if st != http.StatusBadRequest || !strings.Contains(strings.ToLower(strings.Join(values(body), " ")), strings.ToLower(c.want)) {
			t.Errorf("%.80s: %d %v, want 400 saying %q", c.body, st, body, c.want)
		}
	}
	if st, _ := e.postAck(e.tok["admin"], `{"host_id":"nohost","finding_id":"x","reason":"r","expires":"`+day(5)+`"}`); st != http.StatusNotFound {
		t.Errorf("unknown finding: %d", st)
	}
	if st, _ := e.do(http.MethodGet, "/api/v1/acknowledgements?state=gone", e.tok["admin"], nil, nil); st != http.StatusBadRequest {
		t.Errorf("bad state: %d", st)
	}
}

func values(m map[string]any) (out []string) {
	for _, v := range m {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// FuzzParseExpiry: any input is a time or an ErrInvalid, never a panic.
func FuzzParseExpiry(f *testing.F) {
	for _, s := range []string{"2027-03-31", "2027-03-31T12:00:00+02:00", "tomorrow", "", "2027-02-30", "9999-12-31"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ingest.ParseExpiry(s)
		if err != nil {
			if !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("%q: %v is not ErrInvalid", s, err)
			}
			return
		}
		if got.Location() != time.UTC {
			t.Fatalf("%q: %v not UTC", s, got)
		}
	})
}
