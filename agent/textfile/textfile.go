package textfile

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/demarc/demarc/report"
)

// FileName is the metrics file in the textfile directory.
const FileName = "demarc.prom"

// Stats is what the metrics are made of: the last report and the agent's
// counters.
type Stats struct {
	// Version is the agent's version.
	Version string
	// Report is the last report a scan produced; nil before the first.
	Report *report.Report
	// LastScan is when the last scan attempt ended; zero before the first.
	LastScan time.Time
	// LastScanOK is whether it produced a report.
	LastScanOK bool
	// ScanDuration is how long it took.
	ScanDuration time.Duration
	// SpoolReports is the number of reports waiting on disk.
	SpoolReports int
	// MemoryReports is the number of reports held in memory because the
	// spool could not be written.
	MemoryReports int
	// CredentialStatus is the HTTP status with which the server last
	// refused the agent's token (401, or 403 for a token without the agent
	// role), or 0 when the last answer accepted it or none came yet.
	CredentialStatus int
	// CredentialReason is the server's code for that refusal
	// ("unauthenticated", "forbidden_role"), or "" when it gave none.
	CredentialReason string
	// Enrollment is the host's standing with the server: "enrolled",
	// "revoked" or "unenrolled"; "" (no metric) when the agent delivers
	// nowhere.
	Enrollment string
	// Delivered, DeliveryFailures, Rejected, Dropped, Corrupt, Untrusted
	// and SkippedScans count since the agent started.
	Delivered, DeliveryFailures, Rejected, Dropped, Corrupt, Untrusted, SkippedScans int64
}

