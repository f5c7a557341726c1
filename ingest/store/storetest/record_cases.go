package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// enrolledAs enrolls hostID in tenant with this hostname and machine id.
func enrolledAs(t *testing.T, s store.Store, tenant, hostID, hostname, machineID string) {
	t.Helper()
	secret := "sec-" + tenant
	if _, err := s.EnrollSecret(t.Context(), secret); errors.Is(err, store.ErrNotFound) {
		createSecret(t, s, store.EnrollSecret{ID: secret, Tenant: tenant})
	}
	e := enrollment(secret, tenant, hostID, machineID)
	e.Identity.Hostname = hostname
	mustEnroll(t, s, e)
}

func putRecords(t *testing.T, s store.Store, by string, at time.Time, recs ...store.HostRecord) []store.RecordChange {
	t.Helper()
	cs, err := s.PutHostRecords(t.Context(), recs, by, at)
	if err != nil {
		t.Fatalf("PutHostRecords: %v", err)
	}
	return cs
}

func mustRecord(t *testing.T, s store.Store, sc store.Scope, hostID string) store.HostRecord {
	t.Helper()
	r, err := s.HostRecord(t.Context(), sc, hostID)
	if err != nil {
		t.Fatalf("HostRecord(%s): %v", hostID, err)
	}
	return r
}

// changed summarises changes as "field:old>new".
func changed(cs []store.RecordChange) map[string]bool {
	out := map[string]bool{}
	for _, c := range cs {
		out[fmt.Sprintf("%s:%s>%s", c.Field, c.Old, c.New)] = true
	}
	return out
}

// testRecordPutRead: a record is stored, read back in its tenant's scope
// (another tenant's is ErrNotFound), a put of the same values changes
// nothing, a change is logged field by field, history pages newest first,
// and RecordsChangedSince finds the host.
func testRecordPutRead(t *testing.T, s store.Store) {
	ctx := t.Context()
	enrolledAs(t, s, "acme", "h1", "web1.acme.example", "m1")
	rec := store.HostRecord{HostID: "h1", Tenant: "acme", Tier: report.TierManaged, Customer: "ACME Ltd", Contract: "C-17", DataCentre: "ams1"}
	cs := putRecords(t, s, "alice", t0, rec)
	created := len(cs)
	got := changed(cs)
	for _, w := range []string{"tier:>managed", "customer:>ACME Ltd", "tenant:>acme", "host_id:>h1", "contract:>C-17"} {
		if !got[w] {
			t.Errorf("creation changes %v lack %s", got, w)
		}
	}
	for _, c := range cs {
		if !c.Created || c.By != "alice" || !c.At.Equal(t0) || c.HostID != "h1" || c.Field == "maintenance_agreement" {
			t.Errorf("creation change %+v", c)
		}
	}
	r := mustRecord(t, s, store.TenantScope("acme"), "h1")
	if r.Tier != report.TierManaged || r.MaintenanceAgreement != nil || !r.Agreement() || r.Customer != "ACME Ltd" ||
		r.UpdatedBy != "alice" || !r.UpdatedAt.Equal(t0) || r.ID == "" {
		t.Errorf("read back %+v", r)
	}
	if _, err := s.HostRecord(ctx, store.TenantScope("globex"), "h1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another tenant's record: err %v", err)
	}
	if _, err := s.HostRecord(ctx, store.Scope{}, "h1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("zero scope: err %v", err)
	}
	if _, err := s.RecordHistory(ctx, store.TenantScope("globex"), "h1", store.Page{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another tenant's history: err %v", err)
	}
	mustRecord(t, s, store.AllTenants(), "h1")
	if cs := putRecords(t, s, "bob", t0.Add(time.Hour), rec); len(cs) != 0 {
		t.Errorf("same values changed %v", changed(cs))
	}
	no := false
	rec.Tier, rec.MaintenanceAgreement, rec.Customer = report.TierIaaS, &no, ""
	cs = putRecords(t, s, "bob", t0.Add(2*time.Hour), rec)
	if got := changed(cs); len(got) != 3 || !got["tier:managed>iaas"] || !got["maintenance_agreement:>false"] || !got["customer:ACME Ltd>"] {
		t.Errorf("update changes %v", got)
	}
	r = mustRecord(t, s, store.TenantScope("acme"), "h1")
	if r.Tier != report.TierIaaS || r.MaintenanceAgreement == nil || *r.MaintenanceAgreement || r.UpdatedBy != "bob" {
		t.Errorf("updated record %+v", r)
	}
	var hist []store.RecordChange
	p := store.Page{Limit: 2}
	for range 20 {
		page, err := s.RecordHistory(ctx, store.TenantScope("acme"), "h1", p)
		if err != nil {
			t.Fatal(err)
		}
		hist = append(hist, page.Changes...)
		if p.Cursor = page.Next; p.Cursor == "" {
			break
		}
	}
	if len(hist) != created+3 {
		t.Errorf("history has %d changes, want %d", len(hist), created+3)
	}
	if len(hist) == 0 || hist[0].By != "bob" || hist[len(hist)-1].By != "alice" {
		t.Errorf("history not newest first: %+v", hist)
	}
	if _, err := s.RecordHistory(ctx, store.AllTenants(), "h1", store.Page{Cursor: "garbage"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("bad cursor: err %v", err)
	}
	ids, err := s.RecordsChangedSince(ctx, t0.Add(90*time.Minute))
	if err != nil || len(ids) != 1 || ids[0] != "h1" {
		t.Errorf("RecordsChangedSince = %v, %v", ids, err)
	}
	if ids, err := s.RecordsChangedSince(ctx, t0.Add(3*time.Hour)); err != nil || len(ids) != 0 {
		t.Errorf("RecordsChangedSince later = %v, %v", ids, err)
	}
	if _, err := s.HostRecord(ctx, store.AllTenants(), "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown host: err %v", err)
	}
}

