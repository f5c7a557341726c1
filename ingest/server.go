package ingest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"

	"github.com/demarc/demarc/ingest/notify"
	"github.com/demarc/demarc/ingest/sla"
	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
	"github.com/demarc/demarc/rules"
)

// DefaultMaxBatch is how many reports one group-commit transaction holds
// at most unless Config.MaxBatch says otherwise.
const DefaultMaxBatch = 256

// Config configures a Server. Zero values take the documented defaults.
type Config struct {
	// Store keeps everything; required.
	Store store.Store
	// Log receives one line per refused or failed request (successful ones
	// at debug level) and the server's own events.
	Log zerolog.Logger
	// Limits bound report bodies (default DefaultLimits).
	Limits Limits
	// RatePerSecond and RateBurst limit requests per token (default 50/s,
	// burst 100; negative RatePerSecond disables the limit).
	RatePerSecond float64
	RateBurst     int
	// TokenCacheTTL is how long a token record is trusted before it is read
	// again (default 10s; a revocation takes at most this long everywhere).
	TokenCacheTTL time.Duration
	// CommitWorkers is the number of concurrent group-commit transactions
	// (default 1: right for SQLite's single writer; use several with
	// PostgreSQL). MaxBatch caps the reports per transaction (default
	// DefaultMaxBatch) and QueueSize the reports waiting (default 8192;
	// beyond it, 503).
	CommitWorkers, MaxBatch, QueueSize int
	// RejudgeWorkers is the number of re-judging batches (RejudgeBatch
	// hosts each) under way at once (default CommitWorkers: one store
	// writer on SQLite, several transactions on PostgreSQL).
	RejudgeWorkers int
	// MaxInFlight caps the report posts being decoded or awaiting commit
	// (default 2048; beyond it, 503 with Retry-After). A post takes its
	// slot only once its whole body has arrived, so slow senders never
	// hold one.
	MaxInFlight int
	// MaxPerToken and MaxPerTenant cap the requests under way for one
	// token and for one tenant, body reads included (default 64 and 512;
	// beyond them, 429 with Retry-After): one tenant's flood of slow
	// requests cannot starve another tenant. Negative disables a cap.
	MaxPerToken, MaxPerTenant int
	// BodyTimeout is how long a report's body may take to arrive once its
	// headers have (default 15s; then 408).
	BodyTimeout time.Duration
	// AuthFailureRate and AuthFailureBurst throttle failed authentications
	// per client address (default 1/s, burst 20): past them, a request
	// whose token is not already known valid gets 429 before any lookup.
	// Negative AuthFailureRate disables the throttle.
	AuthFailureRate  float64
	AuthFailureBurst int
	// TenantQuotaBytes caps the compressed report bodies a tenant keeps
	// stored (default 0: no quota); past it, posts get 507 with reason
	// "quota" until retention frees room.
	TenantQuotaBytes int64
	// KeyRotation is the age after which a host key is replaced: the 2xx
	// answer to a post made with it carries the next key (default 30
	// days; negative: only when an admin asks, `host rotate`).
	KeyRotation time.Duration
	// OnRecordsChanged is called with the hosts whose provider's record an
	// API PUT or the web UI changed (nil: nothing is called). A record
	// changed by `demarc-server hosts import` in another process is seen
	// by store.RecordStore.RecordsChangedSince.
	OnRecordsChanged RecordsChanged
	// Records finds the provider's record of a host (nil: no host has
	// one). The record, not the report, decides the profile a report is
	// judged on.
	Records RecordLookup
	// RecordPoll is how often the server looks for host records changed
	// by another process (`demarc-server hosts import`) to re-judge their
	// hosts (default 30s).
	RecordPoll time.Duration
	// Unrecorded is the policy for a host without a record (default
	// trust_claim); DefaultTier is the tier of policy default_tier.
	Unrecorded  Policy
	DefaultTier report.Tier
	// Provider is the provider's name in the server's findings (default:
	// the name the report gives, else the matrix's).
	Provider string
	// Rules judges reports (default: the built-in matrix and lifecycle
	// data).
	Rules *rules.Engine
	// AgentTokenReports lets a tenant's agent token post reports as
	// before enrollment existed (host id from the body), for the release
	// in which agents are upgraded; an enrolled host's id is refused to
	// it. Off by default: an agent token only enrolls.
	AgentTokenReports bool
	// Retention is how long report bodies and resolved findings are kept
	// (default 90 days; each host's latest report is always kept). Negative
	// disables pruning.
	Retention time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// SLA is how long each party has to fix an open finding of each
	// severity (nil: sla.Default()).
	SLA sla.Policy
	// Acks is who besides an admin may accept a risk (default: nobody).
	Acks AckPolicy
	// Webhooks are the webhook subscriptions (none: no deliveries are
	// made; events still go into the store's outbox, delivered once a
	// subscription matches them). The store must be a store.Outbox.
	Webhooks []notify.Subscription
	// Digests are the e-mail digests, sent through SMTP every
	// DigestInterval (default 1h).
	Digests        []notify.Digest
	SMTP           notify.SMTP
	DigestInterval time.Duration
	// WebhookPoll is how often the outbox is read when idle (default 2s).
	WebhookPoll time.Duration
	// EventInterval is how often the event job looks for SLA clocks
	// crossed, silent hosts and failing collectors (default 1 min).
	EventInterval time.Duration
	// SilentAfter is how long a host may send no report before its
	// host.silent event (default 72h).
	SilentAfter time.Duration
	// FleetGaugeTTL is how long /metrics serves the fleet gauges it read
	// from the store before reading them again (default 15s; negative:
	// read on every scrape, as benchmarks of the scrape do).
	FleetGaugeTTL time.Duration
}