// Write replaces dir/demarc.prom atomically with the metrics.
func Write(dir string, s Stats) (err error) {
	f, err := os.CreateTemp(dir, "."+FileName+".tmp-*")
	if err != nil {
		return fmt.Errorf("textfile: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	w := bufio.NewWriter(f)
	if err = Render(w, s); err != nil {
		return fmt.Errorf("textfile: %w", err)
	}
	if err = w.Flush(); err != nil {
		return fmt.Errorf("textfile: %w", err)
	}
	if err = f.Chmod(0o644); err != nil {
		return fmt.Errorf("textfile: %w", err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("textfile: %w", err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("textfile: %w", err)
	}
	if err = os.Rename(f.Name(), filepath.Join(dir, FileName)); err != nil {
		return fmt.Errorf("textfile: %w", err)
	}
	return nil
}

// Render writes the metrics in the Prometheus text exposition format.
func Render(w io.Writer, s Stats) error {
	m := &metrics{w: w}
	m.family("demarc_agent_info", "gauge", "The demarc agent's version.")
	m.sample("demarc_agent_info", 1, "version", s.Version)
	m.findings(s.Report)
	if s.Report != nil {
		m.gauge("demarc_report_collector_errors", "Collector errors in the last report.", float64(len(s.Report.Errors)))
		m.gauge("demarc_report_components", "Components in the last report.", float64(len(s.Report.Components)))
		if lc := s.Report.Lifecycle; lc != nil {
			m.gauge("demarc_lifecycle_data_age_days", "Age of the lifecycle data the last report was judged with.", float64(lc.AgeDays))
		}
	}
	if !s.LastScan.IsZero() {
		m.gauge("demarc_last_scan_timestamp_seconds", "When the last scan ended, Unix time.", float64(s.LastScan.Unix()))
		m.gauge("demarc_last_scan_duration_seconds", "How long the last scan took.", s.ScanDuration.Seconds())
		m.gauge("demarc_last_scan_success", "1 if the last scan produced a report.", b2f(s.LastScanOK))
	}
	m.gauge("demarc_spool_reports", "Undelivered reports waiting in the spool directory.", float64(s.SpoolReports))
	m.gauge("demarc_memory_reports", "Undelivered reports held in memory because the spool could not be written.", float64(s.MemoryReports))
	m.credential(s.CredentialStatus, s.CredentialReason)
	if s.Enrollment != "" {
		m.family("demarc_agent_enrolled", "gauge", "The host's enrollment with demarc-server: one series, 1, its state label enrolled, revoked (the server refused this host: reports stay in the spool) or unenrolled.")
		m.sample("demarc_agent_enrolled", 1, "state", s.Enrollment)
	}
	m.counter("demarc_reports_delivered_total", "Reports the server accepted since the agent started.", s.Delivered)
	m.counter("demarc_delivery_failures_total", "Delivery attempts that failed and will be retried, since the agent started.", s.DeliveryFailures)
	m.counter("demarc_reports_rejected_total", "Reports the server refused (kept in rejected/), since the agent started.", s.Rejected)
	m.counter("demarc_reports_dropped_total", "Undelivered reports dropped because the spool was full, since the agent started.", s.Dropped)
	m.counter("demarc_spool_corrupt_total", "Spool files moved aside as corrupt, since the agent started.", s.Corrupt)
	m.counter("demarc_spool_untrusted_total", "Spool files moved aside, never sent, because they were not the agent's own (a symlink, a special file or another user's file), since the agent started.", s.Untrusted)
	m.counter("demarc_scans_skipped_total", "Scheduled scans skipped because a scan was still running, since the agent started.", s.SkippedScans)
	return m.err
}

// credential writes demarc_agent_credential_rejected: one series, 0 while
// the server accepts the token, else 1 with the status and the server's
// reason as labels (an empty label is no label, so the series is the same
// one either way).
func (m *metrics) credential(status int, reason string) {
	const name = "demarc_agent_credential_rejected"
	m.family(name, "gauge", "1 while the server refuses the agent's token (HTTP 401, or 403 for a token without the agent role): reports are kept in the spool and retried until the token is fixed.")
	if status == 0 {
		m.sample(name, 0)
		return
	}
	if reason == "" {
		reason = "unknown"
	}
	m.sample(name, 1, "reason", reason, "status", strconv.Itoa(status))
}

// findings writes every responsible × severity × kind combination, zeros
// included.
func (m *metrics) findings(r *report.Report) {
	type key struct {
		resp report.Responsible
		sev  report.Severity
		kind report.Kind
	}
	counts := map[key]int{}
	if r != nil {
		for _, f := range r.Findings {
			counts[key{f.Responsible, f.Severity, f.Kind}]++
		}
	}
	m.family("demarc_findings", "gauge", "Findings in the last report by responsible party, severity and kind.")
	for _, resp := range []report.Responsible{report.ResponsibleProvider, report.ResponsibleCustomer} {
		for _, sev := range report.Severities {
			for _, kind := range report.Kinds {
				m.sample("demarc_findings", float64(counts[key{resp, sev, kind}]),
					"kind", string(kind), "responsible", string(resp), "severity", string(sev))
			}
		}
	}
}

type metrics struct {
	w   io.Writer
	err error
}

func (m *metrics) printf(format string, a ...any) {
	if m.err == nil {
		_, m.err = fmt.Fprintf(m.w, format, a...)
	}
}

func (m *metrics) family(name, typ, help string) {
	m.printf("# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
}

func (m *metrics) gauge(name, help string, v float64) {
	m.family(name, "gauge", help)
	m.sample(name, v)
}

func (m *metrics) counter(name, help string, v int64) {
	m.family(name, "counter", help)
	m.sample(name, float64(v))
}

// sample writes one line; labels are name, value pairs.
func (m *metrics) sample(name string, v float64, labels ...string) {
	var b strings.Builder
	b.WriteString(name)
	if len(labels) > 0 {
		b.WriteByte('{')
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%s=\"%s\"", labels[i], escape(labels[i+1]))
		}
		b.WriteByte('}')
	}
	m.printf("%s %s\n", b.String(), strconv.FormatFloat(v, 'g', -1, 64))
}

func escape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`).Replace(s)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
