package recordfile

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

func ptr[T any](v T) *T { return &v }

var wantRecords = []store.HostRecord{
	{HostID: "0123456789abcdef0123456789abcdef", Tenant: "acme", Tier: report.TierManaged, Customer: "ACME Ltd", Contract: "C-2024-017", DataCentre: "ams1"},
	{Hostname: "web2.acme.example", Tenant: "acme", Tier: report.TierIaaS, MaintenanceAgreement: ptr(true), Customer: "ACME, Web team", Contract: "C-2024-018", DataCentre: "ams1"},
	{MachineID: "5f0e3c9d2b7a41e8a6c4d1f09b8e7a23", Tenant: "globex", Tier: report.TierColocation, MaintenanceAgreement: ptr(false), CustomerManagedVirtualisation: true, Customer: "Globex Corp", DataCentre: "fra2"},
}

// TestParseFiles: the CSV (CRLF) and the JSON lines fixtures hold the same
// records, by extension and by content, with a byte order mark too; the
// lines are the records' own.
func TestParseFiles(t *testing.T) {
	for _, tc := range []struct {
		file  string
		lines []int
	}{{"records.csv", []int{2, 3, 4}}, {"records.jsonl", []int{1, 3, 4}}} {
		b, err := os.ReadFile("testdata/" + tc.file)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{tc.file, "records.txt", ""} {
			for _, body := range [][]byte{b, append([]byte("\xef\xbb\xbf"), b...)} {
				rows, err := Parse(bytes.NewReader(body), name)
				if err != nil {
					t.Fatalf("%s as %q: %v", tc.file, name, err)
				}
				if got := Records(rows); !reflect.DeepEqual(got, wantRecords) {
					t.Errorf("%s as %q:\n got %+v\nwant %+v", tc.file, name, got, wantRecords)
				}
				for i, r := range rows {
					if r.Line != tc.lines[i] {
						t.Errorf("%s: row %d on line %d, want %d", tc.file, i, r.Line, tc.lines[i])
					}
				}
			}
		}
	}
}

// TestRoundTrip: WriteCSV's output parses back to the same records.
func TestRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCSV(&buf, wantRecords); err != nil {
		t.Fatal(err)
	}
	rows, err := Parse(&buf, "export.csv")
	if err != nil {
		t.Fatal(err)
	}
	if got := Records(rows); !reflect.DeepEqual(got, wantRecords) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, wantRecords)
	}
}

const head = "host_id,hostname,machine_id,tenant,tier,maintenance_agreement,customer_managed_virtualisation,customer,contract,data_centre\n"

