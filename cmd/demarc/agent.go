package main

import (
	"context"
	"fmt"
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
	cmd.AddCommand(newAgentEnrollCmd(g))
	return cmd
}

func newAgentEnrollCmd(g *globals) *cobra.Command {
	var configFile, secretFile, rootDir string
	cmd := &cobra.Command{
		Use:   "enroll",
		Short: "Enroll this host with demarc-server now (and again after a revocation)",
		Long: "Trade the enroll secret for this host's key now: POST /api/v1/enroll beside report.url with the\n" +
			"host's name, OS, hashed machine identity and DMI product UUID. The host id, key and record go to\n" +
			"state_dir. The agent does this by itself on its first delivery; run it by hand to enroll again\n" +
			"after the server revoked the host (even with the same secret) or to move the host to another\n" +
			"tenant. Run it as the agent's user or as root (the files are then given to state_dir's owner).",
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
			_, st, err := loadAgentConfig(configFile, root, log)
			if err != nil {
				return err
			}
			cs, err := agent.Enroll(cmd.Context(), st, secretFile, log)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "enrolled as host %s in tenant %s (state in %s)\n", cs.HostID, cs.Tenant, st.State.Dir())
			return nil
		},
	}
	cmd.Flags().StringVar(&configFile, "config", defaultAgentConfig, "agent configuration file")
	cmd.Flags().StringVar(&secretFile, "secret-file", "", "enroll with the secret in this file instead of report.enroll_secret_file")
	cmd.Flags().StringVar(&rootDir, "root", "/", "read the host's facts from the filesystem mounted here")
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
	opts.Root, opts.Log = root, log
	opts = testCollectors(opts)
	var st *agent.Setup
	engines := lifecycleEngines(cfg, opts.Engine, log)
	run := func(ctx context.Context) (*report.Report, error) {
		o := opts
		// The server's lifecycle data, once fetched, judges the scan.
		o.Engine = engines(st.Lifecycle.Dataset())
		// Once enrolled, every report carries the server-assigned host id.
		if st.State != nil {
			if cs, err := st.State.Load(); err == nil && cs.HostID != "" {
				o.HostID = cs.HostID
			}
		}
		return scan.Run(ctx, o)
	}
	st, err = agent.FromConfigRoot(cfg, run, version.String(), root)
	if err != nil {
		return nil, nil, err
	}
	for _, w := range warnings {
		st.Warnings = append(st.Warnings, w)
	}
	return cfg, st, nil
}
