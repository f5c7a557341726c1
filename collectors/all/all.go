// Package all is the collector registry: an explicit, ordered list (no
// init() registration). The order is the order of the report's components
// and errors; later collectors' host facts refine earlier ones' (hypervisor
// refines osinfo's virtualization).
package all

import (
	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/collectors/applications"
	"github.com/demarc/demarc/collectors/controlpanel"
	"github.com/demarc/demarc/collectors/osinfo"
	"github.com/demarc/demarc/collectors/webapps"
)

// Names lists every collector name in registry order.
func Names() []string {
	var out []string
	for _, c := range New(collectors.Deps{}, Options{}) {
		out = append(out, c.Name())
	}
	return out
}

// Options are the options of the collectors that take any (the agent's
// configuration turns into them in package scan: collectors do not read
// YAML).
type Options struct {
	Webapps webapps.Options
}

// order is the registry's order, every platform's collectors included.
var order = []string{"osinfo", "kernel", "packages", "controlpanel", "webapps", "hypervisor", "firmware", "applications"}

// New builds every collector this platform's build has with deps; each gets
// a logger carrying its name. Whether the root is a running host is
// deps.Live's to say.
func New(deps collectors.Deps, o Options) []collectors.Collector {
	with := func(name string) collectors.Deps {
		d := deps
		d.Log = deps.Log.With().Str("collector", name).Logger()
		return d
	}
	built := map[string]collectors.Collector{
		"osinfo":       osinfo.New(with("osinfo")),
		"controlpanel": controlpanel.New(with("controlpanel")),
		"webapps":      webapps.New(with("webapps"), o.Webapps),
		"applications": applications.New(with("applications")),
	}
	for _, c := range platformCollectors(with) {
		built[c.Name()] = c
	}
	out := make([]collectors.Collector, 0, len(built))
	for _, name := range order {
		if c, ok := built[name]; ok {
			out = append(out, c)
		}
	}
	return out
}

// Unsupported lists, in registry order, the collectors this platform's
// build leaves out: those that read only what Linux has (/proc and /sys,
// its kernels' packages, its package managers).
func Unsupported() []string {
	have := map[string]bool{}
	for _, n := range Names() {
		have[n] = true
	}
	var out []string
	for _, n := range order {
		if !have[n] {
			out = append(out, n)
		}
	}
	return out
}
