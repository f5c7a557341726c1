package agent

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/demarc/demarc/agent/enroll"
)

// 401 host_revoked: delivery stops (no more requests), the spool is kept,
// one error is logged however many runs come, the metric says revoked,
// and the same secret never enrolls the host again. A different secret in
// the secret file enrolls it anew (a new host id) and the spool drains,
// re-attributed to the new host.
func TestRevokedStopsThenANewSecretReenrolls(t *testing.T) {
	es, srv := newEnrollServer(t)
	s1, s2 := credential("dme_"), credential("dme_")
	es.with(func(es *enrollServer) { es.secrets[s1], es.secrets[s2] = "acme", "acme" })
	e := newHostEnv(t, srv.URL)
	e.writeSecret(s1, 0o600)
	st := e.setup()
	a, logs := newAgent(t, st)
	ctx := context.Background()
	a.run(ctx, st)
	old := e.state().HostID
	es.with(func(es *enrollServer) { es.hosts[old].revoked = true })

	a.run(ctx, st) // r002: 401 host_revoked
	before := es.counts()["requests"]
	for range 3 {
		a.run(ctx, st)
		a.drainNow(ctx, st)
	}
	if n := es.counts()["requests"]; n != before {
		t.Fatalf("%d requests after the revocation, want none", n-before)
	}
	if got := pendingIDs(t, st.Spool); !slices.Equal(got, ids(5)[1:]) {
		t.Fatalf("spool = %v, want r002..r005 kept", got)
	}
	if cs := e.state(); cs.Status != enroll.Revoked || cs.HostID != old {
		t.Fatalf("state %+v, want revoked %s", cs, old)
	}
	if m := e.enrolledMetric(); !slices.Equal(m, []string{`demarc_agent_enrolled{state="revoked"} 1`}) {
		t.Fatalf("metric = %v", m)
	}
	if n := errorLines(logs.String()); n != 1 {
		t.Fatalf("%d error lines, want one for the change of state", n)
	}
	// A restart changes nothing: the record on disk says revoked.
	st = e.setup()
	a, _ = newAgent(t, st)
	a.drainNow(ctx, st)
	if c := es.counts(); c["enrolls"] != 1 || c["requests"] != before {
		t.Fatalf("after a restart: %v, want no enrollment and no request", c)
	}

	e.writeSecret(s2, 0o600)
	a.drainNow(ctx, st)
	cs := e.state()
	if cs.Status != enroll.Enrolled || cs.HostID == old || cs.SecretSHA256 != enroll.SecretHash(s2) {
		t.Fatalf("state %+v, want enrolled anew with the second secret", cs)
	}
	checkDelivered(t, es, cs.HostID, st, ids(5)[1:])
	if m := e.enrolledMetric(); !slices.Equal(m, []string{`demarc_agent_enrolled{state="enrolled"} 1`}) {
		t.Fatalf("metric = %v", m)
	}
}

// A legacy agent token: with no enroll secret the agent enrolls with the
// token (a deprecation warning), and posts with the host key it got.
func TestLegacyTokenEnrolls(t *testing.T) {
	es, srv := newEnrollServer(t)
	token := credential("dmc_")
	es.with(func(es *enrollServer) { es.tokens[token] = "acme" })
	e := newHostEnv(t, srv.URL)
	e.writeToken(token)
	st := e.setup()
	a, logs := newAgent(t, st)
	a.run(context.Background(), st)
	cs := e.state()
	if cs.Status != enroll.Enrolled || cs.SecretSHA256 != enroll.SecretHash(token) {
		t.Fatalf("state %+v", cs)
	}
	checkDelivered(t, es, cs.HostID, st, ids(1))
	if n := warnLinesWith(logs.String(), "token_file"); n != 1 {
		t.Fatalf("%d deprecation warnings, want 1\n%s", n, logs)
	}
}

