package main

import (
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
	for _, bad := range []string{"listen: [1, 2]\n", "lisen: x\n", "retention: soon\n", "\x00\x01"} {
		if _, err := LoadConfig(write(bad)); err == nil {
			t.Errorf("config %q accepted", bad)
		}
	}
	if _, err := LoadConfig(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Error("missing file accepted")
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
