package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest/store"
)

func ptr[T any](v T) *T { return &v }

func createSecret(t *testing.T, s store.Store, e store.EnrollSecret) {
	t.Helper()
	if e.Hash == nil {
		e.Hash = []byte("hash of " + e.ID)
	}
	if e.CreatedAt.IsZero() {
		e.CreatedAt = t0
	}
	if err := s.CreateEnrollSecret(t.Context(), e); err != nil {
		t.Fatalf("CreateEnrollSecret(%s): %v", e.ID, err)
	}
}

// enrollment is an enrollment of hostID in tenant with secret, at t0, with
// a key named after the host.
func enrollment(secret, tenant, hostID, machineID string) store.Enrollment {
	return store.Enrollment{
		SecretID: secret,
		Identity: store.HostIdentity{HostID: hostID, Tenant: tenant, Hostname: hostID + ".example.net",
			MachineID: machineID, ProductUUID: "uuid-" + hostID, OSID: "debian", OSVersionID: "12", EnrolledAt: t0},
		Key: store.NewHostKey{ID: "key-" + hostID, Hash: []byte("key hash " + hostID), CreatedAt: t0},
	}
}

func mustEnroll(t *testing.T, s store.Store, e store.Enrollment) {
	t.Helper()
	if err := s.Enroll(t.Context(), e); err != nil {
		t.Fatalf("Enroll(%s): %v", e.Identity.HostID, err)
	}
}

func secretUses(t *testing.T, s store.Store, id string) int {
	t.Helper()
	e, err := s.EnrollSecret(t.Context(), id)
	if err != nil {
		t.Fatalf("EnrollSecret(%s): %v", id, err)
	}
	return e.Uses
}

func testEnrollSecrets(t *testing.T, s store.Store) {
	ctx := t.Context()
	exp := t0.Add(30 * 24 * time.Hour)
	createSecret(t, s, store.EnrollSecret{ID: "sec1", Tenant: "acme", Name: "web fleet", Hash: []byte{1, 2, 3},
		CreatedAt: t0, ExpiresAt: &exp, MaxUses: ptr(5)})
	createSecret(t, s, store.EnrollSecret{ID: "sec0", Tenant: "globex", CreatedAt: t0.Add(time.Hour)})
	if err := s.CreateEnrollSecret(ctx, store.EnrollSecret{ID: "sec1", Tenant: "other", Hash: []byte{9}, CreatedAt: t0}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate secret id: err %v, want ErrConflict", err)
	}
	got, err := s.EnrollSecret(ctx, "sec1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Tenant != "acme" || got.Name != "web fleet" || string(got.Hash) != "\x01\x02\x03" || !got.CreatedAt.Equal(t0) ||
		got.ExpiresAt == nil || !got.ExpiresAt.Equal(exp) || got.MaxUses == nil || *got.MaxUses != 5 || got.Uses != 0 || got.RevokedAt != nil {
		t.Errorf("secret read back as %+v", got)
	}
	if _, err := s.EnrollSecret(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown secret: err %v", err)
	}
	if err := s.RevokeEnrollSecret(ctx, "sec1", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeEnrollSecret(ctx, "sec1", t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeEnrollSecret(ctx, "nope", t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoke unknown secret: err %v", err)
	}
	list, err := s.EnrollSecrets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != "sec1" || list[1].ID != "sec0" {
		t.Fatalf("secrets %+v, want sec1 then sec0 (oldest first)", list)
	}
	if r := list[0].RevokedAt; r == nil || !r.Equal(t0.Add(time.Hour)) {
		t.Errorf("revoked at %v, want the first revocation", r)
	}
	if l := list[1]; l.ExpiresAt != nil || l.MaxUses != nil || l.RevokedAt != nil {
		t.Errorf("unlimited secret read back as %+v", l)
	}
}

// testEnrollRefused: every secret that may not enroll is ErrNotFound with
// nothing written and no use consumed.
func testEnrollRefused(t *testing.T, s store.Store) {
	ctx := t.Context()
	exp := t0.Add(time.Hour)
	createSecret(t, s, store.EnrollSecret{ID: "expiring", Tenant: "acme", ExpiresAt: &exp})
	createSecret(t, s, store.EnrollSecret{ID: "once", Tenant: "acme", MaxUses: ptr(1)})
	createSecret(t, s, store.EnrollSecret{ID: "revoked", Tenant: "acme"})
	if err := s.RevokeEnrollSecret(ctx, "revoked", t0); err != nil {
		t.Fatal(err)
	}
	mustEnroll(t, s, enrollment("once", "acme", "h-once", ""))
	late := enrollment("expiring", "acme", "h-late", "")
	late.Identity.EnrolledAt = exp // expired at its expiry instant
	cases := map[string]store.Enrollment{
		"expired":      late,
		"used up":      enrollment("once", "acme", "h-twice", ""),
		"revoked":      enrollment("revoked", "acme", "h-revoked", ""),
		"unknown":      enrollment("nope", "acme", "h-unknown", ""),
		"other tenant": enrollment("expiring", "globex", "h-tenant", ""),
	}
	for name, e := range cases {
		if err := s.Enroll(ctx, e); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: Enroll err %v, want ErrNotFound", name, err)
		}
		if _, err := s.HostIdentity(ctx, store.AllTenants(), e.Identity.HostID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: identity stored (err %v)", name, err)
		}
		if _, err := s.HostKey(ctx, e.Key.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: key stored (err %v)", name, err)
		}
	}
	early := enrollment("expiring", "acme", "h-early", "")
	early.Identity.EnrolledAt = exp.Add(-time.Microsecond)
	mustEnroll(t, s, early)
	// A host id or key id already taken: ErrConflict, and the use is not
	// consumed.
	createSecret(t, s, store.EnrollSecret{ID: "many", Tenant: "acme", MaxUses: ptr(10)})
	again := enrollment("many", "acme", "h-early", "")
	again.Key.ID = "another key"
	if err := s.Enroll(ctx, again); !errors.Is(err, store.ErrConflict) {
		t.Errorf("taken host id: err %v, want ErrConflict", err)
	}
	sameKey := enrollment("many", "acme", "h-new", "")
	sameKey.Key.ID = early.Key.ID
	if err := s.Enroll(ctx, sameKey); !errors.Is(err, store.ErrConflict) {
		t.Errorf("taken key id: err %v, want ErrConflict", err)
	}
	if _, err := s.HostIdentity(ctx, store.AllTenants(), "h-new"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("identity stored without its key (err %v)", err)
	}
	if n := secretUses(t, s, "many"); n != 0 {
		t.Errorf("failed enrollments consumed %d uses", n)
	}
	// A legacy agent token enrolls without consuming anything; other
	// tokens do not.
	for _, tok := range []store.Token{
		{ID: "agent", Tenant: "acme", Role: store.RoleAgent, Hash: []byte{1}, CreatedAt: t0},
		{ID: "viewer", Tenant: "acme", Role: store.RoleViewer, Hash: []byte{2}, CreatedAt: t0},
		{ID: "gone", Tenant: "acme", Role: store.RoleAgent, Hash: []byte{3}, CreatedAt: t0},
	} {
		if err := s.CreateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RevokeToken(ctx, "gone", t0); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{"viewer", "gone", "nope"} {
		e := enrollment("", "acme", "h-tok-"+tok, "")
		e.TokenID = tok
		if err := s.Enroll(ctx, e); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("token %s: Enroll err %v, want ErrNotFound", tok, err)
		}
	}
	legacy := enrollment("", "acme", "h-legacy", "")
	legacy.TokenID = "agent"
	mustEnroll(t, s, legacy)
	if id, err := s.HostIdentity(ctx, store.TenantScope("acme"), "h-legacy"); err != nil || id.EnrolledWith != "agent" {
		t.Errorf("legacy enrollment: %+v %v", id, err)
	}
}

// testEnrollConcurrent: 8 hosts enroll at once with a secret of 3 uses
// (on PostgreSQL: 8 connections): exactly 3 succeed.
func testEnrollConcurrent(t *testing.T, s store.Store) {
	createSecret(t, s, store.EnrollSecret{ID: "three", Tenant: "acme", MaxUses: ptr(3)})
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = s.Enroll(t.Context(), enrollment("three", "acme", fmt.Sprintf("h-conc-%d", i), ""))
		})
	}
	close(start)
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, store.ErrNotFound):
			t.Errorf("Enroll %d: %v", i, err)
		}
	}
	if ok != 3 {
		t.Errorf("%d enrollments succeeded, want 3", ok)
	}
	if u := secretUses(t, s, "three"); u != 3 {
		t.Errorf("secret used %d times, want 3", u)
	}
	enrolled := 0
	for i := range n {
		if _, err := s.HostIdentity(t.Context(), store.AllTenants(), fmt.Sprintf("h-conc-%d", i)); err == nil {
			enrolled++
		}
	}
	if enrolled != 3 {
		t.Errorf("%d identities stored, want 3", enrolled)
	}
}

