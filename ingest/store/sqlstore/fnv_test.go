package sqlstore

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

// TestFNVIsHashFNV: the string hash gives hash/fnv's values, so the digests
// and content hashes stored before it are the ones computed after it (a
// change would make every host's next report rewrite all its findings).
func TestFNVIsHashFNV(t *testing.T) {
	for _, s := range []string{"", "a", "openssl", "CVE-2024-0727\x00", "ümlaut ☃", string(make([]byte, 300))} {
		if got, want := uint64(fnvOffset64.str(s).byte(0)), stdFNV([]byte(s), []byte{0}); got != want {
			t.Errorf("%q: %x, want %x", s, got, want)
		}
	}
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
	if got, want := findingHash(&f), int64(stdFNV(parts...)); got != want {
		t.Errorf("findingHash %x, want %x", got, want)
	}
	fp := fingerprint([]report.Finding{f})
	if want := int64(stdFNV([]byte(f.ID))) ^ findingHash(&f); fp.digest != want {
		t.Errorf("digest %x, want %x", fp.digest, want)
	}
}

func FuzzFNV(f *testing.F) {
	f.Add("openssl", byte(0))
	f.Fuzz(func(t *testing.T, s string, b byte) {
		if got, want := uint64(fnvOffset64.str(s).byte(b)), stdFNV([]byte(s), []byte{b}); got != want {
			t.Fatalf("%q %d: %x, want %x", s, b, got, want)
		}
	})
}
