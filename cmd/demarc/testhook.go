//go:build !demarctest

package main

import (
	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/config"
)

// testRegistry returns nil, meaning the real collectors. A build with the
// demarctest tag (the agent's end-to-end tests) replaces it with a fake.
func testRegistry() func(collectors.Deps, config.CollectorsConfig) []collectors.Collector {
	return nil
}
