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
	"github.com/demarc/demarc/config"
)

// Names lists every collector name in registry order.
func Names() []string {
	var out []string
	for _, c := range New(collectors.Deps{}, config.CollectorsConfig{}) {
		out = append(out, c.Name())
	}
	return out
}

// New builds every collector with deps; each gets a logger carrying its
// name. Whether the root is a running host is deps.Live's to say.
func New(deps collectors.Deps, cfg config.CollectorsConfig) []collectors.Collector {
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
		webapps.New(with("webapps"), cfg.Webapps),
		hypervisor.New(with("hypervisor")),
		firmware.New(with("firmware")),
		applications.New(with("applications")),
	}
}
