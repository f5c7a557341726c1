// Package all is the collector registry: an explicit, ordered list (no
// init() registration). The order is the order of the report's components
// and errors; later collectors' host facts refine earlier ones' (hypervisor
// refines osinfo's virtualization).
package all

import (
	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/collectors/applications"
	"github.com/demarc/demarc/collectors/controlpanel"
	"github.com/demarc/demarc/collectors/firmware"
	"github.com/demarc/demarc/collectors/hypervisor"
	"github.com/demarc/demarc/collectors/kernel"
	"github.com/demarc/demarc/collectors/osinfo"
	"github.com/demarc/demarc/collectors/packages"
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

// New builds every collector with deps; each gets a logger carrying its
// name. Whether the root is a running host is deps.Live's to say.
func New(deps collectors.Deps, o Options) []collectors.Collector {
	with := func(name string) collectors.Deps {
		d := deps
		d.Log = deps.Log.With().Str("collector", name).Logger()
		return d
	}
	return []collectors.Collector{
		osinfo.New(with("osinfo")),
		kernel.New(with("kernel")),
		packages.New(with("packages")),
		controlpanel.New(with("controlpanel")),
		webapps.New(with("webapps"), o.Webapps),
		hypervisor.New(with("hypervisor")),
		firmware.New(with("firmware")),
		applications.New(with("applications")),
	}
}
