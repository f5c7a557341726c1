package ingest_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/demarc/demarc/report"
)

// TestMetricsHostsFailingCollectors: /metrics counts the hosts whose
// latest report has collectors that did not run cleanly (read with the
// other fleet gauges, from the store's summary).
func TestMetricsHostsFailingCollectors(t *testing.T) {
	e := newEnv(t, nil)
	failing := host(51, "acme").Next(t0)
	failing.Collectors = []report.CollectorRun{{Name: "osinfo", Status: report.CollectorOK}, {Name: "packages", Status: report.CollectorFailed}}
	failing.Errors = []report.CollectorError{{Collector: "packages", Error: "apt-get: exit 100"}}
	// An older agent's report: a collector named in errors failed.
	older := host(52, "acme").Next(t0)
	older.Errors = []report.CollectorError{{Collector: "kernel", Error: "rpm -q kernel: exit 1"}}
	clean := host(53, "acme").Next(t0)
	for _, r := range []*report.Report{failing, older, clean} {
		if code, body := e.post(e.tok["agentA"], r); code >= 300 {
			t.Fatalf("post: %d %v", code, body)
		}
	}
	resp, err := http.Get(e.http.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(b), "\ndemarc_fleet_hosts_failing_collectors 2\n") {
		t.Errorf("metrics: demarc_fleet_hosts_failing_collectors is not 2:\n%s", grepLines(string(b), "failing"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