func (c *Config) defaults() {
	if c.Limits == (Limits{}) {
		c.Limits = DefaultLimits
	}
	if c.RatePerSecond == 0 {
		c.RatePerSecond, c.RateBurst = 50, 100
	}
	if c.TokenCacheTTL == 0 {
		c.TokenCacheTTL = 10 * time.Second
	}
	c.CommitWorkers = cmpOr(c.CommitWorkers, 1)
	c.RejudgeWorkers = cmpOr(c.RejudgeWorkers, c.CommitWorkers)
	c.MaxBatch = cmpOr(c.MaxBatch, DefaultMaxBatch)
	c.QueueSize = cmpOr(c.QueueSize, 8192)
	c.MaxInFlight = cmpOr(c.MaxInFlight, 2048)
	c.MaxPerToken = defaultUnlessNegative(c.MaxPerToken, 64)
	c.MaxPerTenant = defaultUnlessNegative(c.MaxPerTenant, 512)
	if c.BodyTimeout <= 0 {
		c.BodyTimeout = 15 * time.Second
	}
	if c.Records == nil {
		c.Records = StoreRecords(c.Store)
	}
	if c.RecordPoll <= 0 {
		c.RecordPoll = 30 * time.Second
	}
	if c.Unrecorded == "" {
		c.Unrecorded = TrustClaim
	}
	if c.DefaultTier == "" {
		c.DefaultTier = report.TierManaged
	}
	if c.KeyRotation == 0 {
		c.KeyRotation = 30 * 24 * time.Hour
	}
	if c.AuthFailureRate == 0 {
		c.AuthFailureRate, c.AuthFailureBurst = 1, 20
	}
	if c.Retention == 0 {
		c.Retention = 90 * 24 * time.Hour
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.SLA == nil {
		c.SLA = sla.Default()
	}
	if c.EventInterval <= 0 {
		c.EventInterval = time.Minute
	}
	if c.SilentAfter <= 0 {
		c.SilentAfter = 72 * time.Hour
	}
	if c.FleetGaugeTTL == 0 {
		c.FleetGaugeTTL = 15 * time.Second
	}
}

// defaultUnlessNegative is def for 0, 0 (no cap) for a negative v, else v.
func defaultUnlessNegative(v, def int) int {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}

func cmpOr(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// Server is demarc-server's HTTP side: ingestion, the read API, health and
// metrics. More pages (the web UI) are added with Handle.
type Server struct {
	cfg      Config
	store    store.Store
	log      zerolog.Logger
	auth     *Authenticator
	limits   *limiters
	failures *limiters // failed authentications per client address
	perToken *slots
	perTen   *slots
	authLog  sampler
	quota    *quota
	m        *metrics
	commit   *committer
	mux      *http.ServeMux
	inflight chan struct{}
	stopping atomic.Bool
	lc       lifecycleCache // the current lifecycle data (handle_lifecycle.go)

	rejudge *rejudger
	hooks   *notify.Notifier // nil without webhooks

	engMu   sync.Mutex
	engCur  *rules.Engine // the engine over the current lifecycle data
	engETag string        // that data's ETag

	engineOnce sync.Once
	engine     *rules.Engine
	engineErr  error
	stop       chan struct{}
	bg         sync.WaitGroup
}

// New builds a Server over cfg.Store. Close it after the HTTP server has
// shut down.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("ingest: no store")
	}
	cfg.defaults()
	if !cfg.Unrecorded.Valid() {
		return nil, fmt.Errorf("ingest: unrecorded policy %q: want trust_claim, default_tier or quarantine", cfg.Unrecorded)
	}
	if !cfg.DefaultTier.Valid() {
		return nil, fmt.Errorf("ingest: default tier %q: want managed, iaas or colocation", cfg.DefaultTier)
	}
	s := &Server{
		cfg: cfg, store: cfg.Store, log: cfg.Log,
		auth:     NewAuthenticator(cfg.Store, cfg.TokenCacheTTL),
		limits:   newLimiters(cfg.RatePerSecond, cfg.RateBurst),
		failures: newLimiters(cfg.AuthFailureRate, cfg.AuthFailureBurst),
		perToken: newSlots(cfg.MaxPerToken),
		perTen:   newSlots(cfg.MaxPerTenant),
		authLog:  sampler{every: time.Second},
		m:        newMetrics(cfg.Store, cfg.FleetGaugeTTL, cfg.SLA, cfg.Now),
		mux:      http.NewServeMux(),
		inflight: make(chan struct{}, cfg.MaxInFlight),
		stop:     make(chan struct{}),
	}
	if cfg.TenantQuotaBytes > 0 {
		us, ok := cfg.Store.(usageStore)
		if !ok {
			return nil, errNoUsage
		}
		s.quota = &quota{store: us, ttl: 5 * time.Second, seen: map[string]usage{}}
	}
	s.rejudge = newRejudger(s)
	if s.cfg.OnRecordsChanged == nil {
		s.cfg.OnRecordsChanged = func(_ context.Context, ids []string) { s.rejudge.queue(ids, "") }
	}
	s.bg.Go(func() { s.rejudge.run(s.cfg.RecordPoll, s.cfg.RejudgeWorkers) })
	// Verdicts stored on another matrix, lifecycle data or policy are
	// made again (a new judge.rules file, a new binary's data).
	if done, err := s.checkBasis(context.Background()); err != nil {
		s.log.Warn().Err(err).Msg("cannot compare the judge basis: the fleet is not re-judged at this start")
	} else if done != nil {
		s.bg.Go(done)
	}
	if err := s.startWebhooks(); err != nil {
		return nil, err
	}
	s.commit = newCommitter(cfg.Store, cfg.CommitWorkers, cfg.MaxBatch, cfg.QueueSize, s.m, cfg.Log)
	s.routes()
	if cfg.Retention > 0 {
		s.bg.Go(s.pruneLoop)
	}
	return s, nil
}

