package ingest_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest"
	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// secret stores an enroll secret of tenant and returns it.
func (e *env) secret(tenant string, expires *time.Time, uses *int) string {
	e.t.Helper()
	s, rec, err := ingest.NewEnrollSecret(tenant, "test", time.Now(), expires, uses)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.st.CreateEnrollSecret(e.t.Context(), rec); err != nil {
		e.t.Fatal(err)
	}
	return s
}

type enrolled struct{ hostID, key, tenant, warning string }

// enroll enrolls a host with credential and returns its id and key.
func (e *env) enroll(cred, hostname, machineID string) (int, enrolled) {
	e.t.Helper()
	body := mustJSON(e.t, map[string]any{"hostname": hostname, "machine_id": machineID, "os": map[string]string{"id": "debian", "version_id": "12"}, "agent_version": "test"})
	st, out := e.do(http.MethodPost, "/api/v1/enroll", cred, body, map[string]string{"Content-Type": "application/json"})
	str := func(k string) string { s, _ := out[k].(string); return s }
	return st, enrolled{hostID: str("host_id"), key: str("host_key"), tenant: str("tenant"), warning: str("warning")}
}

// reportFor is a genuine report of an enrolled host.
func reportFor(h enrolled, seed uint64, at time.Time) *report.Report {
	r := host(seed, h.tenant).Next(at)
	r.Host.HostID = h.hostID
	return r
}

// refusal is what a refusal says, without its request id.
func refusal(body map[string]any) [2]any { return [2]any{body["error"], body["code"]} }

// TestHostKeysCannotImpersonate: host A's key cannot post for host B of
// its own tenant or of another tenant, and the answer is the same whether
// B exists or not; nothing is stored.
func TestHostKeysCannotImpersonate(t *testing.T) {
	e := newEnv(t, nil)
	acme, globex := e.secret("acme", nil, nil), e.secret("globex", nil, nil)
	_, a := e.enroll(acme, "web01", "m-a")
	_, b := e.enroll(acme, "web02", "m-b")
	_, c := e.enroll(globex, "db01", "m-c")
	if a.hostID == b.hostID || len(a.hostID) != 32 || a.tenant != "acme" || c.tenant != "globex" {
		t.Fatalf("enrollments: %+v %+v %+v", a, b, c)
	}
	if st, body := e.post(a.key, reportFor(a, 1, t0)); st != http.StatusAccepted {
		t.Fatalf("own report: %d %v", st, body)
	}
	hosts, reports := e.stored()
	var answers [][2]any
	for _, target := range []string{b.hostID, c.hostID, "0123456789abcdef0123456789abcdef", "web02"} {
		r := reportFor(a, 2, t0.Add(time.Hour))
		r.Host.HostID = target
		st, body := e.post(a.key, r)
		if st != http.StatusForbidden {
			t.Errorf("A's key posting as %s: %d %v", target, st, body)
		}
		answers = append(answers, refusal(body))
	}
	r := reportFor(a, 3, t0.Add(2*time.Hour))
	r.Profile.Tenant = "globex"
	st, body := e.post(a.key, r)
	answers = append(answers, refusal(body))
	for _, ans := range answers[1:] {
		if ans != answers[0] || st != http.StatusForbidden {
			t.Errorf("refusals differ (an oracle): %v vs %v", ans, answers[0])
		}
	}
	if h, n := e.stored(); h != hosts || n != reports {
		t.Errorf("refused posts stored something: %d hosts %d reports, before %d %d", h, n, hosts, reports)
	}
}

// TestNoSquatting: a tenant's agent token no longer names host ids (403
// enroll_first); even in the compat mode that lets it, it cannot take a
// host that enrolled.
func TestNoSquatting(t *testing.T) {
	e := newEnv(t, func(c *ingestConfig) { c.AgentTokenReports = false })
	_, b := e.enroll(e.secret("globex", nil, nil), "web01", "")
	squat := reportFor(b, 5, t0)
	squat.Profile.Tenant = ""
	if st, body := e.post(e.tok["agentA"], squat); st != http.StatusForbidden || body["code"] != "enroll_first" {
		t.Fatalf("agent token posting: %d %v", st, body)
	}
	c := newEnv(t, nil) // compat mode: agent tokens post as before
	_, b = c.enroll(c.secret("globex", nil, nil), "web01", "")
	squat = reportFor(b, 5, t0)
	if st, body := c.post(c.tok["agentA"], squat); st != http.StatusForbidden || body["code"] != "forbidden_report" {
		t.Fatalf("compat agent token posting an enrolled host's id: %d %v", st, body)
	}
	if st, body := c.post(b.key, reportFor(b, 6, t0)); st != http.StatusAccepted {
		t.Fatalf("the genuine host after the squat: %d %v", st, body)
	}
	// An unenrolled host id still works in compat mode, as before.
	if st, body := c.post(c.tok["agentA"], host(7, "acme").Next(t0)); st != http.StatusAccepted {
		t.Fatalf("compat legacy post: %d %v", st, body)
	}
}

