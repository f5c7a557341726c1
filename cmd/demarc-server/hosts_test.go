package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/ingest/store/sqlite"
	"github.com/demarc/demarc/report"
)

func hostsEnv(t *testing.T) (func(args ...string) (int, string, string), string) {
	t.Helper()
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "d.db")
	return func(args ...string) (int, string, string) {
		var out, errb bytesBuffer
		code := execute(append(args, "--db", db), &out, &errb)
		return code, out.String(), errb.String()
	}, dir
}

func writeRecords(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestHostsImport: 1,000 rows are imported in one transaction; a dry run
// prints the changes and stores nothing; a second import prints each
// changed field old → new; export round-trips.
func TestHostsImport(t *testing.T) {
	run, dir := hostsEnv(t)
	var b strings.Builder
	b.WriteString("\xef\xbb\xbfhost_id,tenant,tier,maintenance_agreement,customer,data_centre\r\n")
	for i := range 1000 {
		fmt.Fprintf(&b, "host-%04d,acme,managed,,ACME Ltd,ams1\r\n", i)
	}
	file := writeRecords(t, dir, "fleet.csv", b.String())
	code, out, errs := run("hosts", "import", file, "--dry-run")
	if code != 0 || !strings.Contains(out, "new record: host host-0999 (tenant acme)") || !strings.Contains(out, "1000 rows: would change 1000 records (1000 new)") {
		t.Fatalf("dry run: %d %q %s", code, out[max(0, len(out)-300):], errs)
	}
	code, out, _ = run("hosts", "export")
	if code != 0 || strings.TrimSpace(out) != strings.Join(store.RecordFields, ",") {
		t.Fatalf("dry run stored something: %d %q", code, out)
	}
	if code, out, errs = run("hosts", "import", file, "--by", "inventory sync"); code != 0 || !strings.Contains(out, "changed 1000 records (1000 new)") {
		t.Fatalf("import: %d %q %s", code, out[max(0, len(out)-300):], errs)
	}
	// Change one host's tier: the output says old → new.
	file2 := writeRecords(t, dir, "change.jsonl", `{"host_id":"host-0007","tenant":"acme","tier":"iaas","customer":"ACME Ltd","data_centre":"ams1"}`+"\n"+
		`{"host_id":"host-0008","tenant":"acme","tier":"managed","customer":"ACME Ltd","data_centre":"ams1"}`+"\n")
	code, out, errs = run("hosts", "import", file2)
	if code != 0 || !strings.Contains(out, "host host-0007 (tenant acme):\n  tier: \"managed\" → \"iaas\"\n") || !strings.Contains(out, "2 rows: changed 1 records (0 new), 1 unchanged") {
		t.Fatalf("change: %d %q %s", code, out, errs)
	}
	code, out, _ = run("hosts", "export")
	lines := splitLines(out)
	if code != 0 || len(lines) != 1001 || lines[0] != strings.Join(store.RecordFields, ",") {
		t.Fatalf("export: %d, %d lines", code, len(lines))
	}
	// Re-importing the export changes nothing.
	exported := writeRecords(t, dir, "export.csv", out)
	if code, out, errs = run("hosts", "import", exported); code != 0 || !strings.Contains(out, "changed 0 records (0 new), 1000 unchanged") {
		t.Fatalf("round trip: %d %q %s", code, out, errs)
	}
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "d.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r, err := st.HostRecord(context.Background(), store.TenantScope("acme"), "host-0007")
	if err != nil || r.Tier != report.TierIaaS || !strings.HasPrefix(r.UpdatedBy, "cli") {
		t.Errorf("host-0007: %+v %v", r, err)
	}
	h, err := st.RecordHistory(context.Background(), store.AllTenants(), "host-0001", store.Page{})
	if err != nil || len(h.Changes) == 0 || h.Changes[0].By != "inventory sync" {
		t.Errorf("history: %+v %v", h, err)
	}
}

// TestHostsImportRefused: a bad file is refused with its line and field
// and nothing of it is stored, including a row the store refuses (a
// hostname matching two enrolled hosts) after good ones.
func TestHostsImportRefused(t *testing.T) {
	run, dir := hostsEnv(t)
	const head = "host_id,hostname,tenant,tier\n"
	for _, tc := range []struct{ name, file, body, want string }{
		{"unknown tier", "a.csv", head + "h1,,acme,managed\nh2,,acme,iaas\nh3,,acme,managed\nh4,,acme,managed\nh5,,acme,managed\nh6,,acme,managed\nh7,,acme,premium\n",
			`line 8: tier: "premium" is not managed, iaas or colocation`},
		{"wrong columns", "a.csv", "host_id,tenant,tier,colour\nh1,acme,managed,red\n", `line 1: unknown column "colour"`},
		{"duplicate host", "a.csv", head + "h1,,acme,managed\nh1,,acme,iaas\n", `line 3: host_id: "h1" is also on line 2`},
		{"truncated json", "a.jsonl", `{"host_id":"h1","tenant":"acme","tier":"managed"}` + "\n" + `{"host_id":"h2",`, "line 2: not one JSON object"},
		{"bad boolean", "a.csv", "host_id,tenant,tier,maintenance_agreement\nh1,acme,managed,sometimes\n", `line 2: maintenance_agreement: "sometimes" is not true or false`},
		{"empty", "a.csv", "", "empty file"},
	} {
		file := writeRecords(t, dir, tc.name+tc.file, tc.body)
		code, out, errs := run("hosts", "import", file)
		if code == 0 || !strings.Contains(errs, tc.want) || !strings.Contains(errs, "nothing imported") {
			t.Errorf("%s: %d %q %q, want %q", tc.name, code, out, errs, tc.want)
		}
	}
	if code, out, _ := run("hosts", "export"); code != 0 || len(splitLines(out)) != 1 {
		t.Errorf("refused files stored records: %q", out)
	}
	// Two enrolled hosts share a hostname: a row naming it is ambiguous.
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "d.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := st.CreateEnrollSecret(ctx, store.EnrollSecret{ID: "s", Tenant: "acme", Hash: []byte{1}}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"e1", "e2"} {
		if err := st.Enroll(ctx, store.Enrollment{SecretID: "s", Identity: store.HostIdentity{HostID: id, Tenant: "acme", Hostname: "twin.acme.example"},
			Key: store.NewHostKey{ID: "k" + id, Hash: []byte{2}}}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	file := writeRecords(t, dir, "twin.csv", head+"h1,,acme,managed\n,TWIN.acme.example,acme,iaas\n")
	code, _, errs := run("hosts", "import", file)
	if code == 0 || !strings.Contains(errs, `line 3: hostname: "twin.acme.example" matches 2 hosts or records (e1, e2): give the host_id`) {
		t.Errorf("ambiguous: %d %q", code, errs)
	}
	if code, out, _ := run("hosts", "export"); code != 0 || len(splitLines(out)) != 1 {
		t.Errorf("refused import stored h1: %q", out)
	}
}