func (s *Server) routes() {
	viewers := []store.Role{store.RoleViewer, store.RoleAdmin}
	s.Handle("/api/v1/reports", only(http.MethodPost, s.authed(s.postReport, store.RoleAgent, RoleHost)))
	s.Handle("/api/v1/enroll", only(http.MethodPost, s.authed(s.enroll, RoleEnroll, store.RoleAgent)))
	s.Handle("/api/v1/whoami", only(http.MethodGet, s.authed(s.whoami, store.RoleAgent, store.RoleViewer, store.RoleAdmin, RoleHost)))
	s.Handle("/api/v1/lifecycle", only(http.MethodGet, s.authed(s.getLifecycle, store.RoleAgent, RoleHost, store.RoleViewer, store.RoleAdmin)))
	s.Handle("/api/v1/reports/{report_id}", only(http.MethodGet, s.authed(s.getReport, viewers...)))
	s.Handle("/api/v1/hosts", only(http.MethodGet, s.authed(s.listHosts, viewers...)))
	s.Handle("/api/v1/hosts/{host_id}", only(http.MethodGet, s.authed(s.getHost, viewers...)))
	s.Handle("/api/v1/hosts/{host_id}/findings", only(http.MethodGet, s.authed(s.hostFindings, viewers...)))
	s.Handle("/api/v1/hosts/{host_id}/reports", only(http.MethodGet, s.authed(s.hostReports, viewers...)))
	s.Handle("/api/v1/hosts/{host_id}/updates", only(http.MethodGet, s.authed(s.hostUpdates, viewers...)))
	s.Handle("/api/v1/updates", only(http.MethodGet, s.authed(s.listUpdates, viewers...)))
	s.Handle("/api/v1/updates/packages", only(http.MethodGet, s.authed(s.listPackages, viewers...)))
	s.Handle("/api/v1/hosts/{host_id}/record", s.recordRoute(viewers))
	s.Handle("/api/v1/hosts/{host_id}/record/history", only(http.MethodGet, s.authed(s.recordHistory, viewers...)))
	s.Handle("/api/v1/findings", only(http.MethodGet, s.authed(s.listFindings, viewers...)))
	s.Handle("/api/v1/backlog", only(http.MethodGet, s.authed(s.backlog, viewers...)))
	s.Handle("/api/v1/sla", only(http.MethodGet, s.authed(s.slaCounts, viewers...)))
	s.Handle("/api/v1/sla/report", only(http.MethodGet, s.authed(s.slaReport, viewers...)))
	s.Handle("GET /api/v1/acknowledgements", s.authed(s.listAcks, viewers...))
	s.Handle("POST /api/v1/acknowledgements", s.authed(s.postAck, viewers...))
	s.Handle("GET /api/v1/acknowledgements/log", s.authed(s.ackLog, viewers...))
	s.Handle("DELETE /api/v1/acknowledgements/{id}", s.authed(s.deleteAck, viewers...))
	s.Handle("/api/v1/report", only(http.MethodGet, s.authed(s.tenantReport, viewers...)))
	s.Handle("/api/v1/summary", only(http.MethodGet, s.authed(s.summary, viewers...)))
	s.Handle("/api/v1/trend", only(http.MethodGet, s.authed(s.trend, viewers...)))
	s.Handle("/api/v1/webhooks", only(http.MethodGet, s.authed(s.listWebhooks, store.RoleAdmin)))
	s.Handle("/api/v1/webhooks/deliveries", only(http.MethodGet, s.authed(s.webhookDeliveries, store.RoleAdmin)))
	s.Handle("/api/v1/webhooks/{id}/test", only(http.MethodPost, s.authed(s.testWebhook, store.RoleAdmin)))
	s.Handle("/api/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, http.StatusNotFound, "not_found", "no such API endpoint")
	}))
	s.Handle("/healthz", only(http.MethodGet, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	}))
	s.Handle("/readyz", only(http.MethodGet, s.ready))
	s.Handle("/metrics", promhttp.HandlerFor(s.m.reg, promhttp.HandlerOpts{}))
}