// TestReportIDsPerHost: another host's report id is neither a conflict
// nor an oracle.
func TestReportIDsPerHost(t *testing.T) {
	e := newEnv(t, nil)
	_, a := e.enroll(e.secret("acme", nil, nil), "web01", "")
	_, c := e.enroll(e.secret("globex", nil, nil), "db01", "")
	ra := reportFor(a, 1, t0)
	rc := reportFor(c, 2, t0)
	rc.ReportID = ra.ReportID
	for _, x := range []struct {
		key string
		r   *report.Report
	}{{a.key, ra}, {c.key, rc}} {
		if st, body := e.post(x.key, x.r); st != http.StatusAccepted {
			t.Fatalf("post: %d %v", st, body)
		}
	}
	if st, _ := e.post(a.key, ra); st != http.StatusOK {
		t.Errorf("same host, same id and body: %d, want 200", st)
	}
	ra2 := reportFor(a, 1, t0.Add(time.Minute))
	ra2.ReportID = ra.ReportID
	if st, _ := e.post(a.key, ra2); st != http.StatusConflict {
		t.Errorf("same host, same id, other body: %d, want 409", st)
	}
}

// TestDuplicateMachineID: cloned images present one machine-id; each
// enrollment gets its own host id and both are flagged.
func TestDuplicateMachineID(t *testing.T) {
	e := newEnv(t, nil)
	sec := e.secret("acme", nil, nil)
	_, a := e.enroll(sec, "web01", "0f0e0d0c0b0a09080706050403020100")
	_, b := e.enroll(sec, "web02", "0f0e0d0c0b0a09080706050403020100")
	_, c := e.enroll(sec, "web03", "ffffffffffffffffffffffffffffffff")
	if a.hostID == b.hostID {
		t.Fatal("clones share a host id")
	}
	for i, h := range []enrolled{a, b, c} {
		if st, body := e.post(h.key, reportFor(h, uint64(10+i), t0)); st != http.StatusAccepted {
			t.Fatalf("post: %d %v", st, body)
		}
		var d struct{ Host store.Host }
		if st := e.get(e.tok["viewerA"], "/api/v1/hosts/"+h.hostID, &d); st != http.StatusOK || d.Host.Enrollment == nil {
			t.Fatalf("host %s: %d %+v", h.hostID, st, d.Host)
		}
		if want := h != c; d.Host.Enrollment.DuplicateMachineID != want {
			t.Errorf("%s: duplicate machine-id %v, want %v", h.hostID, d.Host.Enrollment.DuplicateMachineID, want)
		}
	}
}

// TestEnrollSecretRules: used-up, expired, revoked and unknown secrets
// all get one answer; an agent token enrolls with a deprecation warning.
func TestEnrollSecretRules(t *testing.T) {
	e := newEnv(t, nil)
	one := 1
	once := e.secret("acme", nil, &one)
	if st, _ := e.enroll(once, "web01", ""); st != http.StatusCreated {
		t.Fatalf("first use: %d", st)
	}
	soon := time.Now().Add(time.Hour)
	expiring := e.secret("acme", &soon, nil)
	revoked := e.secret("acme", nil, nil)
	if err := e.st.RevokeEnrollSecret(t.Context(), revoked[4:20], time.Now()); err != nil {
		t.Fatal(err)
	}
	e.srv.Close()
	later := newEnvOn(t, e.st, func(c *ingestConfig) { c.Now = func() time.Time { return time.Now().Add(2 * time.Hour) } })
	later.tok = e.tok
	var first map[string]any
	for name, cred := range map[string]string{"used up": once, "expired": expiring, "revoked": revoked,
		"unknown": "dme_0123456789abcdef_" + "A123456789012345678901234567890123456789012", "garbage": "dme_x"} {
		body := mustJSON(t, map[string]any{"hostname": "web09"})
		st, out := later.do(http.MethodPost, "/api/v1/enroll", cred, body, map[string]string{"Content-Type": "application/json"})
		if st != http.StatusUnauthorized {
			t.Errorf("%s: %d %v", name, st, out)
		}
		if first == nil {
			first = out
		} else if refusal(out) != refusal(first) {
			t.Errorf("%s: answer %v differs from %v", name, out, first)
		}
	}
	st, h := later.enroll(e.tok["agentA"], "old01", "")
	if st != http.StatusCreated || h.warning == "" || h.tenant != "acme" {
		t.Errorf("agent token as enroll secret: %d %+v", st, h)
	}
	if st, _ := later.enroll(e.tok["viewerA"], "old02", ""); st != http.StatusForbidden {
		t.Errorf("viewer token enrolling: %d", st)
	}
	var who map[string]any
	if st := later.get(h.key, "/api/v1/whoami", &who); st != http.StatusOK || who["role"] != "host" || who["host_id"] != h.hostID {
		t.Errorf("whoami with a host key: %d %v", st, who)
	}
}

