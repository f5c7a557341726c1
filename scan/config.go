package scan

import (
	"time"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/collectors/all"
	"github.com/demarc/demarc/collectors/webapps"
	"github.com/demarc/demarc/config"
	"github.com/demarc/demarc/internal/version"
	"github.com/demarc/demarc/rules"
)

// OptionsFromConfig returns the scan options a configuration asks for:
// the profile, host id, collector selection and settings, and the rules
// engine (built-in matrix or rules_file). The caller sets what is not
// configuration: Root, Log, At, Runner. `demarc scan` and
// `demarc agent` both start from here.
func OptionsFromConfig(cfg *config.Config) (Options, error) {
	engine, err := rules.NewEngine(rules.Options{
		MatrixFile:     cfg.RulesFile,
		FirmwareMaxAge: time.Duration(cfg.Collectors.Firmware.MaxAge),
	})
	if err != nil {
		return Options{}, err
	}
	return Options{
		Profile:      cfg.Profile(),
		HostID:       cfg.HostID,
		Only:         cfg.Collectors.Only,
		Collectors:   cfg.Collectors,
		Engine:       engine,
		AgentName:    "demarc",
		AgentVersion: version.String(),
	}, nil
}

// CollectorOptions turns the agent's collector settings into the
// collectors' own options (collectors read no YAML).
func CollectorOptions(c config.CollectorsConfig) all.Options {
	w := c.Webapps
	return all.Options{Webapps: webapps.Options{Roots: w.Roots, MaxDepth: w.MaxDepth, MaxSites: w.MaxSites, Timeout: time.Duration(w.Timeout)}}
}

// registryOf is the built-in collector list with the configured options.
func registryOf(deps collectors.Deps, c config.CollectorsConfig) []collectors.Collector {
	return all.New(deps, CollectorOptions(c))
}
