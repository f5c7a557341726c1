package main

import (
	"context"
	"os"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/demarc/demarc/agent"
	"github.com/demarc/demarc/agent/sdnotify"
	"github.com/demarc/demarc/config"
	"github.com/demarc/demarc/internal/hostfs"
	"github.com/demarc/demarc/internal/version"
	"github.com/demarc/demarc/report"
	"github.com/demarc/demarc/scan"
)

// defaultAgentConfig is where packages install the agent's configuration.
const defaultAgentConfig = "/etc/demarc/agent.yaml"

func newAgentCmd(g *globals) *cobra.Command {
	var configFile, rootDir string
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Run as a daemon: scan on a schedule and deliver every report to demarc-server",
		Long: "Run as a daemon (a systemd service): scan on the configured schedule, deliver each report\n" +
			"to report.url, keep undelivered reports in the spool and send them, oldest first, when the\n" +
			"server is back. SIGHUP reloads the configuration (a bad one is rejected and the running one\n" +
			"kept); SIGTERM and SIGINT stop cleanly. With NOTIFY_SOCKET set, systemd Type=notify works.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := g.logger()
			if err != nil {
				return err
			}
			root, err := hostfs.New(rootDir)
			if err != nil {
				return usageErr("--root: %v", err)
			}
			ctx, reload, stop := agent.Signals(context.Background())
			defer stop()
			a := agent.New(agent.Options{
				Load:     func() (*agent.Setup, error) { return loadAgentSetup(configFile, root, log) },
				Log:      log,
				Notify:   sdnotify.FromEnv(os.Getenv),
				Watchdog: sdnotify.WatchdogInterval(os.Getenv, os.Getpid()),
				Version:  version.String(),
			})
			return a.Run(ctx, reload)
		},
	}
	cmd.Flags().StringVar(&configFile, "config", defaultAgentConfig, "agent configuration file")
	cmd.Flags().StringVar(&rootDir, "root", "/", "scan the filesystem mounted here (e.g. the host's / at /host in a container)")
	return cmd
}

// loadAgentSetup reads and checks the agent configuration and builds what
// the agent runs with: the same configuration-to-scan path as `demarc
// scan`, plus schedule, delivery and spool.
func loadAgentSetup(path string, root hostfs.Root, log zerolog.Logger) (*agent.Setup, error) {
	_, st, err := loadAgentConfig(path, root, log)
	return st, err
}

// loadAgentConfig is loadAgentSetup that also returns the configuration.
func loadAgentConfig(path string, root hostfs.Root, log zerolog.Logger) (*config.Config, *agent.Setup, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return nil, nil, err
	}
	warnings, err := cfg.CheckAgent()
	if err != nil {
		return nil, nil, err
	}
	opts, err := scan.OptionsFromConfig(cfg)
	if err != nil {
		return nil, nil, err
	}
	opts.Root, opts.Log, opts.Registry = root, log, testRegistry()
	run := func(ctx context.Context) (*report.Report, error) { return scan.Run(ctx, opts) }
	st, err := agent.FromConfig(cfg, run, version.String())
	if err != nil {
		return nil, nil, err
	}
	for _, w := range warnings {
		st.Warnings = append(st.Warnings, w)
	}
	return cfg, st, nil
}
