package webapps

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.yaml.in/yaml/v3"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/config"
	"github.com/demarc/demarc/internal/execx"
	"github.com/demarc/demarc/internal/golden"
	"github.com/demarc/demarc/internal/hostfs"
	"github.com/demarc/demarc/report"
)

var fixedNow = time.Date(2026, 11, 2, 3, 4, 5, 0, time.UTC)

// wantFile is what a case's want.json holds.
type wantFile struct {
	Components []report.Component `json:"components"`
	Notes      []string           `json:"notes,omitempty"`
	Errors     int                `json:"errors,omitempty"`
}

func newCollector(t testing.TB, rootDir string, cfg config.WebappsConfig) *Collector {
	t.Helper()
	root, err := hostfs.New(rootDir)
	if err != nil {
		t.Fatal(err)
	}
	deps := collectors.Deps{Root: root, Run: execx.NewFake(), Log: zerolog.Nop(), Now: func() time.Time { return fixedNow }}
	return New(deps, cfg)
}

// TestCases runs every testdata/<case>: rootfs/ is the host root, an
// optional config.yaml holds the collectors.webapps settings.
func TestCases(t *testing.T) {
	dirs, err := filepath.Glob("testdata/*/rootfs")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, rootfs := range dirs {
		dir := filepath.Dir(rootfs)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			var cfg config.WebappsConfig
			if b, err := os.ReadFile(filepath.Join(dir, "config.yaml")); err == nil {
				if err := yaml.Unmarshal(b, &cfg); err != nil {
					t.Fatal(err)
				}
			}
			res, err := newCollector(t, rootfs, cfg).Collect(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			got := wantFile{Components: res.Components, Notes: res.Notes, Errors: len(res.Errors)}
			if got.Components == nil {
				got.Components = []report.Component{}
			}
			compareGolden(t, filepath.Join(dir, "want.json"), got)
		})
	}
}

func compareGolden(t *testing.T, path string, got wantFile) {
	t.Helper()
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	golden.Check(t, path, b)
}

func TestSources(t *testing.T) {
	t.Parallel()
	c := New(collectors.Deps{}, config.WebappsConfig{})
	s := c.Sources()
	if c.Name() != Name || s.Detects == "" || len(s.Files) == 0 || s.Privileges == "" || s.NotDetected == "" {
		t.Fatalf("incomplete sources: %+v", s)
	}
	if c.maxDepth != DefaultMaxDepth || c.maxSites != DefaultMaxSites || c.timeout != DefaultTimeout || len(c.roots) != len(DefaultRoots) {
		t.Fatalf("defaults not applied: %+v", c)
	}
}
