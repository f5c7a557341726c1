//go:build demarctest

package scan

import (
	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/config"
)

// WithCollectors returns o with f in place of the built-in collector list.
// It exists only in a build with the demarctest tag, for the agent's
// end-to-end tests (a fake collector makes the scan the same on every
// machine); a normal build has no way to swap the collectors.
func WithCollectors(o Options, f func(collectors.Deps, config.CollectorsConfig) []collectors.Collector) Options {
	o.registry = f
	return o
}