// testEnrollIdentity: an enrollment creates the identity and its current
// key; both read back in scope only.
func testEnrollIdentity(t *testing.T, s store.Store) {
	ctx := t.Context()
	createSecret(t, s, store.EnrollSecret{ID: "sec", Tenant: "acme"})
	e := enrollment("sec", "acme", "h-ident", "0123456789abcdef0123456789abcdef")
	mustEnroll(t, s, e)
	if u := secretUses(t, s, "sec"); u != 1 {
		t.Errorf("uses %d, want 1", u)
	}
	id, err := s.HostIdentity(ctx, store.TenantScope("acme"), "h-ident")
	if err != nil {
		t.Fatal(err)
	}
	want := e.Identity
	want.EnrolledWith, want.KeyCreatedAt = "sec", t0
	if id.HostID != want.HostID || id.Tenant != want.Tenant || id.Hostname != want.Hostname || id.MachineID != want.MachineID ||
		id.ProductUUID != want.ProductUUID || id.OSID != want.OSID || id.OSVersionID != want.OSVersionID ||
		!id.EnrolledAt.Equal(t0) || id.EnrolledWith != "sec" || id.RevokedAt != nil || id.RotateRequested ||
		id.DuplicateMachineID || !id.KeyCreatedAt.Equal(t0) || id.KeyLastUsedAt != nil {
		t.Errorf("identity %+v, want %+v", id, want)
	}
	if _, err := s.HostIdentity(ctx, store.AllTenants(), "h-ident"); err != nil {
		t.Errorf("admin scope: %v", err)
	}
	for _, sc := range []store.Scope{store.TenantScope("globex"), {}} {
		if _, err := s.HostIdentity(ctx, sc, "h-ident"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("scope %+v: err %v, want ErrNotFound", sc, err)
		}
	}
	k, err := s.HostKey(ctx, e.Key.ID)
	if err != nil {
		t.Fatal(err)
	}
	if k.ID != e.Key.ID || k.HostID != "h-ident" || k.Tenant != "acme" || string(k.Hash) != string(e.Key.Hash) ||
		k.State != store.KeyCurrent || !k.CreatedAt.Equal(t0) || k.LastUsedAt != nil || k.HostRevokedAt != nil || k.RotateRequested {
		t.Errorf("host key %+v", k)
	}
	if _, err := s.HostKey(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown key: err %v", err)
	}
}
