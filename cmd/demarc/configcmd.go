package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/demarc/demarc/internal/hostfs"
)

func newConfigCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Check the agent configuration",
	}
	cmd.AddCommand(newConfigCheckCmd(g))
	return cmd
}

func newConfigCheckCmd(g *globals) *cobra.Command {
	var configFile string
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Check the agent configuration as the agent would load it, and exit 2 if it would refuse it",
		Long: "Check the agent configuration exactly as `demarc agent` loads it (and as SIGHUP reloads it):\n" +
			"unknown keys, bad values, the token, CA and client certificate files, the rules file.\n" +
			"A token or client key readable by every local user is an error (take it as leaked); one\n" +
			"another group or user can reach is a warning. Warnings are printed; exit status 2 on an error.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := g.logger()
			if err != nil {
				return err
			}
			st, err := loadAgentSetup(configFile, hostfs.Live(), log)
			if err != nil {
				return err
			}
			for _, w := range st.Warnings {
				fmt.Fprintf(g.stdout, "warning: %v\n", w)
			}
			now := time.Now()
			next := st.Schedule.Next(now)
			fmt.Fprintf(g.stdout, "%s: ok\n  next scan: %s (plus up to %s splay), run on start: %t\n",
				configFile, next.Format(time.RFC3339), st.Splay, st.RunOnStart)
			if st.URL != "" {
				fmt.Fprintf(g.stdout, "  reports:   %s\n  spool:     %s (max %d)\n", st.URL, st.Spool.Dir(), st.MaxReports)
			}
			if st.TextfileDir != "" {
				fmt.Fprintf(g.stdout, "  metrics:   %s\n", st.TextfileDir)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&configFile, "config", defaultAgentConfig, "agent configuration file")
	return cmd
}
