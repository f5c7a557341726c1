package webapps

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.yaml.in/yaml/v3"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/config"
	"github.com/demarc/demarc/internal/collectortest"
	"github.com/demarc/demarc/internal/execx"
	"github.com/demarc/demarc/internal/hostfs"
)

var sentinels = []collectortest.Sentinel{
	{Name: "webapps.ErrMalformed", Err: ErrMalformed}, {Name: "webapps.ErrNotPHP", Err: ErrNotPHP},
}

// newCollector is the collector over a root built by a test in rootDir.
func newCollector(t testing.TB, rootDir string, cfg Options) *Collector {
	t.Helper()
	root, err := hostfs.New(rootDir)
	if err != nil {
		t.Fatal(err)
	}
	deps := collectors.Deps{Root: root, Run: execx.NewFake(), Log: zerolog.Nop(), Now: func() time.Time { return collectortest.Now }}
	return New(deps, cfg)
}

// TestCases runs every testdata case (see collectortest); an optional
// config.yaml beside rootfs/ holds the collectors.webapps settings.
func TestCases(t *testing.T) {
	for _, dir := range collectortest.Cases(t, "testdata") {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			var cfg config.WebappsConfig
			if b, err := os.ReadFile(filepath.Join(dir, "config.yaml")); err == nil {
				if err := yaml.Unmarshal(b, &cfg); err != nil {
					t.Fatal(err)
				}
			}
			deps := collectortest.Deps(t, dir)
			o := Options{Roots: cfg.Roots, MaxDepth: cfg.MaxDepth, MaxSites: cfg.MaxSites, Timeout: time.Duration(cfg.Timeout)}
			collectortest.Check(t, dir, deps, New(deps, o), sentinels)
		})
	}
}

func TestSources(t *testing.T) {
	t.Parallel()
	c := New(collectors.Deps{}, Options{})
	s := c.Sources()
	if c.Name() != Name || s.Detects == "" || len(s.Files) == 0 || s.Privileges == "" || s.NotDetected == "" {
		t.Fatalf("incomplete sources: %+v", s)
	}
	if c.maxDepth != DefaultMaxDepth || c.maxSites != DefaultMaxSites || c.timeout != DefaultTimeout || len(c.roots) != len(DefaultRoots) {
		t.Fatalf("defaults not applied: %+v", c)
	}
}