// Upgrade order: an agent upgraded before its server posts with the token
// as before (the server has no enrollment); once the server answers
// enroll_first, the agent enrolls with the token and posts the same
// report again with the host key.
func TestLegacyTokenThenEnrollFirst(t *testing.T) {
	es, srv := newEnrollServer(t)
	token := credential("dmc_")
	es.with(func(es *enrollServer) { es.tokens[token], es.noEnroll, es.compat = "acme", true, true })
	e := newHostEnv(t, srv.URL)
	e.writeToken(token)
	st := e.setup()
	a, logs := newAgent(t, st)
	ctx := context.Background()
	a.run(ctx, st)
	checkDelivered(t, es, observedID, st, ids(1)) // the body names the host, as before
	if cs := e.state(); cs.Status != enroll.Unenrolled {
		t.Fatalf("state %+v, want unenrolled", cs)
	}
	es.with(func(es *enrollServer) { es.noEnroll, es.compat = false, false }) // the server is upgraded
	a.run(ctx, st)
	cs := e.state()
	if cs.Status != enroll.Enrolled {
		t.Fatalf("state %+v, want enrolled after enroll_first", cs)
	}
	checkDelivered(t, es, cs.HostID, st, []string{"r002"})
	if c := es.counts(); c["Forbidden enroll_first"] != 1 {
		t.Fatalf("answers %v, want one enroll_first", c)
	}
	if n := warnLinesWith(logs.String(), "token_file"); n < 2 {
		t.Fatalf("%d warnings naming the token file, want the legacy posting and the deprecated enrollment", n)
	}
}

// An enroll secret every local user can read is refused like a token
// file: nothing is sent to the server, the report is kept; fixed, it
// enrolls.
func TestExposedEnrollSecretIsRefused(t *testing.T) {
	es, srv := newEnrollServer(t)
	secret := credential("dme_")
	es.with(func(es *enrollServer) { es.secrets[secret] = "acme" })
	e := newHostEnv(t, srv.URL)
	e.writeSecret(secret, 0o644)
	st := e.setup()
	a, logs := newAgent(t, st)
	ctx := context.Background()
	a.run(ctx, st)
	a.drainNow(ctx, st)
	if c := es.counts(); c["requests"] != 0 {
		t.Fatalf("%d requests with an exposed secret, want none", c["requests"])
	}
	if got := pendingIDs(t, st.Spool); !slices.Equal(got, ids(1)) {
		t.Fatalf("spool = %v", got)
	}
	if n := errorLines(logs.String()); n != 1 {
		t.Fatalf("%d error lines, want one", n)
	}
	if m := e.enrolledMetric(); !slices.Equal(m, []string{`demarc_agent_enrolled{state="unenrolled"} 1`}) {
		t.Fatalf("metric = %v", m)
	}
	if err := os.Chmod(e.secretFile, 0o600); err != nil {
		t.Fatal(err)
	}
	a.drainNow(ctx, st)
	checkDelivered(t, es, e.state().HostID, st, ids(1))
}

// Nothing to enroll with (no secret file, no token): reports wait in the
// spool and one error says what to put where; the secret placed later
// (config management after the first boot) enrolls without a restart.
func TestNoSecretYetThenPlaced(t *testing.T) {
	es, srv := newEnrollServer(t)
	secret := credential("dme_")
	es.with(func(es *enrollServer) { es.secrets[secret] = "acme" })
	e := newHostEnv(t, srv.URL)
	st := e.setup()
	a, logs := newAgent(t, st)
	ctx := context.Background()
	a.run(ctx, st)
	a.run(ctx, st)
	if n := errorLines(logs.String()); n != 1 || es.counts()["requests"] != 0 {
		t.Fatalf("%d error lines, %d requests; want one and none", n, es.counts()["requests"])
	}
	e.writeSecret(secret, 0o600)
	a.drainNow(ctx, st)
	checkDelivered(t, es, e.state().HostID, st, ids(2))
}

// A server that refuses the secret: kept, one error, no state written.
func TestRefusedEnrollSecret(t *testing.T) {
	es, srv := newEnrollServer(t)
	e := newHostEnv(t, srv.URL)
	e.writeSecret(credential("dme_"), 0o600)
	st := e.setup()
	a, logs := newAgent(t, st)
	ctx := context.Background()
	for range 3 {
		a.run(ctx, st)
	}
	if n := errorLines(logs.String()); n != 1 {
		t.Fatalf("%d error lines, want one", n)
	}
	if cs := e.state(); cs.Status != enroll.Unenrolled || cs.Key != "" || es.counts()["enrolls"] != 3 {
		t.Fatalf("state %+v, answers %v", cs, es.counts())
	}
	if got := pendingIDs(t, st.Spool); !slices.Equal(got, ids(3)) {
		t.Fatalf("spool = %v", got)
	}
}
