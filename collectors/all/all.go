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

// Option changes how New builds the collectors.
type Option func(*options)

type options struct {
	sim *Simulated
}

// New builds every collector with deps; each gets a logger carrying its
// name.
func New(deps collectors.Deps, cfg config.CollectorsConfig, opts ...Option) []collectors.Collector {
	var o options
	for _, f := range opts {
		f(&o)
	}
	with := func(name string) collectors.Deps {
		d := deps
		d.Log = deps.Log.With().Str("collector", name).Logger()
		return d
	}
	var (
		osOpts  []osinfo.Option
		kOpts   []kernel.Option
		hvOpts  []hypervisor.Option
		fwOpts  []firmware.Option
		appOpts []applications.Option
		cpOpts  []controlpanel.Option
	)
	if s := o.sim; s != nil {
		osOpts = append(osOpts, osinfo.WithLive(simLive{s}))
		kOpts = append(kOpts, kernel.WithUname(s.uname))
		hvOpts = append(hvOpts, hypervisor.WithLiveFS(), hypervisor.WithCommands())
		fwOpts = append(fwOpts, firmware.WithLiveFS())
		appOpts = append(appOpts, applications.WithCommands())
		cpOpts = append(cpOpts, controlpanel.WithCommands())
	}
	return []collectors.Collector{
		osinfo.New(with("osinfo"), osOpts...),
		kernel.New(with("kernel"), kOpts...),
		packages.New(with("packages")),
		controlpanel.New(with("controlpanel"), cpOpts...),
		webapps.New(with("webapps"), cfg.Webapps),
		hypervisor.New(with("hypervisor"), hvOpts...),
		firmware.New(with("firmware"), fwOpts...),
		applications.New(with("applications"), appOpts...),
	}
}
