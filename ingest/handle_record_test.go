package ingest_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/demarc/demarc/ingest"
	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

var jsonHdr = map[string]string{"Content-Type": "application/json"}

// TestRecordAPI: an admin PUTs a host's record (tenant taken from the
// known host), gets 200 with the stored record, the hook is called with
// the host, the change is audit-logged with the admin token's name and id;
// the tenant's viewer reads it, another tenant's viewer gets 404, a viewer
// may not PUT, and the judge takes the record's tier (StoreRecords).
func TestRecordAPI(t *testing.T) {
	var mu sync.Mutex
	var hooked [][]string
	var e *env
	e = newEnv(t, func(c *ingest.Config) {
		c.OnRecordsChanged = func(_ context.Context, ids []string) {
			mu.Lock()
			hooked = append(hooked, ids)
			mu.Unlock()
		}
		c.Records = ingest.StoreRecords(c.Store)
	})
	h := host(1, "acme")
	r := h.Next(t0)
	if code, _ := e.post(e.tok["agentA"], r); code != http.StatusAccepted {
		t.Fatalf("post: %d", code)
	}
	path := "/api/v1/hosts/" + h.ID + "/record"
	if code := e.get(e.tok["viewerA"], path, nil); code != http.StatusNotFound {
		t.Errorf("GET before any record: %d", code)
	}
	code, body := e.do(http.MethodPut, path, e.tok["admin"], []byte(`{"tier":"iaas","customer":"ACME Ltd","data_centre":"ams1"}`), jsonHdr)
	if code != http.StatusOK || body["tier"] != "iaas" || body["tenant"] != "acme" || body["host_id"] != h.ID || body["maintenance_agreement"] != nil {
		t.Fatalf("PUT: %d %v", code, body)
	}
	wantBy := "test (token " + tokenID(e.tok["admin"]) + ")"
	if body["updated_by"] != wantBy {
		t.Errorf("updated_by %v, want %s", body["updated_by"], wantBy)
	}
	mu.Lock()
	if len(hooked) != 1 || len(hooked[0]) != 1 || hooked[0][0] != h.ID {
		t.Errorf("hook calls %v", hooked)
	}
	mu.Unlock()
	var rec store.HostRecord
	if code := e.get(e.tok["viewerA"], path, &rec); code != http.StatusOK || rec.Tier != report.TierIaaS || rec.Customer != "ACME Ltd" {
		t.Errorf("viewer GET: %d %+v", code, rec)
	}
	if code := e.get(e.tok["viewerB"], path, nil); code != http.StatusNotFound {
		t.Errorf("other tenant's viewer GET: %d", code)
	}
	if code := e.get(e.tok["viewerB"], path+"/history", nil); code != http.StatusNotFound {
		t.Errorf("other tenant's viewer history: %d", code)
	}
	var hist store.RecordChangePage
	if code := e.get(e.tok["viewerA"], path+"/history?limit=2", &hist); code != http.StatusOK || len(hist.Changes) != 2 || hist.Next == "" || hist.Changes[0].By != wantBy {
		t.Errorf("history: %d %+v", code, hist)
	}
	// The same record again changes nothing and calls no hook.
	if code, _ := e.do(http.MethodPut, path, e.tok["admin"], []byte(`{"tier":"iaas","customer":"ACME Ltd","data_centre":"ams1","tenant":"acme"}`), jsonHdr); code != http.StatusOK {
		t.Errorf("same PUT: %d", code)
	}
	mu.Lock()
	if len(hooked) != 1 {
		t.Errorf("hook called for no change: %v", hooked)
	}
	mu.Unlock()
	// The next report is judged on the record's tier, not the claimed one.
	r2 := h.Next(t0.Add(1e9))
	r2.Profile.Tier = report.TierManaged
	if code, _ := e.post(e.tok["agentA"], r2); code != http.StatusAccepted {
		t.Fatalf("post 2: %d", code)
	}
	if got, err := e.st.Host(t.Context(), allScope, h.ID); err != nil || got.Tier != report.TierIaaS {
		t.Errorf("judged tier %v (%v), want the record's iaas", got.Tier, err)
	}
	for _, tok := range []string{"viewerA", "agentA"} {
		if code, _ := e.do(http.MethodPut, path, e.tok[tok], []byte(`{"tier":"managed"}`), jsonHdr); code != http.StatusForbidden {
			t.Errorf("PUT as %s: %d", tok, code)
		}
	}
	if code, _ := e.do(http.MethodDelete, path, e.tok["admin"], nil, nil); code != http.StatusMethodNotAllowed {
		t.Errorf("DELETE: %d", code)
	}
}

// TestRecordAPIMalformed: bad bodies are refused with the field named and
// nothing stored.
func TestRecordAPIMalformed(t *testing.T) {
	e := newEnv(t, nil)
	g := host(2, "globex")
	if code, _ := e.post(e.tok["agentB"], g.Next(t0)); code != http.StatusAccepted {
		t.Fatal("post")
	}
	path := "/api/v1/hosts/h-unknown/record"
	for _, tc := range []struct {
		name, path, body string
		hdr              map[string]string
		status           int
		code, field      string
	}{
		{"unknown tier", path, `{"tier":"premium","tenant":"acme"}`, jsonHdr, 422, "invalid_record", "tier:"},
		{"unknown key", path, `{"tier":"iaas","tenant":"acme","colour":"red"}`, jsonHdr, 422, "invalid_record", "colour:"},
		{"bad boolean", path, `{"tier":"iaas","tenant":"acme","maintenance_agreement":"yes"}`, jsonHdr, 422, "invalid_record", "maintenance_agreement:"},
		{"long label", path, `{"tier":"iaas","tenant":"acme","contract":"` + strings.Repeat("x", 200) + `"}`, jsonHdr, 422, "invalid_record", "contract:"},
		{"unknown host, no tenant", path, `{"tier":"iaas"}`, jsonHdr, 422, "invalid_record", "tenant:"},
		{"other host id", path, `{"tier":"iaas","tenant":"acme","host_id":"h-other"}`, jsonHdr, 422, "invalid_record", "host_id:"},
		{"another tenant's host", "/api/v1/hosts/" + g.ID + "/record", `{"tier":"iaas","tenant":"acme"}`, jsonHdr, 422, "conflict", "tenant:"},
		{"truncated", path, `{"tier":"ia`, jsonHdr, 400, "malformed", ""},
		{"array", path, `[]`, jsonHdr, 400, "malformed", ""},
		{"deep", path, strings.Repeat("[", 10000), jsonHdr, 400, "malformed", ""},
		{"not json", path, `tier=iaas`, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415, "content_type", ""},
		{"too large", path, `{"customer":"` + strings.Repeat("x", 17<<10) + `"}`, jsonHdr, 413, "too_large", ""},
	} {
		code, body := e.do(http.MethodPut, tc.path, e.tok["admin"], []byte(tc.body), tc.hdr)
		msg, _ := body["error"].(string)
		if code != tc.status || body["code"] != tc.code || !strings.HasPrefix(msg, tc.field) {
			t.Errorf("%s: %d %v, want %d %s %s", tc.name, code, body, tc.status, tc.code, tc.field)
		}
	}
	if all, err := e.st.HostRecords(t.Context(), allScope, store.Page{}); err != nil || len(all.Records) != 0 {
		t.Errorf("refused PUTs stored %v (%v)", all.Records, err)
	}
}
