package store

import (
	"hash/fnv"
	"testing"

	"github.com/demarc/demarc/report"
)

func stdFNV(parts ...[]byte) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum64()
}

// TestFingerprintValues: a finding's hash and a report's digest are
// hash/fnv's FNV-1a of the fields as they were defined when the first
// digests were stored (a change would make every host's next report
// rewrite all its findings).
func TestFingerprintValues(t *testing.T) {
	f := report.Finding{ID: "os-eol", Kind: report.KindEOL, Layer: report.LayerOperatingSystem, Product: "debian",
		Installed: "10", Cycle: "10", EOLDate: "2024-06-30", Severity: report.SeverityCritical,
		Responsible: report.ResponsibleProvider, Rule: "eol", Rationale: "r", Remediation: "m",
		Evidence: []string{"/etc/os-release", "x"}}
	var parts [][]byte
	for _, s := range []string{string(f.Kind), string(f.Layer), f.Product, f.Installed, f.Latest, f.Cycle, f.EOLDate,
		string(f.Severity), string(f.Responsible), f.Rule, f.Rationale, f.Remediation, f.BlockedBy} {
		parts = append(parts, []byte(s), []byte{0})
	}
	for _, e := range f.Evidence {
		parts = append(parts, []byte(e), []byte{1})
	}
	if got, want := FindingHash(&f), int64(stdFNV(parts...)); got != want {
		t.Errorf("FindingHash %x, want %x", got, want)
	}
	g := f
	g.ID, g.Evidence = "kernel-eol", nil
	r := &report.Report{Findings: []report.Finding{f, g}}
	d, err := Derive(r)
	if err != nil {
		t.Fatal(err)
	}
	want := (int64(stdFNV([]byte(f.ID))) ^ FindingHash(&f)) + (int64(stdFNV([]byte(g.ID))) ^ FindingHash(&g))
	if d.Digest != want {
		t.Errorf("digest %x, want %x", d.Digest, want)
	}
	// The values the store computed before Derive existed (sqlstore's
	// findingHash and fingerprint at 8cc5c1b, run on these findings).
	for _, c := range []struct {
		name      string
		got, want uint64
	}{
		{"hash of os-eol", uint64(FindingHash(&f)), 0x77cf94b79c708ce1},
		{"hash of kernel-eol", uint64(FindingHash(&g)), 0xc8c98b7150333695},
		{"digest", uint64(d.Digest), 0x54f032e41a50416b},
	} {
		if c.got != c.want {
			t.Errorf("%s %#x, want %#x", c.name, c.got, c.want)
		}
	}
	if fp := Fingerprint(r); fp.Digest != d.Digest || fp.SummaryJSON != nil {
		t.Errorf("Fingerprint: digest %#x (want %#x), summary %s (want none before Complete)", fp.Digest, d.Digest, fp.SummaryJSON)
	}
	if d.Evidence[0] != `["/etc/os-release","x"]` || d.Evidence[1] != `[]` {
		t.Errorf("evidence %q, want the JSON arrays (never null)", d.Evidence)
	}
	if d.Summary != report.Summarize(r.Findings) || string(d.SummaryJSON) == "" {
		t.Errorf("summary %+v %s", d.Summary, d.SummaryJSON)
	}
}

// TestDerivedFor: a Derived belongs to the report value it was computed
// from; a copy of that report, another report or a nil Derived is not it.
func TestDerivedFor(t *testing.T) {
	r := &report.Report{ReportID: "a"}
	d, err := Derive(r)
	if err != nil {
		t.Fatal(err)
	}
	c := *r
	var none *Derived
	for _, tc := range []struct {
		name string
		d    *Derived
		r    *report.Report
		want bool
	}{
		{"same", d, r, true},
		{"copy", d, &c, false},
		{"other", d, &report.Report{ReportID: "a"}, false},
		{"nil", none, r, false},
	} {
		if got := tc.d.For(tc.r); got != tc.want {
			t.Errorf("%s: For = %v, want %v", tc.name, got, tc.want)
		}
	}
}