// testRecordMatching: a record not yet bound matches the host that shows
// up by machine id before hostname, a bound record by host id before
// either, and binds to that host for good (audit-logged).
func testRecordMatching(t *testing.T, s store.Store) {
	ctx := t.Context()
	putRecords(t, s, "alice", t0,
		store.HostRecord{Hostname: "Web1.acme.example", Tenant: "acme", Tier: report.TierColocation},
		store.HostRecord{MachineID: "m-77", Tenant: "acme", Tier: report.TierIaaS},
		store.HostRecord{Hostname: "db.acme.example", Tenant: "acme", Tier: report.TierManaged},
	)
	if _, ok, err := s.RecordFor(ctx, "globex", "g1", "web1.acme.example", "m-77"); err != nil || ok {
		t.Errorf("another tenant's host matched: %v %v", ok, err)
	}
	// machine id beats hostname.
	r, ok, err := s.RecordFor(ctx, "acme", "h1", "WEB1.acme.example", "m-77")
	if err != nil || !ok || r.Tier != report.TierIaaS || r.HostID != "h1" {
		t.Fatalf("RecordFor(h1) = %+v %v %v, want the machine id's", r, ok, err)
	}
	if b := mustRecord(t, s, store.TenantScope("acme"), "h1"); b.MachineID != "m-77" {
		t.Errorf("bound record %+v", b)
	}
	// host id beats both: h1 keeps its record, whatever it reports now.
	r, ok, err = s.RecordFor(ctx, "acme", "h1", "db.acme.example", "other")
	if err != nil || !ok || r.Tier != report.TierIaaS {
		t.Errorf("RecordFor(h1) again = %+v %v %v", r, ok, err)
	}
	// hostname (case-insensitive) binds the colocation record to h2.
	r, ok, err = s.RecordFor(ctx, "acme", "h2", "web1.ACME.example", "m-2")
	if err != nil || !ok || r.Tier != report.TierColocation || r.HostID != "h2" {
		t.Errorf("RecordFor(h2) = %+v %v %v", r, ok, err)
	}
	// Once bound, the hostname no longer matches another host.
	if r, ok, err := s.RecordFor(ctx, "acme", "h3", "web1.acme.example", ""); err != nil || ok {
		t.Errorf("RecordFor(h3) = %+v %v %v, want none", r, ok, err)
	}
	// A record imported before its host enrolled, naming only the machine
	// id: the host's reports carry no machine id, but it enrolled with one,
	// so its first report binds the record.
	putRecords(t, s, "alice", t0, store.HostRecord{MachineID: "m-9", Tenant: "acme", Tier: report.TierColocation})
	enrolledAs(t, s, "acme", "h9", "renamed.acme.example", "m-9")
	enrolledAs(t, s, "globex", "g9", "g9.globex.example", "m-9")
	if r, ok, err := s.RecordFor(ctx, "globex", "g9", "g9.globex.example", ""); err != nil || ok {
		t.Errorf("another tenant's host with the machine id matched: %+v %v %v", r, ok, err)
	}
	if r, ok, err := s.RecordFor(ctx, "acme", "h9", "renamed.acme.example", ""); err != nil || !ok || r.Tier != report.TierColocation || r.HostID != "h9" {
		t.Errorf("RecordFor(h9) by its enrolled machine id = %+v %v %v", r, ok, err)
	}
	// A lookup without a host id does not bind.
	if r, ok, err := s.RecordFor(ctx, "acme", "", "db.acme.example", ""); err != nil || !ok || r.HostID != "" {
		t.Errorf("RecordFor without host id = %+v %v %v", r, ok, err)
	}
	page, err := s.RecordHistory(ctx, store.TenantScope("acme"), "h2", store.Page{})
	if err != nil || len(page.Changes) == 0 || page.Changes[0].Field != "host_id" || page.Changes[0].New != "h2" ||
		page.Changes[0].By != "demarc-server (matched by hostname)" {
		t.Errorf("binding not logged first: %+v %v", page.Changes, err)
	}
	ids, err := s.RecordsChangedSince(ctx, t0)
	if err != nil || len(ids) != 3 {
		t.Errorf("RecordsChangedSince = %v %v, want h1, h2 and h9", ids, err)
	}
	all, err := s.HostRecords(ctx, store.TenantScope("acme"), store.Page{Limit: 2})
	if err != nil || len(all.Records) != 2 || all.Next == "" {
		t.Fatalf("HostRecords page 1 = %+v %v", all, err)
	}
	rest, err := s.HostRecords(ctx, store.TenantScope("acme"), store.Page{Limit: 2, Cursor: all.Next})
	if err != nil || len(rest.Records) != 2 || rest.Next != "" {
		t.Errorf("HostRecords page 2 = %+v %v", rest, err)
	}
	if none, err := s.HostRecords(ctx, store.TenantScope("globex"), store.Page{}); err != nil || len(none.Records) != 0 {
		t.Errorf("globex's records = %+v %v", none, err)
	}
}

