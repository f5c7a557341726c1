package ingest

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/demarc/demarc/ingest/sla"
	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// metrics are the server's Prometheus metrics, on a registry of its own.
type metrics struct {
	reg           *prometheus.Registry
	reports       *prometheus.CounterVec
	rejects       *prometheus.CounterVec
	requests      *prometheus.CounterVec
	latency       *prometheus.HistogramVec
	commitSeconds prometheus.Histogram
	batchSize     prometheus.Histogram
	commitErrors  prometheus.Counter
	authFailures  *prometheus.CounterVec
	tenantBytes   *prometheus.GaugeVec
	keysIssued    prometheus.Counter
	rejudgeQueue  prometheus.Gauge
	rejudged      *prometheus.CounterVec
	enrollments   *prometheus.CounterVec
}

func newMetrics(s store.Store, gaugeTTL time.Duration, policy sla.Policy, now func() time.Time) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.reports = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "demarc_ingest_reports_total", Help: "Reports accepted, by result (created, duplicate).",
	}, []string{"result"})
	m.rejects = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "demarc_ingest_rejects_total", Help: "Report posts refused, by reason.",
	}, []string{"reason"})
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "demarc_http_requests_total", Help: "HTTP requests by route and status code.",
	}, []string{"route", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "demarc_http_request_duration_seconds", Help: "HTTP request latency by route.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"route"})
	m.commitSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "demarc_store_commit_duration_seconds", Help: "Time to store one group-commit batch.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	})
	m.batchSize = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "demarc_store_batch_reports", Help: "Reports per group-commit batch.",
		Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512},
	})
	m.commitErrors = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "demarc_store_commit_errors_total", Help: "Reports whose commit failed.",
	})
	m.authFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "demarc_auth_failures_total", Help: "Requests refused for their credential, by result (invalid: 401; throttled: 429 before any lookup, the client address having failed too often; host_revoked: a revoked host's key).",
	}, []string{"result"})
	m.tenantBytes = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "demarc_tenant_stored_bytes", Help: "Compressed report bodies a tenant keeps stored, as last read for its quota (only with a quota).",
	}, []string{"tenant"})
	m.rejudgeQueue = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "demarc_rejudge_pending_hosts", Help: "Hosts waiting to be re-judged (their record, the rules or the lifecycle data changed).",
	})
	m.rejudged = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "demarc_rejudged_hosts_total", Help: "Hosts re-judged, by result (applied, unchanged, stale: a newer report won, missing, error).",
	}, []string{"result"})
	for _, r := range []string{"applied", "unchanged", "stale", "missing", "error"} {
		m.rejudged.WithLabelValues(r)
	}
	m.keysIssued = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "demarc_host_keys_issued_total", Help: "New host keys handed out in answers to report posts (rotation).",
	})
	m.enrollments = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "demarc_enrollments_total", Help: "Host enrollments, by credential (enroll_secret, or a deprecated agent token).",
	}, []string{"credential"})
	for _, c := range []string{"enroll_secret", "agent_token"} {
		m.enrollments.WithLabelValues(c)
	}
	for _, r := range []string{"invalid", "throttled", "host_revoked"} {
		m.authFailures.WithLabelValues(r)
	}
	// Export every series from the start, so that rates work from zero.
	for _, r := range []string{"created", "duplicate"} {
		m.reports.WithLabelValues(r)
	}
	for _, r := range rejectReasons {
		m.rejects.WithLabelValues(r)
	}
	m.reg.MustRegister(m.reports, m.rejects, m.requests, m.latency, m.commitSeconds, m.batchSize, m.commitErrors, m.authFailures, m.tenantBytes, m.keysIssued, m.enrollments, m.rejudgeQueue, m.rejudged,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&fleetCollector{store: s, ttl: gaugeTTL, sla: policy, now: now})
	return m
}

