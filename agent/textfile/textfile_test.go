package textfile

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/report"
)

var (
	sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? (\S+)$`)
	typeLine   = regexp.MustCompile(`^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (gauge|counter)$`)
)

// parse checks the text format strictly enough for node_exporter: every
// sample's family has a TYPE line before it, values are floats, no family
// repeats. It returns the samples by their full name with labels.
func parse(t *testing.T, b []byte) map[string]float64 {
	t.Helper()
	typed := map[string]bool{}
	out := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		if m := typeLine.FindStringSubmatch(line); m != nil {
			if typed[m[1]] {
				t.Fatalf("family %s declared twice", m[1])
			}
			typed[m[1]] = true
			continue
		}
		if strings.HasPrefix(line, "# HELP ") {
			continue
		}
		m := sampleLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("bad line %q", line)
		}
		if !typed[m[1]] {
			t.Fatalf("sample before its TYPE: %q", line)
		}
		v, err := strconv.ParseFloat(m[5], 64)
		if err != nil {
			t.Fatalf("bad value in %q", line)
		}
		key := line[:strings.LastIndexByte(line, ' ')]
		if _, dup := out[key]; dup {
			t.Fatalf("duplicate sample %q", key)
		}
		out[key] = v
	}
	return out
}

func TestRender(t *testing.T) {
	r := &report.Report{
		Findings: []report.Finding{
			{Kind: report.KindEOL, Severity: report.SeverityCritical, Responsible: report.ResponsibleProvider},
			{Kind: report.KindEOL, Severity: report.SeverityCritical, Responsible: report.ResponsibleProvider},
			{Kind: report.KindPatchBehind, Severity: report.SeverityLow, Responsible: report.ResponsibleCustomer},
		},
		Errors:    []report.CollectorError{{Collector: "x", Error: "y"}},
		Lifecycle: &report.LifecycleData{AgeDays: 12},
	}
	var buf bytes.Buffer
	err := Render(&buf, Stats{
		Version: `v1 "quoted"\`, Report: r, LastScan: time.Unix(1700000000, 0), LastScanOK: true,
		ScanDuration: 1500 * time.Millisecond, SpoolReports: 3, Dropped: 2, DeliveryFailures: 5, Untrusted: 4,
	})
	if err != nil {
		t.Fatal(err)
	}
	got := parse(t, buf.Bytes())
	want := map[string]float64{
		`demarc_findings{kind="eol",responsible="provider",severity="critical"}`:         2,
		`demarc_findings{kind="patch_behind",responsible="customer",severity="low"}`:     1,
		`demarc_findings{kind="reboot_required",responsible="customer",severity="info"}`: 0,
		`demarc_agent_info{version="v1 \"quoted\"\\"}`:                                   1,
		`demarc_last_scan_timestamp_seconds`:                                             1700000000,
		`demarc_last_scan_duration_seconds`:                                              1.5,
		`demarc_last_scan_success`:                                                       1,
		`demarc_spool_reports`:                                                           3,
		`demarc_reports_dropped_total`:                                                   2,
		`demarc_delivery_failures_total`:                                                 5,
		`demarc_spool_untrusted_total`:                                                   4,
		`demarc_report_collector_errors`:                                                 1,
		`demarc_lifecycle_data_age_days`:                                                 12,
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
	if n := 2 * len(report.Severities) * len(report.Kinds); countPrefix(got, "demarc_findings{") != n {
		t.Errorf("findings series = %d, want %d", countPrefix(got, "demarc_findings{"), n)
	}
}

func countPrefix(m map[string]float64, p string) int {
	n := 0
	for k := range m {
		if strings.HasPrefix(k, p) {
			n++
		}
	}
	return n
}

func TestRenderBeforeFirstScan(t *testing.T) {
	var buf bytes.Buffer
	if err := Render(&buf, Stats{}); err != nil {
		t.Fatal(err)
	}
	got := parse(t, buf.Bytes())
	if _, ok := got["demarc_last_scan_timestamp_seconds"]; ok {
		t.Error("a scan time before any scan")
	}
}

func TestWriteIsAtomicAndLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	for i := range 3 {
		if err := Write(dir, Stats{SpoolReports: i}); err != nil {
			t.Fatal(err)
		}
	}
	des, _ := os.ReadDir(dir)
	if len(des) != 1 || des[0].Name() != FileName {
		t.Fatalf("dir holds %v", des)
	}
	b, _ := os.ReadFile(filepath.Join(dir, FileName))
	if parse(t, b)["demarc_spool_reports"] != 2 {
		t.Fatal("not the last write")
	}
	fi, _ := os.Stat(filepath.Join(dir, FileName))
	if fi.Mode().Perm() != 0o644 {
		t.Fatalf("mode %v, want 0644 (node_exporter runs as its own user)", fi.Mode())
	}
}

func TestWriteToMissingDirFails(t *testing.T) {
	if err := Write(filepath.Join(t.TempDir(), "nope"), Stats{}); err == nil {
		t.Fatal("Write to a missing dir succeeded")
	}
}

func TestCredentialRejected(t *testing.T) {
	for _, tc := range []struct {
		status int
		reason string
		key    string
		v      float64
	}{
		{0, "", "demarc_agent_credential_rejected", 0},
		{403, "forbidden_role", `demarc_agent_credential_rejected{reason="forbidden_role",status="403"}`, 1},
		{401, "", `demarc_agent_credential_rejected{reason="unknown",status="401"}`, 1},
	} {
		var buf bytes.Buffer
		if err := Render(&buf, Stats{CredentialStatus: tc.status, CredentialReason: tc.reason}); err != nil {
			t.Fatal(err)
		}
		got := parse(t, buf.Bytes())
		if v, ok := got[tc.key]; !ok || v != tc.v || countPrefix(got, "demarc_agent_credential_rejected") != 1 {
			t.Errorf("status %d: %s = %v (present %v), want %v as the only series", tc.status, tc.key, v, ok, tc.v)
		}
	}
}
