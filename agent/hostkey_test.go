package agent

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/demarc/demarc/agent/deliver"
	"github.com/demarc/demarc/agent/enroll"
)

// First start without a host key: the agent enrolls with the enroll
// secret (hostname, OS and the hashed machine identity from the host
// root, its version), keeps the host id, key and record in the state
// directory, and posts with the key a report re-attributed to the
// server's host id.
func TestFirstStartEnrollsThenDelivers(t *testing.T) {
	es, srv := newEnrollServer(t)
	secret := credential("dme_")
	es.with(func(es *enrollServer) { es.secrets[secret] = "acme" })
	e := newHostEnv(t, srv.URL)
	e.writeSecret(secret, 0o600)
	st := e.setup()
	a, _ := newAgent(t, st)
	a.run(context.Background(), st)
	a.run(context.Background(), st)

	cs := e.state()
	if cs.Status != enroll.Enrolled || !deliver.ValidHostID(cs.HostID) || cs.Tenant != "acme" || cs.SecretSHA256 != enroll.SecretHash(secret) {
		t.Fatalf("state after enrolling: %+v", cs)
	}
	if cur, _ := es.hostKeys(cs.HostID); cur == "" || cur != cs.Key {
		t.Fatalf("agent posts with %q, the server's current key is %q", cs.Key, cur)
	}
	checkDelivered(t, es, cs.HostID, st, ids(2))
	es.with(func(es *enrollServer) {
		if len(es.enrolls) != 1 {
			t.Fatalf("%d enrollments, want 1", len(es.enrolls))
		}
		b := es.enrolls[0].body
		os, _ := b["os"].(map[string]any)
		if b["hostname"] != "web01" || os["id"] != "debian" || os["version_id"] != "12" || b["agent_version"] != "1.2.3" {
			t.Fatalf("enrolled with %v", b)
		}
		// machine-id(5): the id itself never leaves the host; its
		// application-specific hash does, as reports carry it.
		if mid, _ := b["machine_id"].(string); len(mid) != 32 || mid == machineID {
			t.Fatalf("machine_id %q: want the 32-digit hash, never the machine id", mid)
		}
		for _, id := range es.byHost[cs.HostID] {
			if strings.Contains(string(es.bodies[cs.HostID+"/"+id]), observedID) {
				t.Fatalf("report %s still names the observed host id", id)
			}
		}
	})
	if m := e.enrolledMetric(); !slices.Equal(m, []string{`demarc_agent_enrolled{state="enrolled"} 1`}) {
		t.Fatalf("metric = %v", m)
	}
}

// Rotation: a 2xx answer with host_key puts it in host-key.new; the next
// post uses it and its 2xx makes it current. Nothing is refused on the
// way and every report is stored once.
func TestRotationHappyPath(t *testing.T) {
	es, srv := newEnrollServer(t)
	secret := credential("dme_")
	es.with(func(es *enrollServer) { es.secrets[secret] = "acme" })
	e := newHostEnv(t, srv.URL)
	e.writeSecret(secret, 0o600)
	st := e.setup()
	a, _ := newAgent(t, st)
	ctx := context.Background()
	a.run(ctx, st) // enroll, r001
	first := e.state().Key
	es.with(func(es *enrollServer) { es.rotate = true })
	a.run(ctx, st) // r002 with K1: the answer hands out K2
	cs := e.state()
	_, pending := es.hostKeys(cs.HostID)
	if cs.Key != first || cs.Pending == "" || cs.Pending != pending {
		t.Fatalf("after the rotation answer: key %q pending %q; server pending %q", cs.Key, cs.Pending, pending)
	}
	es.with(func(es *enrollServer) { es.rotate = false })
	a.run(ctx, st) // r003 with K2: promoted
	cs2 := e.state()
	cur, pend := es.hostKeys(cs.HostID)
	if cs2.Key != cs.Pending || cs2.Pending != "" || cur != cs2.Key || pend != "" {
		t.Fatalf("after the confirming post: key %q pending %q; server current %q pending %q", cs2.Key, cs2.Pending, cur, pend)
	}
	checkDelivered(t, es, cs.HostID, st, ids(3))
	if n := es.counts()["Unauthorized unauthenticated"]; n != 0 {
		t.Fatalf("%d posts refused", n)
	}
}

