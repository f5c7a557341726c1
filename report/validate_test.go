package report_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/internal/reportgen"
	"github.com/demarc/demarc/report"
)

func TestValidateFields(t *testing.T) {
	now := time.Date(2026, 10, 2, 0, 0, 0, 0, time.UTC)
	base := func() *report.Report {
		return reportgen.NewHost(2, 2, "acme", 40, -1).Next(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC))
	}
	if err := report.ValidateAt(base(), now); err != nil {
		t.Fatalf("valid report rejected: %v", err)
	}
	withRuns := base()
	for _, st := range report.CollectorStatuses {
		withRuns.Collectors = append(withRuns.Collectors, report.CollectorRun{Name: "c-" + string(st), Status: st, DurationMS: 12})
	}
	if err := report.ValidateAt(withRuns, now); err != nil {
		t.Fatalf("valid collectors rejected: %v", err)
	}
	tests := []struct {
		field string
		mod   func(*report.Report)
	}{
		{"schema", func(r *report.Report) { r.Schema = "x" }},
		{"report_id", func(r *report.Report) { r.ReportID = strings.Repeat("a", 129) }},
		{"agent.name", func(r *report.Report) { r.Agent.Name = " " }},
		{"host.hostname", func(r *report.Report) { r.Host.Hostname = "a b" }},
		{"host.virtualization.role", func(r *report.Report) { r.Host.Virtualization.Role = "both" }},
		{"profile.tier", func(r *report.Report) { r.Profile.Tier = "" }},
		{"components[1].product", func(r *report.Report) { r.Components[1].Product = "" }},
		{"components[0].details", func(r *report.Report) { r.Components[0].Details["k"] = "\x1b[31m" }},
		{"components[0].details{}", func(r *report.Report) { r.Components[0].Details[strings.Repeat("k", 257)] = "v" }},
		{"findings[2].blocked_by", func(r *report.Report) { r.Findings[2].BlockedBy = "a b" }},
		{"findings[39].evidence", func(r *report.Report) { r.Findings[39].Evidence = make([]string, 101) }},
		{"updates.packages[0].name", func(r *report.Report) { r.Updates = &report.Updates{Packages: []report.Package{{}}} }},
		{"updates.packages[0].cves", func(r *report.Report) {
			r.Updates = &report.Updates{Packages: []report.Package{{Name: "openssl", Candidate: "3.0.7", CVEs: []string{""}}}}
		}},
		{"updates.packages[0].cves", func(r *report.Report) {
			r.Updates = &report.Updates{Packages: []report.Package{{Name: "openssl", Candidate: "3.0.7", CVEs: make([]string, report.MaxListSmall+1)}}}
		}},
		{"host.accounts[0].domains[1].name", func(r *report.Report) {
			r.Host.Accounts = []report.Account{{Panel: "cpanel", User: "bob", Domains: []report.AccountDomain{{Name: "example.com"}, {}}}}
		}},
		{"errors[0].collector", func(r *report.Report) { r.Errors = []report.CollectorError{{Error: "x"}} }},
		{"scanned_at", func(r *report.Report) { r.ScannedAt = now.Add(48 * time.Hour) }},
		// A report dated an hour ahead once froze a host's state; only clock
		// drift of minutes passes.
		{"scanned_at", func(r *report.Report) { r.ScannedAt = now.Add(time.Hour) }},
		{"summary.customer.low", func(r *report.Report) { r.Summary.Customer.Low = -1 }},
		{"collectors", func(r *report.Report) { r.Collectors = make([]report.CollectorRun, report.MaxCollectors+1) }},
		{"collectors[0].name", func(r *report.Report) { r.Collectors = []report.CollectorRun{{Status: report.CollectorOK}} }},
		{"collectors[0].name", func(r *report.Report) {
			r.Collectors = []report.CollectorRun{{Name: "pack ages", Status: report.CollectorOK}}
		}},
		{"collectors[0].name", func(r *report.Report) {
			r.Collectors = []report.CollectorRun{{Name: strings.Repeat("c", report.MaxCollectorName+1), Status: report.CollectorOK}}
		}},
		{"collectors[1].name", func(r *report.Report) {
			r.Collectors = []report.CollectorRun{{Name: "kernel", Status: report.CollectorOK}, {Name: "kernel", Status: report.CollectorFailed}}
		}},
		{"collectors[0].status", func(r *report.Report) { r.Collectors = []report.CollectorRun{{Name: "kernel", Status: "crashed"}} }},
		{"collectors[0].status", func(r *report.Report) { r.Collectors = []report.CollectorRun{{Name: "kernel"}} }},
		{"collectors[0].duration_ms", func(r *report.Report) {
			r.Collectors = []report.CollectorRun{{Name: "kernel", Status: report.CollectorOK, DurationMS: -1}}
		}},
	}
	for _, tc := range tests {
		r := base()
		tc.mod(r)
		var ve *report.ValidationError
		if err := report.ValidateAt(r, now); !errors.As(err, &ve) || ve.Field != tc.field || !errors.Is(err, report.ErrInvalid) {
			t.Errorf("%s: err %v", tc.field, err)
		}
	}
}