// TestMalformed: each bad file is refused with the line and field of its
// first problem, and the kind of error.
func TestMalformed(t *testing.T) {
	long := strings.Repeat("x", store.MaxLabelLen+1)
	for _, tc := range []struct {
		name, file, body string
		line             int
		field            string // "" for a format error
		want             error
	}{
		{"empty", "a.csv", "", 0, "", ErrFormat},
		{"header only", "a.csv", head, 0, "", ErrFormat},
		{"unknown column", "a.csv", "host_id,tenant,tier,colour\nh1,acme,managed,red\n", 1, "", ErrFormat},
		{"repeated column", "a.csv", "host_id,tenant,tier,tier\nh1,acme,managed,iaas\n", 1, "", ErrFormat},
		{"no tier column", "a.csv", "host_id,tenant\nh1,acme\n", 1, "", ErrFormat},
		{"no key column", "a.csv", "tenant,tier\nacme,managed\n", 1, "", ErrFormat},
		{"wrong field count", "a.csv", "host_id,tenant,tier\nh1,acme,managed\nh2,acme\n", 3, "", ErrFormat},
		{"bare quote", "a.csv", "host_id,tenant,tier\nh1,acme,\"managed\n", 2, "", ErrFormat},
		{"unknown tier", "a.csv", "host_id,tenant,tier\nh1,acme,managed\nh2,acme,managed\nh3,acme,premium\n", 4, "tier", store.ErrInvalidRecord},
		{"no tier", "a.csv", "host_id,tenant,tier\nh1,acme,\n", 2, "tier", store.ErrInvalidRecord},
		{"bad boolean", "a.csv", "host_id,tenant,tier,maintenance_agreement\nh1,acme,managed,maybe\n", 2, "maintenance_agreement", store.ErrInvalidRecord},
		{"bad boolean cmv", "a.csv", "host_id,tenant,tier,customer_managed_virtualisation\nh1,acme,managed,2\n", 2, "customer_managed_virtualisation", store.ErrInvalidRecord},
		{"over-long label", "a.csv", "host_id,tenant,tier,contract\nh1,acme,managed," + long + "\n", 2, "contract", store.ErrInvalidRecord},
		{"control in label", "a.csv", "host_id,tenant,tier,customer\nh1,acme,managed,\"a\x01b\"\n", 2, "customer", store.ErrInvalidRecord},
		{"newline in label", "a.csv", "host_id,tenant,tier,customer\nh1,acme,managed,\"a\nb\"\n", 2, "customer", store.ErrInvalidRecord},
		{"bad tenant", "a.csv", "host_id,tenant,tier\nh1,Acme Corp,managed\n", 2, "tenant", store.ErrInvalidRecord},
		{"no tenant", "a.csv", "host_id,tenant,tier\nh1,,managed\n", 2, "tenant", store.ErrInvalidRecord},
		{"bad hostname", "a.csv", "hostname,tenant,tier\nweb 1,acme,managed\n", 2, "hostname", store.ErrInvalidRecord},
		{"bad host id", "a.csv", "host_id,tenant,tier\n\"h<1>\",acme,managed\n", 2, "host_id", store.ErrInvalidRecord},
		{"no key", "a.csv", "host_id,hostname,tenant,tier\n,,acme,managed\n", 2, "host_id", store.ErrInvalidRecord},
		{"duplicate host", "a.csv", "host_id,tenant,tier\nh1,acme,managed\nh2,acme,iaas\nh1,acme,iaas\n", 4, "host_id", store.ErrDuplicate},
		{"duplicate hostname", "a.csv", "hostname,tenant,tier\nWeb1,acme,managed\nweb1,acme,iaas\n", 3, "hostname", store.ErrDuplicate},
		{"crlf duplicate", "a.csv", "host_id,tenant,tier\r\nh1,acme,managed\r\nh1,acme,iaas\r\n", 3, "host_id", store.ErrDuplicate},
		{"truncated json", "a.jsonl", "{\"host_id\":\"h1\",\"tenant\":\"acme\",\"tier\":\"managed\"}\n{\"host_id\":\"h2\",\"ten", 2, "", ErrFormat},
		{"json not an object", "a.jsonl", "[1,2]\n", 1, "", ErrFormat},
		{"json null", "a.jsonl", "null\n", 1, "", ErrFormat},
		{"json unknown key", "a.jsonl", "{\"host_id\":\"h1\",\"tenant\":\"acme\",\"tier\":\"managed\",\"colour\":\"red\"}\n", 1, "colour", store.ErrInvalidRecord},
		{"json string boolean", "a.jsonl", "{\"host_id\":\"h1\",\"tenant\":\"acme\",\"tier\":\"managed\",\"maintenance_agreement\":\"yes\"}\n", 1, "maintenance_agreement", store.ErrInvalidRecord},
		{"json number tier", "a.jsonl", "{\"host_id\":\"h1\",\"tenant\":\"acme\",\"tier\":3}\n", 1, "tier", store.ErrInvalidRecord},
		{"json unknown tier", "a.jsonl", "\n\n{\"host_id\":\"h1\",\"tenant\":\"acme\",\"tier\":\"gold\"}\n", 3, "tier", store.ErrInvalidRecord},
		{"json deep", "a.jsonl", strings.Repeat("[", 100000) + "\n", 1, "", ErrFormat},
		{"json long line", "a.jsonl", "{\"host_id\":\"" + strings.Repeat("a", MaxLine) + "\"}\n", 1, "", ErrFormat},
		{"binary", "a.csv", "\x00\x01\x02\xff\n", 1, "", ErrFormat},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tc.body), tc.file)
			var le *Error
			if !errors.As(err, &le) || !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			if le.Line != tc.line {
				t.Errorf("line %d, want %d (%v)", le.Line, tc.line, err)
			}
			var re *store.RecordError
			if tc.field != "" && (!errors.As(err, &re) || re.Field != tc.field) {
				t.Errorf("field of %v: want %s", err, tc.field)
			}
		})
	}
}

// TestAtLine: a store's error about the i-th record names its line.
func TestAtLine(t *testing.T) {
	rows := []Row{{Line: 2}, {Line: 7}}
	err := AtLine(rows, &store.RecordError{Index: 1, Field: "hostname", Msg: "ambiguous", Err: store.ErrAmbiguous})
	var le *Error
	if !errors.As(err, &le) || le.Line != 7 || !errors.Is(err, store.ErrAmbiguous) {
		t.Errorf("AtLine = %v", err)
	}
	if err := AtLine(rows, errors.New("disk")); errors.As(err, &le) {
		t.Errorf("AtLine of another error = %v", err)
	}
}

// FuzzParse: any input parses or fails with an *Error, never panics, and
// what parses writes back to a file that parses to the same records.
func FuzzParse(f *testing.F) {
	for _, file := range []string{"testdata/records.csv", "testdata/records.jsonl"} {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, file)
	}
	f.Add([]byte(head+"h1,,,acme,managed,,,,,\n"), "x")
	f.Add([]byte("{\"host_id\":\"h1\",\"tenant\":\"acme\",\"tier\":\"managed\"}"), "x.jsonl")
	f.Add([]byte("\xef\xbb\xbfhost_id,tenant,tier\r\nh1,acme,iaas\r\n"), "x.csv")
	f.Fuzz(func(t *testing.T, b []byte, name string) {
		rows, err := Parse(bytes.NewReader(b), name)
		if err != nil {
			var le *Error
			if !errors.As(err, &le) {
				t.Fatalf("error %v is not an *Error", err)
			}
			return
		}
		var buf bytes.Buffer
		if err := WriteCSV(&buf, Records(rows)); err != nil {
			t.Fatal(err)
		}
		again, err := Parse(&buf, "again.csv")
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		if !reflect.DeepEqual(Records(again), Records(rows)) {
			t.Fatalf("round trip changed records")
		}
	})
}