// rejectReasons are the reasons label values of demarc_ingest_rejects_total.
var rejectReasons = []string{
	"content_type", "too_large", "busy", "invalid", "encoding", "bad_gzip", "malformed", "read_error",
	"stopping", "store", "internal", "client_gone", "conflict", "forbidden_report", "enroll_first", "body_timeout", "quota",
}

// fleetCollector exports open findings by party and severity, read from
// the store at scrape time and cached for ttl (scrapes of several replicas
// see the same database).
type fleetCollector struct {
	store store.Store
	ttl   time.Duration
	sla   sla.Policy
	now   func() time.Time

	mu     sync.Mutex
	at     time.Time
	cached store.Summary
	slas   sla.Fleet
	ok     bool
}

var (
	fleetOpenDesc = prometheus.NewDesc("demarc_fleet_open_findings",
		"Open findings across all tenants by responsible party and severity.", []string{"responsible", "severity"}, nil)
	fleetHostsDesc = prometheus.NewDesc("demarc_fleet_hosts", "Hosts by tier.", []string{"tier"}, nil)
	fleetSLADesc   = prometheus.NewDesc("demarc_sla_findings",
		"Open findings past their SLA (state breached) or due within 7 days (state due), by party, across all tenants, at the server's clock.", []string{"party", "state"}, nil)
	fleetUpDesc   = prometheus.NewDesc("demarc_fleet_query_success", "1 if the fleet gauges could be read.", nil, nil)
	fleetFailDesc = prometheus.NewDesc("demarc_fleet_hosts_failing_collectors",
		"Hosts whose latest report has collectors that failed or did not run: their last scan could not check everything, and the findings those collectors would see stay open, unverified.", nil, nil)
)

func (f *fleetCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- fleetOpenDesc
	ch <- fleetHostsDesc
	ch <- fleetUpDesc
	ch <- fleetFailDesc
	ch <- fleetSLADesc
}

func (f *fleetCollector) Collect(ch chan<- prometheus.Metric) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if time.Since(f.at) > f.ttl {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		sum, err := f.store.Counts(ctx, store.AllTenants())
		var slas sla.Fleet
		if err == nil {
			// Two O(days) reads per party and severity (sla.Policy.Count).
			slas, err = f.sla.Count(ctx, f.store, store.AllTenants(), "", f.now())
		}
		cancel()
		f.at, f.ok = time.Now(), err == nil
		if err == nil {
			f.cached, f.slas = sum, slas
		}
	}
	up := 0.0
	if f.ok {
		up = 1
	}
	ch <- prometheus.MustNewConstMetric(fleetUpDesc, prometheus.GaugeValue, up)
	counts := map[[2]string]int64{}
	for _, c := range f.cached.Open {
		counts[[2]string{string(c.Responsible), string(c.Severity)}] += c.Count
	}
	for _, r := range []report.Responsible{report.ResponsibleProvider, report.ResponsibleCustomer} {
		for _, s := range report.Severities {
			ch <- prometheus.MustNewConstMetric(fleetOpenDesc, prometheus.GaugeValue,
				float64(counts[[2]string{string(r), string(s)}]), string(r), string(s))
		}
	}
	for _, t := range report.Tiers {
		ch <- prometheus.MustNewConstMetric(fleetHostsDesc, prometheus.GaugeValue, float64(f.cached.Hosts[t]), string(t))
	}
	ch <- prometheus.MustNewConstMetric(fleetFailDesc, prometheus.GaugeValue, float64(f.cached.HostsFailingCollectors))
	for _, r := range []report.Responsible{report.ResponsibleProvider, report.ResponsibleCustomer} {
		c := f.slas.Of(r)
		ch <- prometheus.MustNewConstMetric(fleetSLADesc, prometheus.GaugeValue, float64(c.Breached), string(r), sla.Breached)
		ch <- prometheus.MustNewConstMetric(fleetSLADesc, prometheus.GaugeValue, float64(c.Due), string(r), sla.Due)
	}
}
