package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/demarc/demarc/ingest"
	"github.com/demarc/demarc/ingest/store/dbopen"
	"github.com/demarc/demarc/ingest/web"
	"github.com/demarc/demarc/report"
	"github.com/demarc/demarc/rules"
)

type serveFlags struct {
	listen, tlsCert, tlsKey string
}

func newServeCmd(g *globals) *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the ingestion API, read API, web UI and metrics",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return runServe(cmd.Context(), g, f) },
	}
	cmd.Flags().StringVar(&f.listen, "listen", "", "address to listen on (default "+DefaultListen+")")
	cmd.Flags().StringVar(&f.tlsCert, "tls-cert", "", "TLS certificate file (PEM); serve HTTPS with --tls-key")
	cmd.Flags().StringVar(&f.tlsKey, "tls-key", "", "TLS private key file (PEM)")
	return cmd
}

func runServe(ctx context.Context, g *globals, f serveFlags) error {
	cfg := g.cfg
	if f.listen != "" {
		cfg.Listen = f.listen
	}
	if f.tlsCert != "" || f.tlsKey != "" {
		cfg.TLSCert, cfg.TLSKey = f.tlsCert, f.tlsKey
	}
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	tc, err := serverTLS(cfg)
	if err != nil {
		return err
	}
	log, err := g.logger()
	if err != nil {
		return err
	}
	kind, err := dbopen.Kind(cfg.DB)
	if err != nil {
		return err
	}
	st, err := g.openStore(ctx, cfg.AutoMigrate)
	if err != nil {
		return err
	}
	defer st.Close()
	tokenFile, err := bootstrapTokenPath(cfg.DB)
	if err != nil {
		return err
	}
	if err := bootstrapAdmin(ctx, g, st, tokenFile); err != nil {
		return err
	}
	workers := cfg.Commit.Workers
	if workers <= 0 && kind == "postgres" {
		workers = 4
	}
	engine, err := rules.NewEngine(rules.Options{MatrixFile: cfg.Judge.Rules})
	if err != nil {
		return fmt.Errorf("judge.rules: %w", err)
	}
	slas, err := slaPolicy(cfg)
	if err != nil {
		return err
	}
	srv, err := ingest.New(ingest.Config{
		Store: st, Log: log, RatePerSecond: cfg.RateLimit.PerSecond, RateBurst: cfg.RateLimit.Burst,
		TokenCacheTTL: cfg.TokenCacheTTL, CommitWorkers: workers, MaxBatch: cfg.Commit.MaxBatch,
		QueueSize: cfg.Commit.Queue, Retention: cfg.Retention,
		Limits:      limits(cfg),
		BodyTimeout: cfg.Limits.BodyTimeout, MaxPerToken: cfg.Limits.PerToken, MaxPerTenant: cfg.Limits.PerTenant,
		TenantQuotaBytes: cfg.Limits.TenantQuotaBytes,
		AuthFailureRate:  cfg.AuthFailures.PerSecond, AuthFailureBurst: cfg.AuthFailures.Burst,
		KeyRotation: cfg.KeyRotation, AgentTokenReports: cfg.Compat.AgentTokenReports,
		Unrecorded: ingest.Policy(cfg.Judge.Unrecorded), DefaultTier: report.Tier(cfg.Judge.DefaultTier),
		Provider: cfg.Judge.Provider, Rules: engine, RecordPoll: cfg.RecordPoll, SLA: slas,
		Acks:     ingest.AckPolicy{ViewersMayAcceptCustomer: cfg.Acknowledgements.ViewersMayAcceptCustomer},
		Webhooks: cfg.Webhooks, SilentAfter: cfg.HostSilentAfter,
		Digests: cfg.Digests, SMTP: cfg.SMTP, DigestInterval: cfg.DigestInterval,
	})
	if err != nil {
		return err
	}
	if _, err := web.Mount(srv, web.Config{SessionTTL: cfg.Web.SessionTTL, SecureCookies: cfg.Web.SecureCookies, Log: log}); err != nil {
		srv.Close()
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		srv.Close()
		return fmt.Errorf("listen %s: %w", cfg.Listen, err)
	}
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
	}
	fmt.Fprintf(g.stdout, "demarc-server listening on %s://%s (database %s)\n", scheme, ln.Addr(), dbopen.Redact(cfg.DB))
	log.Info().Str("addr", ln.Addr().String()).Str("db", dbopen.Redact(cfg.DB)).Msg("serving")
	return serveUntilSignal(ln, srv, cfg, tc, log)
}

// serveUntilSignal serves (over TLS with tc when tls_cert is set) until SIGINT/SIGTERM, then shuts down: readiness
// off, listener closed, requests in flight answered, queued reports
// committed.
func serveUntilSignal(ln net.Listener, srv *ingest.Server, cfg Config, tc *tls.Config, log zerolog.Logger) error {
	hs := &http.Server{
		TLSConfig: tc, Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 90 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10,
	}
	errc := make(chan error, 1)
	go func() {
		if cfg.TLSCert != "" {
			errc <- hs.ServeTLS(ln, cfg.TLSCert, cfg.TLSKey)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sig)
	select {
	case err := <-errc:
		srv.Close()
		return fmt.Errorf("serve: %w", err)
	case s := <-sig:
		log.Info().Str("signal", s.String()).Msg("shutting down: finishing in-flight requests and commits")
	}
	srv.BeginShutdown()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := hs.Shutdown(ctx)
	srv.Close() // every queued report is committed before this returns
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info().Msg("stopped")
	return nil
}

func limits(cfg Config) ingest.Limits {
	l := ingest.DefaultLimits
	if cfg.Limits.MaxBodyBytes > 0 {
		l.MaxBodyBytes = cfg.Limits.MaxBodyBytes
	}
	if cfg.Limits.MaxJSONBytes > 0 {
		l.MaxJSONBytes = cfg.Limits.MaxJSONBytes
	}
	return l
}
