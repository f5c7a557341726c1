package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/demarc/demarc/rules/lifecycle"
)

// TestScanLifecycleFlag: --lifecycle takes an endoflife.date API v1
// product file (applied to the built-in data) or a dataset as the server
// serves it; a bad file is an error before anything is scanned.
func TestScanLifecycleFlag(t *testing.T) {
	php := filepath.Join("..", "..", "rules", "lifecycle", "testdata", "apiv1", "php-8.2-eol.json")
	served := filepath.Join(t.TempDir(), "served.json")
	if err := os.WriteFile(served, lifecycle.Embedded(), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"schema_version":"1.2.0","generated_at":"2026-11-30T06:00:00Z","result":{"name":"php","releases":[{"name":"8.2","eolFrom":"31/12/2026"}]}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	setup := func(file string) (*scanSetup, error) {
		g := &globals{logLevel: "error", stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
		cmd := newScanCmd(g)
		if err := cmd.ParseFlags([]string{"--lifecycle", file}); err != nil {
			t.Fatal(err)
		}
		var f scanFlags
		f.root, f.format, f.lifecycle = "/", "table", file
		return buildScan(cmd, g, &f)
	}
	s, err := setup(php)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.opts.Engine.Lifecycle().Product("php").Cycle("8.2").EOL.Date.String(); got != "2026-11-15" {
		t.Errorf("php 8.2 eol %s with the product file, want 2026-11-15", got)
	}
	if s, err = setup(served); err != nil || s.opts.Engine.Lifecycle().Product("php").Cycle("8.2").EOL.Date.String() != "2026-12-31" {
		t.Errorf("served dataset: %v", err)
	}
	for _, f := range []string{bad, filepath.Join(t.TempDir(), "missing.json"), t.TempDir()} {
		if _, err := setup(f); err == nil {
			t.Errorf("--lifecycle %s accepted", f)
		}
	}
}
