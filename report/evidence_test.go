package report_test

import (
	"slices"
	"testing"

	"github.com/demarc/demarc/report"
)

func TestEvidenceCollectors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind  report.Kind
		layer report.Layer
		want  string
	}{
		{report.KindUpdatesPending, report.LayerOperatingSystem, "packages"},
		{report.KindRebootRequired, report.LayerOperatingSystem, "kernel"},
		{report.KindEOL, report.LayerOperatingSystem, "osinfo"},
		{report.KindExtendedSupport, report.LayerOperatingSystem, "osinfo"},
		{report.KindEOL, report.LayerControlPanel, "controlpanel"},
		{report.KindEOL, report.LayerVirtualisation, "hypervisor"},
		{report.KindPatchBehind, report.LayerPhysicalHost, "firmware"},
		{report.KindEOL, report.LayerApplications, "applications"},
		{report.KindPatchBehind, report.LayerApplications, "applications"},
		{report.KindMajorBehind, report.LayerThirdPartyApps, "webapps"},
	}
	for _, tc := range tests {
		got := report.EvidenceCollectors(&report.Finding{Kind: tc.kind, Layer: tc.layer})
		if len(got) == 0 || got[0] != tc.want {
			t.Errorf("%s %s: %v, want %s first", tc.kind, tc.layer, got, tc.want)
		}
	}
	if got := report.EvidenceCollectors(&report.Finding{Kind: report.KindEOL, Layer: report.LayerDataCentre}); got != nil {
		t.Errorf("a layer no collector observes: %v", got)
	}
}

func TestOutcomes(t *testing.T) {
	t.Parallel()
	updates := &report.Finding{Kind: report.KindUpdatesPending, Layer: report.LayerOperatingSystem}
	php := &report.Finding{Kind: report.KindEOL, Layer: report.LayerApplications}
	panel := &report.Finding{Kind: report.KindEOL, Layer: report.LayerControlPanel}
	unknown := &report.Finding{Kind: report.KindEOL, Layer: report.LayerDataCentre}

	t.Run("listed", func(t *testing.T) {
		r := &report.Report{
			Collectors: []report.CollectorRun{
				{Name: "osinfo", Status: report.CollectorOK}, {Name: "packages", Status: report.CollectorNotRun},
				{Name: "applications", Status: report.CollectorPartial}, {Name: "controlpanel", Status: report.CollectorOK},
			},
			Errors: []report.CollectorError{{Collector: "applications", Error: "package database: a"}, {Collector: "applications", Error: "b"}},
		}
		o := report.OutcomesOf(r)
		if o.Verified(updates) || o.Verified(php) || !o.Verified(panel) || o.Verified(unknown) {
			t.Errorf("verified: updates %v php %v panel %v unknown %v", o.Verified(updates), o.Verified(php), o.Verified(panel), o.Verified(unknown))
		}
		if got := o.Of("applications"); got.Status != report.CollectorPartial || got.Error != "package database: a; b" {
			t.Errorf("applications: %+v", got)
		}
		// Listed collectors are all there is: one not listed did not run.
		if got := o.Of("webapps").Status; got != report.CollectorNotRun {
			t.Errorf("unlisted collector: %s", got)
		}
		if got := o.Failing(); !slices.Equal(got, []string{"applications", "packages"}) {
			t.Errorf("failing %v", got)
		}
	})
	t.Run("older report", func(t *testing.T) {
		// Before v1.1: collectors named in errors failed, the rest ran.
		r := &report.Report{Errors: []report.CollectorError{{Collector: "packages", Error: "apt-get: exit 100"}}}
		o := report.OutcomesOf(r)
		if o.Verified(updates) || !o.Verified(php) || !o.Verified(panel) {
			t.Error("older report: packages should be the only failed collector")
		}
		if got := o.Of("packages"); got.Status != report.CollectorFailed || got.Error != "apt-get: exit 100" {
			t.Errorf("packages: %+v", got)
		}
		if o.Verified(unknown) {
			t.Error("a finding no row knows is verified by a scan with a failed collector")
		}
		if !report.OutcomesOf(&report.Report{}).Verified(unknown) {
			t.Error("a clean older report does not verify")
		}
	})
}
