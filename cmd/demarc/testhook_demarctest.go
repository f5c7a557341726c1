//go:build demarctest

package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/config"
	"github.com/demarc/demarc/report"
	"github.com/demarc/demarc/scan"
)

// testCollectors replaces the collectors with one fake, for the agent's
// end-to-end tests (go build -tags demarctest): the scan is then the same
// on every machine. DEMARC_TEST_SCAN_DELAY (a duration) makes it slow; it
// honours its context like a real collector must. DEMARC_TEST_COMPONENTS
// (a count) makes the report big, so that spool writes take a while.
func testCollectors(o scan.Options) scan.Options {
	delay, _ := time.ParseDuration(os.Getenv("DEMARC_TEST_SCAN_DELAY"))
	n, _ := strconv.Atoi(os.Getenv("DEMARC_TEST_COMPONENTS"))
	return scan.WithCollectors(o, func(collectors.Deps, config.CollectorsConfig) []collectors.Collector {
		return []collectors.Collector{fakeCollector{delay: delay, components: n}}
	})
}

type fakeCollector struct {
	delay      time.Duration
	components int
}

func (fakeCollector) Name() string { return "fake" }

func (fakeCollector) Sources() collectors.Sources {
	return collectors.Sources{Detects: "nothing: a test double", Privileges: "none", NotDetected: "never"}
}

func (f fakeCollector) Collect(ctx context.Context) (collectors.Result, error) {
	select {
	case <-time.After(f.delay):
	case <-ctx.Done():
		return collectors.Result{}, ctx.Err()
	}
	res := collectors.Result{Host: &report.Host{Hostname: "e2e", HostID: "e2e-host"}}
	for i := range f.components {
		res.Components = append(res.Components, report.Component{
			Layer: report.LayerApplications, Product: fmt.Sprintf("product-%05d", i), Version: "1.0",
			Source: "test", Details: map[string]string{"padding": strings.Repeat("x", 100)},
		})
	}
	return res, nil
}