// testRecordImportMatching: a record naming a known host by hostname or
// machine id is bound at once; a key matching two hosts is ErrAmbiguous,
// two records of one host ErrDuplicate, another tenant's host ErrConflict,
// a bad field ErrInvalidRecord, each with its index, and nothing of a
// refused batch is stored.
func testRecordImportMatching(t *testing.T, s store.Store) {
	ctx := t.Context()
	enrolledAs(t, s, "acme", "h1", "web1.acme.example", "m1")
	enrolledAs(t, s, "acme", "h2", "twin.acme.example", "m2")
	enrolledAs(t, s, "acme", "h3", "twin.acme.example", "m3")
	enrolledAs(t, s, "globex", "g1", "web1.acme.example", "m1")
	legacy := newHost(1700, "acme")
	save(t, s, nil, Incoming(t, "acme", legacy.Next(t0)))
	ok := store.HostRecord{Hostname: "web1.acme.example", Tenant: "acme", Tier: report.TierIaaS}
	for _, tc := range []struct {
		name string
		bad  store.HostRecord
		want error
		// dup is a record that duplicates ok instead of bad.
		dup   bool
		field string
	}{
		{"ambiguous hostname", store.HostRecord{Hostname: "twin.acme.example", Tenant: "acme", Tier: report.TierIaaS}, store.ErrAmbiguous, false, "hostname"},
		{"duplicate host", store.HostRecord{HostID: "h1", Tenant: "acme", Tier: report.TierManaged}, store.ErrDuplicate, true, "host_id"},
		{"duplicate hostname", store.HostRecord{Hostname: "WEB1.acme.example", Tenant: "acme", Tier: report.TierManaged}, store.ErrDuplicate, true, "hostname"},
		{"another tenant's host", store.HostRecord{HostID: "g1", Tenant: "acme", Tier: report.TierManaged}, store.ErrConflict, false, "tenant"},
		{"bad tier", store.HostRecord{HostID: "h9", Tenant: "acme", Tier: "premium"}, store.ErrInvalidRecord, false, "tier"},
		{"no key", store.HostRecord{Tenant: "acme", Tier: report.TierManaged}, store.ErrInvalidRecord, false, "host_id"},
		{"bad tenant", store.HostRecord{HostID: "h9", Tenant: "ACME", Tier: report.TierManaged}, store.ErrInvalidRecord, false, "tenant"},
		{"long label", store.HostRecord{HostID: "h9", Tenant: "acme", Tier: report.TierManaged, Contract: string(make([]byte, 129))}, store.ErrInvalidRecord, false, "contract"},
	} {
		for _, plan := range []bool{false, true} {
			recs := []store.HostRecord{ok, {HostID: "h2", Tenant: "acme", Tier: report.TierManaged}, tc.bad}
			var err error
			if plan {
				_, err = s.PlanHostRecords(ctx, recs)
			} else {
				_, err = s.PutHostRecords(ctx, recs, "alice", t0)
			}
			var re *store.RecordError
			if !errors.Is(err, tc.want) || !errors.As(err, &re) || re.Index != 2 || re.Field != tc.field {
				t.Errorf("%s (plan %v): err %v (%#v), want %v at index 2, field %s", tc.name, plan, err, re, tc.want, tc.field)
			}
			if _, err := s.HostRecord(ctx, store.AllTenants(), "h1"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("%s: refused batch stored h1's record (%v)", tc.name, err)
			}
		}
	}
	// The hostname of an enrolled host (h1), and of a host that reports
	// without enrolling, bind at once; the machine id m1 is h1's in acme.
	plan, err := s.PlanHostRecords(ctx, []store.HostRecord{ok, {Hostname: legacy.Hostname, Tenant: "acme", Tier: report.TierManaged}})
	if err != nil || len(store.ChangedHosts(plan)) != 2 {
		t.Fatalf("plan = %v %v", plan, err)
	}
	if _, err := s.HostRecord(ctx, store.AllTenants(), "h1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a plan stored a record (%v)", err)
	}
	putRecords(t, s, "alice", t0, ok, store.HostRecord{Hostname: legacy.Hostname, Tenant: "acme", Tier: report.TierManaged})
	mustRecord(t, s, store.TenantScope("acme"), "h1")
	mustRecord(t, s, store.TenantScope("acme"), legacy.ID)
	cs := putRecords(t, s, "bob", t0, store.HostRecord{MachineID: "m1", Tenant: "acme", Tier: report.TierColocation})
	if len(cs) != 2 || cs[0].HostID != "h1" {
		t.Errorf("machine id update = %v", changed(cs))
	}
	if r := mustRecord(t, s, store.TenantScope("acme"), "h1"); r.Tier != report.TierColocation || r.Hostname != "web1.acme.example" {
		t.Errorf("h1's record %+v", r)
	}
	// Two records not yet bound may not share a key.
	putRecords(t, s, "bob", t0, store.HostRecord{Hostname: "new1.acme.example", Tenant: "acme", Tier: report.TierIaaS})
	_, err = s.PutHostRecords(ctx, []store.HostRecord{{MachineID: "m-new", Hostname: "new2.acme.example", Tenant: "acme", Tier: report.TierIaaS},
		{MachineID: "m-new", Hostname: "new1.acme.example", Tenant: "acme", Tier: report.TierIaaS}}, "bob", t0)
	if !errors.Is(err, store.ErrDuplicate) {
		t.Errorf("same machine id twice: %v", err)
	}
	_, err = s.PutHostRecords(ctx, []store.HostRecord{{MachineID: "m-new", Hostname: "new1.acme.example", Tenant: "acme", Tier: report.TierIaaS},
		{MachineID: "m-other", Hostname: "new1.acme.example", Tenant: "acme", Tier: report.TierIaaS}}, "bob", t0)
	if !errors.Is(err, store.ErrDuplicate) && !errors.Is(err, store.ErrAmbiguous) {
		t.Errorf("same hostname twice: %v", err)
	}
	// A record naming the host id takes over the unbound record of its
	// hostname.
	putRecords(t, s, "bob", t0, store.HostRecord{HostID: "h7", Hostname: "new1.acme.example", Tenant: "acme", Tier: report.TierManaged})
	if r := mustRecord(t, s, store.TenantScope("acme"), "h7"); r.Tier != report.TierManaged {
		t.Errorf("h7's record %+v", r)
	}
	if all, err := s.HostRecords(ctx, store.TenantScope("acme"), store.Page{}); err != nil || len(all.Records) != 3 {
		t.Errorf("acme has %d records (%v), want 3", len(all.Records), err)
	}
}

