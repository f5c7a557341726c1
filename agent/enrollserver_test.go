package agent

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// enrollServer implements demarc-server's enrollment contract (issue 12)
// as the agent sees it: POST /api/v1/enroll trades an enroll secret (or a
// legacy agent token) for a host id and a dmh_ key; POST /api/v1/reports
// takes host keys (unknown or retired: 401 unauthenticated; a revoked
// host's: 401 host_revoked), promotes a pending key it is posted with,
// hands out a new pending key when rotation is due and the post was made
// with the current key, refuses a body naming another host or tenant (403
// forbidden_report), answers a legacy token with 403 enroll_first (unless
// compat), and keeps report ids unique per host (same body 200, another
// body 409); GET /api/v1/whoami answers for host keys.
type enrollServer struct {
	mu       sync.Mutex
	secrets  map[string]string // enroll secret → tenant
	tokens   map[string]string // legacy agent token → tenant
	compat   bool              // compat.agent_token_reports
	noEnroll bool              // a server older than enrollment: 404
	rotate   bool              // rotation due on every post with the current key
	dropNext int               // commit the next N reports, then drop the connection unanswered

	hosts   map[string]*fakeHost // by host id
	keys    map[string]*fakeKey  // by key
	byHost  map[string][]string  // host id → report ids stored, in order
	bodies  map[string][]byte    // host id + "/" + report id → body
	enrolls []enrollCall
	count   map[string]int // answers by "<status> <code>", and "requests"
}

type fakeHost struct {
	id, tenant string
	revoked    bool
}

type fakeKey struct {
	host  string
	state string // current, pending, retired
}

type enrollCall struct {
	bearer string
	body   map[string]any
}

func newEnrollServer(t *testing.T) (*enrollServer, *httptest.Server) {
	es := &enrollServer{
		secrets: map[string]string{}, tokens: map[string]string{},
		hosts: map[string]*fakeHost{}, keys: map[string]*fakeKey{},
		byHost: map[string][]string{}, bodies: map[string][]byte{}, count: map[string]int{},
	}
	srv := httptest.NewServer(es)
	t.Cleanup(srv.Close)
	return es, srv
}

func credential(prefix string) string {
	id := make([]byte, 8)
	sec := make([]byte, 32)
	rand.Read(id)
	rand.Read(sec)
	return prefix + hex.EncodeToString(id) + "_" + base64.RawURLEncoding.EncodeToString(sec)
}

func (es *enrollServer) answer(w http.ResponseWriter, status int, code string, v any) {
	es.count[strings.TrimSpace(http.StatusText(status)+" "+code)]++
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if v == nil {
		v = map[string]string{"error": code, "code": code}
	}
	json.NewEncoder(w).Encode(v)
}

func (es *enrollServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	es.mu.Lock()
	defer es.mu.Unlock()
	es.count["requests"]++
	bearer, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	switch {
	case r.URL.Path == "/api/v1/enroll" && r.Method == http.MethodPost && !es.noEnroll:
		es.enroll(w, r, bearer)
	case r.URL.Path == "/api/v1/reports" && r.Method == http.MethodPost:
		es.report(w, r, bearer)
	case r.URL.Path == "/api/v1/whoami" && r.Method == http.MethodGet:
		k := es.keys[bearer]
		if k == nil || k.state == "retired" {
			es.answer(w, 401, "unauthenticated", nil)
			return
		}
		h := es.hosts[k.host]
		es.answer(w, 200, "", map[string]string{"token_id": bearer[4:20], "tenant": h.tenant, "role": "host", "host_id": h.id})
	default:
		http.NotFound(w, r)
	}
}

func (es *enrollServer) enroll(w http.ResponseWriter, r *http.Request, bearer string) {
	tenant, ok := es.secrets[bearer]
	warning := ""
	if !ok {
		if tenant, ok = es.tokens[bearer]; ok {
			warning = "enrolling with an agent token is deprecated"
		}
	}
	var body map[string]any
	b, _ := io.ReadAll(io.LimitReader(r.Body, 16<<10+1))
	es.enrolls = append(es.enrolls, enrollCall{bearer: bearer})
	if !ok {
		es.answer(w, 401, "unauthenticated", nil)
		return
	}
	if len(b) > 16<<10 || json.Unmarshal(b, &body) != nil || body["hostname"] == "" {
		es.answer(w, 400, "bad_request", nil)
		return
	}
	es.enrolls[len(es.enrolls)-1].body = body
	id := make([]byte, 16)
	rand.Read(id)
	h := &fakeHost{id: hex.EncodeToString(id), tenant: tenant}
	es.hosts[h.id] = h
	key := credential("dmh_")
	es.keys[key] = &fakeKey{host: h.id, state: "current"}
	es.answer(w, 201, "", map[string]string{"host_id": h.id, "host_key": key, "tenant": tenant, "warning": warning})
}

