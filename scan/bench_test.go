package scan_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/demarc/demarc/report"
	"github.com/demarc/demarc/rules"
	"github.com/demarc/demarc/scan"
)

// BenchmarkScan is one whole scan of a rich fixture host (cPanel, three
// WordPress sites, several PHP branches, dnf with advisories) with every
// collector, the rules and both human and JSON renderings. The package
// manager's answers come from the fake runner, so this measures demarc's
// own work, not apt's or dnf's.
func BenchmarkScan(b *testing.B) {
	eng, err := rules.NewEngine(rules.Options{})
	if err != nil {
		b.Fatal(err)
	}
	hc := loadHostCase(b, filepath.Join("testdata", "hosts", "cpanel-wordpress"))
	root := hc.prepareRoot(b)
	o := hc.options(b, root, report.TierManaged, eng)
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		r, err := scan.Run(context.Background(), o)
		if err != nil {
			b.Fatal(err)
		}
		buf.Reset()
		if err := report.RenderTable(&buf, r, report.RenderOptions{}); err != nil {
			b.Fatal(err)
		}
		if err := report.RenderJSON(&buf, r); err != nil {
			b.Fatal(err)
		}
		if len(r.Findings) == 0 || len(r.Errors) != 0 {
			b.Fatalf("findings %d, errors %v", len(r.Findings), r.Errors)
		}
	}
}