// testRecordConcurrentPuts: concurrent puts of one host's record and of
// records not yet bound with one hostname all succeed, one after the
// other: one record each, its history one creation and then updates.
func testRecordConcurrentPuts(t *testing.T, s store.Store) {
	ctx := t.Context()
	enrolledAs(t, s, "acme", "h1", "web1.acme.example", "m1")
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Go(func() {
			tier := report.Tiers[i%3]
			_, err := s.PutHostRecords(ctx, []store.HostRecord{
				{HostID: "h1", Tenant: "acme", Tier: tier, Contract: fmt.Sprint("c", i)},
				{Hostname: "later.acme.example", Tenant: "acme", Tier: tier, Contract: fmt.Sprint("c", i)},
			}, fmt.Sprint("admin", i), t0.Add(time.Duration(i)*time.Minute))
			errs <- err
		})
		wg.Go(func() {
			_, _, err := s.RecordFor(ctx, "acme", "h1", "web1.acme.example", "m1")
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent: %v", err)
		}
	}
	all, err := s.HostRecords(ctx, store.TenantScope("acme"), store.Page{})
	if err != nil || len(all.Records) != 2 {
		t.Fatalf("records = %+v %v, want 2", all.Records, err)
	}
	hist, err := s.RecordHistory(ctx, store.TenantScope("acme"), "h1", store.Page{Limit: store.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	created := 0
	for _, c := range hist.Changes {
		if c.Created {
			created++
		}
	}
	r := mustRecord(t, s, store.TenantScope("acme"), "h1")
	if created == 0 || hist.Changes[0].By != r.UpdatedBy {
		t.Errorf("history %d changes, %d of the creation, newest by %s, record by %s", len(hist.Changes), created, hist.Changes[0].By, r.UpdatedBy)
	}
	// The winner's contract is the record's.
	if r.Contract != "c"+r.UpdatedBy[len("admin"):] {
		t.Errorf("record %+v mixes puts", r)
	}
	// Once h2 shows up with the hostname, it gets the one record.
	if got, ok, err := s.RecordFor(ctx, "acme", "h2", "later.acme.example", ""); err != nil || !ok || got.HostID != "h2" {
		t.Errorf("RecordFor(h2) = %+v %v %v", got, ok, err)
	}
}

// testRecordBatch: a batch of 200 records is stored in one transaction,
// and a batch whose last record is bad stores none of them.
func testRecordBatch(t *testing.T, s store.Store) {
	ctx := t.Context()
	recs := make([]store.HostRecord, 200)
	for i := range recs {
		recs[i] = store.HostRecord{HostID: fmt.Sprintf("bulk-%03d", i), Tenant: "acme", Tier: report.TierManaged}
	}
	bad := append(append([]store.HostRecord(nil), recs...), store.HostRecord{HostID: "x", Tenant: "acme", Tier: "gold"})
	if _, err := s.PutHostRecords(ctx, bad, "alice", t0); !errors.Is(err, store.ErrInvalidRecord) {
		t.Fatalf("bad batch: %v", err)
	}
	if all, err := s.HostRecords(ctx, store.AllTenants(), store.Page{}); err != nil || len(all.Records) != 0 {
		t.Fatalf("bad batch stored %d records (%v)", len(all.Records), err)
	}
	cs := putRecords(t, s, "alice", t0, recs...)
	if hosts := store.ChangedHosts(cs); len(hosts) != 200 {
		t.Errorf("%d hosts changed, want 200", len(hosts))
	}
	for i := range recs {
		recs[i].Tier = report.TierIaaS
	}
	if cs := putRecords(t, s, "bob", t0.Add(time.Hour), recs...); len(cs) != 200 {
		t.Errorf("%d changes, want 200", len(cs))
	}
	ids, err := s.RecordsChangedSince(ctx, t0.Add(time.Hour))
	if err != nil || len(ids) != 200 {
		t.Errorf("RecordsChangedSince: %d hosts, %v", len(ids), err)
	}
}

// testHostClaim: the profile a report claims is kept beside the one the
// host was judged on; the hosts whose claim disagrees are flagged and
// filtered; a host without a known claim (stored before claims were kept)
// never disagrees.
func testHostClaim(t *testing.T, s store.Store) {
	sc := store.AllTenants()
	post := func(seed uint64, judged report.Tier, claim report.Profile) string {
		t.Helper()
		h := newHost(seed, "acme")
		r := h.Next(t0)
		r.Profile.Tier, r.Profile.MaintenanceAgreement = judged, judged.DefaultMaintenanceAgreement()
		in := Incoming(t, "acme", r)
		in.Claimed = claim
		save(t, s, []store.Result{store.Created}, in)
		return h.ID
	}
	managed := report.Profile{Tier: report.TierManaged, MaintenanceAgreement: true}
	liar := post(801, report.TierIaaS, managed)
	honest := post(802, report.TierManaged, managed)
	virt := post(803, report.TierManaged, report.Profile{Tier: report.TierManaged, MaintenanceAgreement: true, CustomerManagedVirtualisation: true})
	unknown := post(804, report.TierIaaS, report.Profile{})
	got := map[string]bool{}
	for _, h := range allHosts(t, s, sc, store.HostFilter{ClaimDisagrees: true}, 10) {
		got[h.HostID] = true
	}
	if len(got) != 2 || !got[liar] || !got[virt] {
		t.Errorf("hosts whose claim disagrees: %v; want %s and %s", got, liar, virt)
	}
	for id, want := range map[string]bool{liar: true, honest: false, virt: true, unknown: false} {
		h := mustHost(t, s, sc, id)
		if h.ClaimDisagrees != want {
			t.Errorf("%s: claim %+v disagrees %v, want %v", id, h.Claimed, h.ClaimDisagrees, want)
		}
		if (h.Claimed == nil) != (id == unknown) {
			t.Errorf("%s: claim %+v", id, h.Claimed)
		}
	}
	if h := mustHost(t, s, sc, liar); h.Claimed.Tier != report.TierManaged || !h.Claimed.MaintenanceAgreement || h.Tier != report.TierIaaS {
		t.Errorf("liar: judged %s, claim %+v", h.Tier, h.Claimed)
	}
}
