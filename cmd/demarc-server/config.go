package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/demarc/demarc/ingest/notify"
	"github.com/demarc/demarc/ingest/sla"
)

// Config is demarc-server's configuration file (all keys optional; flags
// override them).
type Config struct {
	// Listen is the address to serve on.
	Listen string `yaml:"listen"`
	// DB is sqlite:PATH or a postgres:// URL.
	DB string `yaml:"db"`
	// TLSCert and TLSKey switch on HTTPS.
	TLSCert string `yaml:"tls_cert"`
	TLSKey  string `yaml:"tls_key"`
	// TLS asks agents for client certificates (mutual TLS).
	TLS struct {
		// ClientCAFile is the PEM bundle of the CAs client certificates
		// must chain to.
		ClientCAFile string `yaml:"client_ca_file"`
		// ClientAuth is one of ClientAuthModes.
		ClientAuth string `yaml:"client_auth"`
	} `yaml:"tls"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `yaml:"log_level"`
	// SQLiteSynchronous is FULL (durable across power loss) or NORMAL.
	SQLiteSynchronous string `yaml:"sqlite_synchronous"`
	// AutoMigrate applies migrations when serve starts.
	AutoMigrate bool `yaml:"auto_migrate"`
	// Retention keeps report bodies and resolved findings this long.
	Retention time.Duration `yaml:"retention"`
	// TokenCacheTTL bounds how long a revoked token may still work.
	TokenCacheTTL time.Duration `yaml:"token_cache_ttl"`
	RateLimit     struct {
		PerSecond float64 `yaml:"per_second"`
		Burst     int     `yaml:"burst"`
	} `yaml:"rate_limit"`
	Commit struct {
		Workers  int `yaml:"workers"`
		MaxBatch int `yaml:"max_batch"`
		Queue    int `yaml:"queue"`
	} `yaml:"commit"`
	Limits struct {
		MaxBodyBytes int64 `yaml:"max_body_bytes"`
		MaxJSONBytes int64 `yaml:"max_json_bytes"`
		// BodyTimeout bounds how long a report's body may take to arrive.
		BodyTimeout time.Duration `yaml:"body_timeout"`
		// PerToken and PerTenant cap the requests under way for one token
		// and one tenant (-1: no cap).
		PerToken  int `yaml:"per_token"`
		PerTenant int `yaml:"per_tenant"`
		// TenantQuotaBytes caps the compressed report bodies one tenant
		// keeps stored (0: no quota).
		TenantQuotaBytes int64 `yaml:"tenant_quota_bytes"`
	} `yaml:"limits"`
	// Judge configures the server's own judgement of every report.
	Judge struct {
		// Unrecorded is the policy for hosts without a provider's record:
		// trust_claim, default_tier or quarantine.
		Unrecorded string `yaml:"unrecorded"`
		// DefaultTier is the tier of policy default_tier.
		DefaultTier string `yaml:"default_tier"`
		// Provider is the provider's name in findings.
		Provider string `yaml:"provider"`
		// Rules is a responsibility matrix file replacing the built-in one
		// (the format of `demarc rules show`).
		Rules string `yaml:"rules"`
	} `yaml:"judge"`
	// RecordPoll is how often serve looks for host records changed by
	// another process, to re-judge their hosts (0: 30s).
	RecordPoll time.Duration `yaml:"record_poll"`
	// KeyRotation replaces a host key older than this (0: 30 days;
	// negative: only on `host rotate`).
	KeyRotation time.Duration `yaml:"key_rotation"`
	// Compat eases the upgrade from tenant agent tokens.
	Compat struct {
		// AgentTokenReports lets agent tokens post reports as before
		// enrollment (for the release in which agents are upgraded).
		AgentTokenReports bool `yaml:"agent_token_reports"`
	} `yaml:"compat"`
	// AuthFailures throttles failed authentications per client address.
	AuthFailures struct {
		PerSecond float64 `yaml:"per_second"`
		Burst     int     `yaml:"burst"`
	} `yaml:"auth_failures"`
	// SLA is how many days each party has to fix an open finding, per
	// severity (critical, high, medium, low; 0: no SLA). Unset entries
	// take the defaults (7, 30, 90, 180); an unset customer takes the
	// provider's configuration.
	SLA struct {
		Provider sla.Days `yaml:"provider"`
		Customer sla.Days `yaml:"customer"`
	} `yaml:"sla"`
	// Acknowledgements says who besides an admin may accept a risk: with
	// viewers_may_accept_customer, a tenant's viewer accepts (and
	// withdraws) its own tenant's customer-owned findings.
	Acknowledgements struct {
		ViewersMayAcceptCustomer bool `yaml:"viewers_may_accept_customer"`
	} `yaml:"acknowledgements"`
	// Webhooks are the webhook subscriptions (docs/SERVER.md, "Webhooks").
	Webhooks []notify.Subscription `yaml:"webhooks"`
	// Digests are the e-mail digests, sent through SMTP every
	// DigestInterval (0: 1h).
	Digests        []notify.Digest `yaml:"digests"`
	SMTP           notify.SMTP     `yaml:"smtp"`
	DigestInterval time.Duration   `yaml:"digest_interval"`
	// HostSilentAfter is how long a host may send no report before its
	// host.silent event (0: 72h).
	HostSilentAfter time.Duration `yaml:"host_silent_after"`
	// Web configures the web UI's sessions.
	Web struct {
		SessionTTL    time.Duration `yaml:"session_ttl"`
		SecureCookies bool          `yaml:"secure_cookies"`
	} `yaml:"web"`
}

// DefaultListen is where serve listens without configuration.
const DefaultListen = "127.0.0.1:8470"

func defaultConfig() Config {
	return Config{
		Listen: DefaultListen, DB: "sqlite:demarc.db", LogLevel: "info", SQLiteSynchronous: "FULL",
		AutoMigrate: true, Retention: 90 * 24 * time.Hour, TokenCacheTTL: 10 * time.Second,
	}
}

// LoadConfig reads path over the defaults ("" gives the defaults). Unknown
// keys are errors.
func LoadConfig(path string) (Config, error) {
	cfg := defaultConfig()
	if path == "" {
		return cfg, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return cfg, fmt.Errorf("read config: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return cfg, fmt.Errorf("read config %s: %w", path, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	if _, err := clientAuth(cfg); err != nil {
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	if _, err := slaPolicy(cfg); err != nil {
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	if err := notify.Check(cfg.Webhooks); err != nil {
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	if err := notify.CheckDigests(cfg.Digests, cfg.SMTP); err != nil {
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// slaPolicy is the configured SLA policy over the defaults.
func slaPolicy(cfg Config) (sla.Policy, error) {
	return sla.FromDays(cfg.SLA.Provider, cfg.SLA.Customer)
}

// ClientAuthModes are the values of tls.client_auth: require a client
// certificate that chains to tls.client_ca_file, or verify one only when
// the client sends it.
var ClientAuthModes = map[string]tls.ClientAuthType{
	"require":         tls.RequireAndVerifyClientCert,
	"verify_if_given": tls.VerifyClientCertIfGiven,
}

// clientAuth checks that tls.client_auth and tls.client_ca_file come
// together and that the mode is known.
func clientAuth(cfg Config) (tls.ClientAuthType, error) {
	mode, ca := cfg.TLS.ClientAuth, cfg.TLS.ClientCAFile
	if mode == "" && ca == "" {
		return tls.NoClientCert, nil
	}
	ct, ok := ClientAuthModes[mode]
	switch {
	case mode == "":
		return 0, errors.New("tls.client_ca_file needs tls.client_auth: require or verify_if_given")
	case !ok:
		return 0, fmt.Errorf("tls.client_auth %q: want require or verify_if_given", mode)
	case ca == "":
		return 0, fmt.Errorf("tls.client_auth %s needs tls.client_ca_file (the CAs client certificates chain to)", mode)
	}
	return ct, nil
}

// serverTLS is the listener's TLS configuration (nil without tls_cert):
// TLS 1.2 at least, and client certificates verified against
// tls.client_ca_file when tls.client_auth asks for them.
func serverTLS(cfg Config) (*tls.Config, error) {
	ct, err := clientAuth(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.TLSCert == "" {
		if ct != tls.NoClientCert {
			return nil, errors.New("tls.client_auth needs tls_cert and tls_key: client certificates are a TLS feature")
		}
		return nil, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ClientAuth: ct}
	if ct == tls.NoClientCert {
		return tc, nil
	}
	b, err := os.ReadFile(cfg.TLS.ClientCAFile)
	if err != nil {
		return nil, fmt.Errorf("tls.client_ca_file: %w", err)
	}
	tc.ClientCAs = x509.NewCertPool()
	if !tc.ClientCAs.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("tls.client_ca_file %s: no PEM certificate in it", cfg.TLS.ClientCAFile)
	}
	return tc, nil
}
