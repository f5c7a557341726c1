package main

import (
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/demarc/demarc/config"
	"github.com/demarc/demarc/rules"
	"github.com/demarc/demarc/rules/lifecycle"
)

// lifecycleEngines returns the rules engine for a lifecycle dataset: def
// for nil (the built-in data), else def's matrix and settings with the
// dataset, built once per dataset.
func lifecycleEngines(cfg *config.Config, def *rules.Engine, log zerolog.Logger) func(*lifecycle.Dataset) *rules.Engine {
	var mu sync.Mutex
	var last *lifecycle.Dataset
	var eng *rules.Engine
	return func(d *lifecycle.Dataset) *rules.Engine {
		if d == nil {
			return def
		}
		mu.Lock()
		defer mu.Unlock()
		if d == last {
			return eng
		}
		e, err := engineWith(cfg, def, d)
		if err != nil {
			log.Warn().Err(err).Msg("cannot judge with the server's lifecycle data: using the built-in data")
			return def
		}
		last, eng = d, e
		return e
	}
}

// engineWith is def with lifecycle data d.
func engineWith(cfg *config.Config, def *rules.Engine, d *lifecycle.Dataset) (*rules.Engine, error) {
	return rules.NewEngine(rules.Options{Matrix: def.Matrix(), FirmwareMaxAge: time.Duration(cfg.Collectors.Firmware.MaxAge), Lifecycle: d})
}

// loadLifecycleFile reads --lifecycle: a dataset as GET /api/v1/lifecycle
// serves it, or an endoflife.date API v1 product (or release-data) file
// applied to the built-in data.
func loadLifecycleFile(path string) (*lifecycle.Dataset, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("--lifecycle: %w", err)
	}
	if !fi.Mode().IsRegular() || fi.Size() > lifecycle.MaxDatasetBytes {
		return nil, fmt.Errorf("--lifecycle: %s: not a regular file of at most %d bytes", path, lifecycle.MaxDatasetBytes)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--lifecycle: %w", err)
	}
	base, err := lifecycle.Default()
	if err != nil {
		return nil, err
	}
	d, err := lifecycle.Load(path, b, base)
	if err != nil {
		return nil, fmt.Errorf("--lifecycle: %w", err)
	}
	return d, nil
}
