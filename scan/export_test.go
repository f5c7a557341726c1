//go:build !demarctest

package scan

import (
	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/config"
)

// WithCollectors gives this package's external tests (package scan_test)
// the hook that a demarctest build has in withcollectors_demarctest.go:
// o with f in place of the built-in collector list.
func WithCollectors(o Options, f func(collectors.Deps, config.CollectorsConfig) []collectors.Collector) Options {
	o.registry = f
	return o
}
