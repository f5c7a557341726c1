package sqlstore

import (
	"reflect"
	"testing"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// TestDerivedTakenOrComputed: the writer takes the Derived that came with
// a report (completing one that holds only fingerprints) instead of
// computing it again, and computes its own for a report that came without
// one or with another report's.
func TestDerivedTakenOrComputed(t *testing.T) {
	r := &report.Report{ReportID: "r1", Findings: []report.Finding{
		{ID: "os-eol", Kind: report.KindEOL, Severity: report.SeverityHigh, Responsible: report.ResponsibleProvider, Evidence: []string{"e"}},
	}}
	want, err := store.Derive(r)
	if err != nil {
		t.Fatal(err)
	}
	other, err := store.Derive(&report.Report{ReportID: "r2"})
	if err != nil {
		t.Fatal(err)
	}
	fp := store.Fingerprint(r)
	for _, tc := range []struct {
		name string
		in   *store.Derived
		same bool // the one that came along is returned
	}{
		{"derived", want, true},
		{"fingerprints only", fp, true},
		{"none", nil, false},
		{"another report's", other, false},
	} {
		got, err := derived(&store.Incoming{Report: r, Derived: tc.in})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if (got == tc.in) != tc.same {
			t.Errorf("%s: returned the Derived that came along: %v, want %v", tc.name, got == tc.in, tc.same)
		}
		if got.Digest != want.Digest || !reflect.DeepEqual(got.Hashes, want.Hashes) || !reflect.DeepEqual(got.Evidence, want.Evidence) ||
			string(got.SummaryJSON) != string(want.SummaryJSON) || got.Summary != want.Summary {
			t.Errorf("%s: %+v, want %+v", tc.name, got, want)
		}
	}
}