func (es *enrollServer) report(w http.ResponseWriter, r *http.Request, bearer string) {
	var host *fakeHost
	var key *fakeKey
	if tenant, ok := es.tokens[bearer]; ok {
		if !es.compat {
			es.answer(w, 403, "enroll_first", nil)
			return
		}
		host = &fakeHost{tenant: tenant}
	} else if key = es.keys[bearer]; key == nil || key.state == "retired" {
		es.answer(w, 401, "unauthenticated", nil)
		return
	} else if host = es.hosts[key.host]; host.revoked {
		es.answer(w, 401, "host_revoked", nil)
		return
	}
	zr, err := gzip.NewReader(r.Body)
	if err != nil {
		es.answer(w, 400, "bad_request", nil)
		return
	}
	body, _ := io.ReadAll(zr)
	var rep struct {
		ReportID string `json:"report_id"`
		Host     struct {
			HostID string `json:"host_id"`
		} `json:"host"`
		Profile struct {
			Tenant string `json:"tenant"`
		} `json:"profile"`
	}
	if json.Unmarshal(body, &rep) != nil || rep.ReportID == "" {
		es.answer(w, 400, "bad_request", nil)
		return
	}
	hostID := host.id
	if key == nil { // legacy: the body names the host
		hostID = rep.Host.HostID
	}
	if rep.Host.HostID != "" && rep.Host.HostID != hostID || rep.Profile.Tenant != "" && rep.Profile.Tenant != host.tenant {
		es.answer(w, 403, "forbidden_report", nil)
		return
	}
	k := hostID + "/" + rep.ReportID
	if old, dup := es.bodies[k]; dup && !bytes.Equal(old, body) {
		es.answer(w, 409, "conflict", nil)
		return
	}
	status, ans := 202, map[string]string{"report_id": rep.ReportID, "status": "created"}
	if _, dup := es.bodies[k]; dup {
		status, ans["status"] = 200, "duplicate"
	} else {
		es.bodies[k] = body
		es.byHost[hostID] = append(es.byHost[hostID], rep.ReportID)
	}
	if key != nil {
		switch {
		case key.state == "pending":
			for _, o := range es.keys {
				if o.host == key.host && o.state == "current" {
					o.state = "retired"
				}
			}
			key.state = "current"
		case es.rotate:
			for _, o := range es.keys {
				if o.host == key.host && o.state == "pending" {
					o.state = "retired"
				}
			}
			nk := credential("dmh_")
			es.keys[nk] = &fakeKey{host: key.host, state: "pending"}
			ans["host_key"] = nk
		}
	}
	if es.dropNext > 0 {
		es.dropNext--
		es.count["dropped"]++
		if c, _, err := w.(http.Hijacker).Hijack(); err == nil {
			c.Close()
		}
		return
	}
	es.answer(w, status, "", ans)
}

// hostKeys returns the current and pending key of a host.
func (es *enrollServer) hostKeys(hostID string) (current, pending string) {
	es.mu.Lock()
	defer es.mu.Unlock()
	for k, v := range es.keys {
		if v.host == hostID && v.state == "current" {
			current = k
		}
		if v.host == hostID && v.state == "pending" {
			pending = k
		}
	}
	return current, pending
}

func (es *enrollServer) stored(hostID string) []string {
	es.mu.Lock()
	defer es.mu.Unlock()
	return append([]string(nil), es.byHost[hostID]...)
}

func (es *enrollServer) counts() map[string]int {
	es.mu.Lock()
	defer es.mu.Unlock()
	out := map[string]int{}
	for k, v := range es.count {
		out[k] = v
	}
	out["enrolls"] = len(es.enrolls)
	return out
}

func (es *enrollServer) with(f func(es *enrollServer)) {
	es.mu.Lock()
	defer es.mu.Unlock()
	f(es)
}