// Handle registers h for pattern (net/http ServeMux syntax, e.g.
// "GET /hosts/{host_id}"), wrapped like every built-in route: request id,
// panic recovery, logging and metrics labelled with the pattern. The web
// UI mounts its pages with it.
func (s *Server) Handle(pattern string, h http.Handler) {
	s.mux.Handle(pattern, s.wrap(pattern, h))
}

// Handler is the server's root handler.
func (s *Server) Handler() http.Handler { return s.mux }

// Store is the server's store (for pages added with Handle; every read
// must pass the principal's Scope).
func (s *Server) Store() store.Store { return s.store }

// SLA is the server's SLA policy (for the web UI's clocks).
func (s *Server) SLA() sla.Policy { return s.slaPolicy() }

func (s *Server) slaPolicy() sla.Policy { return s.cfg.SLA }

// Now is the server's clock.
func (s *Server) Now() time.Time { return s.cfg.Now() }

// Auth is the server's token authenticator (for a sign-in page).
func (s *Server) Auth() *Authenticator { return s.auth }

// Authed wraps h for pages added with Handle: a bearer token of one of
// roles is required and rate-limited; PrincipalFrom gives its principal.
func (s *Server) Authed(h http.HandlerFunc, roles ...store.Role) http.HandlerFunc {
	return s.authed(h, roles...)
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	if s.stopping.Load() {
		writeError(w, r, http.StatusServiceUnavailable, "stopping", "shutting down")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.logFor(r).Warn().Err(err).Msg("readiness: store unreachable")
		writeError(w, r, http.StatusServiceUnavailable, "store", "store unreachable")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// BeginShutdown makes /readyz fail so load balancers stop sending traffic.
func (s *Server) BeginShutdown() { s.stopping.Store(true) }

// Close finishes every queued commit and stops background work. Call it
// after http.Server.Shutdown has returned (no handler left waiting). It
// does not close the store.
func (s *Server) Close() {
	s.BeginShutdown()
	s.commit.close()
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	s.bg.Wait()
	if s.hooks != nil {
		s.hooks.Close()
	}
}

func (s *Server) pruneLoop() {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		n, err := s.store.Prune(ctx, s.cfg.Now().Add(-s.cfg.Retention))
		cancel()
		if err != nil {
			s.log.Warn().Err(err).Msg("retention prune failed")
		} else if n > 0 {
			s.log.Info().Int64("rows", n).Msg("retention pruned old reports and resolved findings")
		}
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
	}
}