// A lost rotation answer costs nothing: the server committed the report
// and a pending key the agent never saw; the report is sent again with
// the current key (a duplicate), whose answer brings another key.
func TestRotationLostAnswer(t *testing.T) {
	es, srv := newEnrollServer(t)
	secret := credential("dme_")
	es.with(func(es *enrollServer) { es.secrets[secret] = "acme" })
	e := newHostEnv(t, srv.URL)
	e.writeSecret(secret, 0o600)
	st := e.setup()
	a, _ := newAgent(t, st)
	ctx := context.Background()
	a.run(ctx, st)
	es.with(func(es *enrollServer) { es.rotate, es.dropNext = true, 1 })
	a.run(ctx, st) // r002 stored, K2 issued, answer lost
	hostID := e.state().HostID
	if got := pendingIDs(t, st.Spool); !slices.Equal(got, []string{"r002"}) {
		t.Fatalf("spool = %v, want r002 kept after the lost answer", got)
	}
	lost, _ := es.hostKeys(hostID)
	_ = lost
	a.drainNow(ctx, st) // r002 again with K1: duplicate, K3 replaces K2
	es.with(func(es *enrollServer) { es.rotate = false })
	a.run(ctx, st) // r003 with K3: promoted
	cs := e.state()
	cur, pend := es.hostKeys(hostID)
	if cs.Key != cur || cs.Pending != "" || pend != "" {
		t.Fatalf("agent key %q pending %q; server current %q pending %q", cs.Key, cs.Pending, cur, pend)
	}
	checkDelivered(t, es, hostID, st, ids(3))
	c := es.counts()
	if c["dropped"] != 1 || c["OK"] != 1 || c["Unauthorized unauthenticated"] != 0 {
		t.Fatalf("answers %v: want one dropped, one duplicate, none refused", c)
	}
}

// Kill the agent at each step of the rotation and start it again from
// disk: nothing is lost, nothing is stored twice, no post is refused,
// and the agent ends with the key the server has as current.
func TestCrashAtEachRotationStep(t *testing.T) {
	for _, point := range []string{crashKeyReceived, crashKeyKept, crashConfirmed, crashPromoted} {
		t.Run(point, func(t *testing.T) {
			es, srv := newEnrollServer(t)
			secret := credential("dme_")
			es.with(func(es *enrollServer) { es.secrets[secret], es.rotate = "acme", true })
			e := newHostEnv(t, srv.URL)
			e.writeSecret(secret, 0o600)
			ctx := context.Background()

			st := e.setup()
			a, _ := newAgent(t, st)
			crashed := false
			st.host.crash = func(p string) error {
				if p == point && !crashed {
					crashed = true
					return errCrash
				}
				return nil
			}
			for i := 0; i < 4 && !crashed; i++ {
				a.run(ctx, st)
			}
			if !crashed {
				t.Fatalf("never reached %q", point)
			}
			// The process is gone: a new agent from the same files.
			n := int(e.sc.n.Load())
			st2 := e.setup()
			b, _ := newAgent(t, st2)
			b.drainNow(ctx, st2)
			for range 3 {
				b.run(ctx, st2)
			}
			es.with(func(es *enrollServer) { es.rotate = false })
			b.run(ctx, st2) // one post that only confirms
			cs := e.state()
			checkDelivered(t, es, cs.HostID, st2, ids(n+4))
			cur, pend := es.hostKeys(cs.HostID)
			if cs.Key != cur || cs.Pending != pend {
				t.Fatalf("agent key %q pending %q; server current %q pending %q", cs.Key, cs.Pending, cur, pend)
			}
			c := es.counts()
			if c["enrolls"] != 1 || c["Unauthorized unauthenticated"] != 0 || c["Conflict conflict"] != 0 || c["Forbidden forbidden_report"] != 0 {
				t.Fatalf("answers %v: want one enrollment and nothing refused", c)
			}
		})
	}
}

// A 401 with the rotated key (the server does not know it) drops
// host-key.new and posts again with the current key, at once.
func TestRefusedRotatedKeyIsDropped(t *testing.T) {
	es, srv := newEnrollServer(t)
	secret := credential("dme_")
	es.with(func(es *enrollServer) { es.secrets[secret] = "acme" })
	e := newHostEnv(t, srv.URL)
	e.writeSecret(secret, 0o600)
	st := e.setup()
	a, _ := newAgent(t, st)
	ctx := context.Background()
	a.run(ctx, st)
	cs := e.state()
	if err := enroll.New(e.stateDir()).SetPending(credential("dmh_")); err != nil { // a key the server never issued
		t.Fatal(err)
	}
	a.run(ctx, st)
	after := e.state()
	if after.Pending != "" || after.Key != cs.Key {
		t.Fatalf("state %+v: want the unknown key dropped and the current one kept", after)
	}
	checkDelivered(t, es, cs.HostID, st, ids(2))
}
