package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"go.yaml.in/yaml/v3"
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
	} `yaml:"limits"`
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
	return cfg, nil
}
