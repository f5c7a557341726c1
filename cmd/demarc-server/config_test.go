package main

import (
	"crypto/tls"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) string {
		p := filepath.Join(dir, "c.yaml")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cfg, err := LoadConfig("")
	if err != nil || cfg.Listen != DefaultListen || cfg.DB != "sqlite:demarc.db" || cfg.SQLiteSynchronous != "FULL" {
		t.Fatalf("defaults: %+v %v", cfg, err)
	}
	cfg, err = LoadConfig(write("listen: 0.0.0.0:9000\nretention: 720h\nrate_limit:\n  per_second: 5\ncommit:\n  workers: 3\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "0.0.0.0:9000" || cfg.Retention != 720*time.Hour || cfg.RateLimit.PerSecond != 5 || cfg.Commit.Workers != 3 || cfg.DB != "sqlite:demarc.db" {
		t.Errorf("loaded %+v", cfg)
	}
	cfg, err = LoadConfig(write("sla:\n  provider:\n    critical: 3\n    low: 0\n  customer:\n    high: 60\n"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := slaPolicy(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := p.Target("provider", "critical"); d != 3*24*time.Hour {
		t.Errorf("sla.provider.critical: %v", d)
	}
	if _, ok := p.Target("provider", "low"); ok {
		t.Error("sla.provider.low 0: still an SLA")
	}
	if d, _ := p.Target("customer", "high"); d != 60*24*time.Hour {
		t.Errorf("sla.customer.high: %v", d)
	}
	if d, _ := p.Target("customer", "critical"); d != 7*24*time.Hour {
		t.Errorf("sla.customer.critical (configured customer, key unset): %v, want the default 7 days", d)
	}
	cfg, err = LoadConfig(write("webhooks:\n  - id: ops\n    url: https://hooks.example.net/demarc\n    secret: 0123456789abcdef0123\n    tenant: acme\n    events: [finding.opened]\n    min_severity: high\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Webhooks) != 1 || cfg.Webhooks[0].ID != "ops" || cfg.Webhooks[0].Tenant != "acme" || cfg.Webhooks[0].MinSeverity != "high" || len(cfg.Webhooks[0].Events) != 1 {
		t.Errorf("webhooks: %+v", cfg.Webhooks)
	}
	cfg, err = LoadConfig(write("smtp:\n  addr: mail.example.net:587\n  from: demarc@example.net\n  username: demarc\n  password: x\ndigest_interval: 30m\ndigests:\n  - id: team\n    to: [team@example.net]\n    min_severity: critical\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Digests) != 1 || cfg.SMTP.Addr != "mail.example.net:587" || cfg.DigestInterval != 30*time.Minute || cfg.Digests[0].MinSeverity != "critical" {
		t.Errorf("digests: %+v %+v", cfg.Digests, cfg.SMTP)
	}
	if _, err := LoadConfig(write("digests:\n  - id: team\n    to: [team@example.net]\n")); err == nil {
		t.Error("digests without smtp accepted")
	}
	hook := "webhooks:\n  - id: ops\n    url: https://hooks.example.net/\n    secret: 0123456789abcdef0123\n"
	for _, bad := range []string{hook + "    min_severity: urgent\n", hook + "    events: [host.exploded]\n", hook + "    scret: x\n",
		hook + hook[len("webhooks:\n"):], "webhooks:\n  - id: ops\n    url: https://hooks.example.net/\n    secret: short\n"} {
		if _, err := LoadConfig(write(bad)); err == nil {
			t.Errorf("config %q accepted", bad)
		}
	}
	for _, bad := range []string{"listen: [1, 2]\n", "lisen: x\n", "retention: soon\n", "\x00\x01",
		"sla:\n  provider:\n    urgent: 3\n", "sla:\n  provider:\n    high: -1\n", "sla:\n  vendor:\n    high: 1\n", "sla:\n  provider:\n    high: 1d\n"} {
		if _, err := LoadConfig(write(bad)); err == nil {
			t.Errorf("config %q accepted", bad)
		}
	}
	if _, err := LoadConfig(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Error("missing file accepted")
	}
}

// TestClientAuthConfig: tls.client_auth and tls.client_ca_file go
// together, the mode is one of two, and client certificates need TLS.
func TestClientAuthConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) string {
		p := filepath.Join(dir, "c.yaml")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, mode := range []string{"require", "verify_if_given"} {
		cfg, err := LoadConfig(write("tls:\n  client_ca_file: /ca.pem\n  client_auth: " + mode + "\n"))
		if err != nil || cfg.TLS.ClientAuth != mode || cfg.TLS.ClientCAFile != "/ca.pem" {
			t.Errorf("%s: %+v %v", mode, cfg.TLS, err)
		}
	}
	for _, bad := range []string{
		"tls:\n  client_auth: require\n",                             // no CA: would verify against nothing
		"tls:\n  client_ca_file: /ca.pem\n",                          // a CA that asks for nothing
		"tls:\n  client_auth: optional\n  client_ca_file: /ca.pem\n", // unknown mode
		"tls:\n  client_auth: REQUIRE\n  client_ca_file: /ca.pem\n",  // modes are exact
		"tls:\n  client_auth: request\n  client_ca_file: /ca.pem\n",  // asks, verifies nothing: not offered
	} {
		if _, err := LoadConfig(write(bad)); err == nil {
			t.Errorf("config %q accepted", bad)
		}
	}
	ca := newCA(t, "clients")
	cfg := defaultConfig()
	cfg.TLS.ClientAuth, cfg.TLS.ClientCAFile = "require", writeFile(t, dir, "ca.pem", ca.pem)
	if _, err := serverTLS(cfg); err == nil {
		t.Error("client certificates over plain HTTP accepted")
	}
	cfg.TLSCert, cfg.TLSKey = "cert.pem", "key.pem"
	tc, err := serverTLS(cfg)
	if err != nil || tc.ClientCAs == nil || tc.MinVersion != tls.VersionTLS12 {
		t.Errorf("serverTLS: %+v %v", tc, err)
	}
	cfg.TLS.ClientCAFile = writeFile(t, dir, "empty.pem", []byte("not a certificate\n"))
	if _, err := serverTLS(cfg); err == nil {
		t.Error("a CA file without a certificate accepted")
	}
}

func TestTokenCommands(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "d.db")
	var out, errb bytesBuffer
	if code := execute([]string{"token", "create", "--db", db, "--tenant", "acme", "--role", "viewer", "--name", "ops"}, &out, &errb); code != 0 {
		t.Fatalf("create: %d %s", code, errb.String())
	}
	if len(out.String()) < 60 {
		t.Fatalf("token %q", out.String())
	}
	out.Reset()
	if code := execute([]string{"token", "list", "--db", db}, &out, &errb); code != 0 {
		t.Fatalf("list: %d %s", code, errb.String())
	}
	id := ""
	for _, line := range splitLines(out.String())[1:] {
		id = fields(line)[0]
	}
	if id == "" {
		t.Fatalf("no token listed: %q", out.String())
	}
	if code := execute([]string{"token", "revoke", "--db", db, id}, &out, &errb); code != 0 {
		t.Fatalf("revoke: %d %s", code, errb.String())
	}
	if code := execute([]string{"token", "revoke", "--db", db, "nope"}, &out, &errb); code == 0 {
		t.Error("revoking an unknown token succeeded")
	}
	for _, args := range [][]string{
		{"token", "create", "--db", db, "--tenant", "Bad Tenant", "--role", "viewer"},
		{"token", "create", "--db", db, "--tenant", "acme", "--role", "root"},
		{"serve", "--db", "mysql://x"},
		{"serve", "--db", db, "--tls-cert", "x.pem"},
	} {
		if code := execute(args, &out, &errb); code == 0 {
			t.Errorf("%v succeeded", args)
		}
	}
}
