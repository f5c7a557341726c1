package sqlstore

import (
	"testing"

	"github.com/demarc/demarc/report"
)

// TestCollectorFailuresRoundTrip: hosts.collector_failures is written from
// a report and read back; a value this version cannot read is one unnamed
// failure, never "everything ran".
func TestCollectorFailuresRoundTrip(t *testing.T) {
	t.Parallel()
	r := &report.Report{
		Collectors: []report.CollectorRun{{Name: "osinfo", Status: report.CollectorOK}, {Name: "packages", Status: report.CollectorTimedOut}},
		Errors:     []report.CollectorError{{Collector: "packages", Error: "timed out after 2m0s"}},
	}
	got := decodeFailures(collectorFailures(r))
	if len(got) != 1 || got[0].Collector != "packages" || got[0].Status != report.CollectorTimedOut || got[0].Error != "timed out after 2m0s" {
		t.Errorf("round trip: %+v", got)
	}
	if s := collectorFailures(&report.Report{}); s != "" || len(decodeFailures(s)) != 0 {
		t.Errorf("a clean report: %q", s)
	}
	for _, bad := range []string{"{", "[]", "null", "\x00", `[{"collector":1}]`, `"packages"`} {
		if got := decodeFailures(bad); len(got) != 1 || got[0].Status != report.CollectorFailed {
			t.Errorf("%q: %+v", bad, got)
		}
	}
}
