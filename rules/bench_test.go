package rules

import (
	"testing"

	"github.com/demarc/demarc/report"
	"github.com/demarc/demarc/rules/lifecycle"
)

// BenchmarkEvaluate judges a busy cPanel host: OS, panel, three PHP
// branches, databases, 20 WordPress sites, firmware, updates.
func BenchmarkEvaluate(b *testing.B) {
	e, err := NewEngine(Options{})
	if err != nil {
		b.Fatal(err)
	}
	in := host("almalinux", "9.4",
		comp(report.LayerControlPanel, "cpanel", "11.126.0.40"),
		comp(report.LayerApplications, "php", "7.4.33", "instance", "ea-php74"),
		comp(report.LayerApplications, "php", "8.1.30", "instance", "ea-php81"),
		comp(report.LayerApplications, "php", "8.3.10", "instance", "ea-php83"),
		comp(report.LayerApplications, "mariadb", "10.6.18"),
		comp(report.LayerPhysicalHost, "bios", "2.1", "date", "2020-01-01"))
	for i := range 20 {
		in.Components = append(in.Components, comp(report.LayerThirdPartyApps, "wordpress", "6.4.3", "path", "/home/u"+string(rune('a'+i))))
	}
	in.Updates = &report.Updates{Manager: "dnf", Count: 40, SecurityCount: 9, SecurityDataAvailable: true}
	in.At = lifecycle.Day(e.Lifecycle().SnapshotDate.Time()).Time()
	b.ReportAllocs()
	for b.Loop() {
		e.Evaluate(in)
	}
}