// TestRevokedHost: a revoked host's key is told so (host_revoked), and
// the tenant's other hosts go on.
func TestRevokedHost(t *testing.T) {
	e := newEnv(t, nil)
	sec := e.secret("acme", nil, nil)
	_, a := e.enroll(sec, "web01", "")
	_, b := e.enroll(sec, "web02", "")
	if err := e.st.RevokeHost(t.Context(), a.hostID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if st, body := e.post(a.key, reportFor(a, 1, t0)); st != http.StatusUnauthorized || body["code"] != "host_revoked" {
		t.Errorf("revoked host: %d %v", st, body)
	}
	if st, body := e.post(b.key, reportFor(b, 2, t0)); st != http.StatusAccepted {
		t.Errorf("the tenant's other host: %d %v", st, body)
	}
}

// TestKeyRotation: an old key's next 2xx answer brings a new key; posting
// with it retires the old one; a lost answer costs nothing.
func TestKeyRotation(t *testing.T) {
	e := newEnv(t, func(c *ingestConfig) { c.KeyRotation = time.Nanosecond })
	_, a := e.enroll(e.secret("acme", nil, nil), "web01", "")
	st, body := e.post(a.key, reportFor(a, 1, t0))
	k2, _ := body["host_key"].(string)
	if st != http.StatusAccepted || k2 == "" || k2 == a.key {
		t.Fatalf("post with an old key: %d %v", st, body)
	}
	// The answer was lost: the agent posts again with the old key and gets
	// another new key; the first one is void.
	st, body = e.post(a.key, reportFor(a, 2, t0.Add(time.Hour)))
	k3, _ := body["host_key"].(string)
	if st != http.StatusAccepted || k3 == "" || k3 == k2 {
		t.Fatalf("retry with the old key: %d %v", st, body)
	}
	if st, _ := e.post(k2, reportFor(a, 3, t0.Add(2*time.Hour))); st != http.StatusUnauthorized {
		t.Errorf("a replaced pending key: %d, want 401", st)
	}
	if st, body := e.post(k3, reportFor(a, 4, t0.Add(3*time.Hour))); st != http.StatusAccepted || body["host_key"] != nil {
		t.Errorf("post with the new key: %d %v (no newer key while it is fresh)", st, body)
	}
	if st, _ := e.post(a.key, reportFor(a, 5, t0.Add(4*time.Hour))); st != http.StatusUnauthorized {
		t.Errorf("the retired key: %d, want 401", st)
	}
	if err := e.st.RequestRotation(t.Context(), a.hostID); err != nil {
		t.Fatal(err)
	}
}

// TestRetiredKeyIsRefusedWhileCached is the attack a review found: after a
// rotation, another replica's credential cache still held the old key as
// current for up to its TTL, and the store did not check the key's state,
// so a stolen old key could post there and even be handed a new key,
// whose use would then lock the genuine agent out.
func TestRetiredKeyIsRefusedWhileCached(t *testing.T) {
	cfg := func(c *ingestConfig) { c.KeyRotation, c.TokenCacheTTL = time.Nanosecond, time.Hour }
	a := newEnv(t, cfg)
	b := newEnvOn(t, a.st, cfg) // a second replica on the same database
	_, h := a.enroll(a.secret("acme", nil, nil), "web01", "")
	_, body := a.post(h.key, reportFor(h, 1, t0))
	k2, _ := body["host_key"].(string)
	if k2 == "" {
		t.Fatalf("no rotation: %v", body)
	}
	var who map[string]any
	if st := b.get(h.key, "/api/v1/whoami", &who); st != http.StatusOK { // replica B now caches the old key
		t.Fatalf("whoami on replica B: %d", st)
	}
	if st, _ := a.post(k2, reportFor(h, 2, t0.Add(time.Hour))); st != http.StatusAccepted {
		t.Fatalf("post with the new key: %d", st)
	}
	st, body := b.post(h.key, reportFor(h, 3, t0.Add(2*time.Hour)))
	if st/100 == 2 || body["host_key"] != nil {
		t.Fatalf("the retired key on replica B: %d %v; want it refused and no key handed out", st, body)
	}
	if st, _ := a.post(k2, reportFor(h, 4, t0.Add(3*time.Hour))); st/100 != 2 {
		t.Errorf("the genuine agent's key after the attempt: %d", st)
	}
}
