package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/demarc/demarc/agent"
	"github.com/demarc/demarc/agent/deliver"
	"github.com/demarc/demarc/config"
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
	var offline bool
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Check the agent configuration as the agent would load it, and exit 2 if it would refuse it",
		Long: "Check the agent configuration exactly as `demarc agent` loads it (and as SIGHUP reloads it):\n" +
			"unknown keys, bad values, the token, CA and client certificate files, the rules file.\n" +
			"A token or client key readable by every local user is an error (take it as leaked); one\n" +
			"another group or user can reach is a warning. Warnings are printed; exit status 2 on an error.\n" +
			"With report.url set (and no --offline), it also asks the server which role and tenant the\n" +
			"token has (GET /api/v1/whoami) and exits 2 when the server refuses the token or its role is\n" +
			"not agent; a server it cannot reach, or one too old to say, is reported and not an error.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := g.logger()
			if err != nil {
				return err
			}
			cfg, st, err := loadAgentConfig(configFile, hostfs.Live(), log)
			if err != nil {
				return err
			}
			for _, w := range st.Warnings {
				fmt.Fprintf(g.stdout, "warning: %v\n", w)
			}
			token := ""
			if c, ok := st.Sender.(*deliver.Client); ok && !offline {
				if token, err = checkToken(cmd.Context(), c, cfg, configFile); err != nil {
					return err
				}
			}
			printSetup(g.stdout, configFile, st, token)
			return nil
		},
	}
	cmd.Flags().StringVar(&configFile, "config", defaultAgentConfig, "agent configuration file")
	cmd.Flags().BoolVar(&offline, "offline", false, "do not ask the server which role the token has")
	return cmd
}

// printSetup prints what the agent would run with.
func printSetup(w io.Writer, configFile string, st *agent.Setup, token string) {
	next := st.Schedule.Next(time.Now())
	fmt.Fprintf(w, "%s: ok\n  next scan: %s (plus up to %s splay), run on start: %t\n",
		configFile, next.Format(time.RFC3339), st.Splay, st.RunOnStart)
	if st.URL != "" {
		fmt.Fprintf(w, "  reports:   %s\n  spool:     %s (max %d)\n", st.URL, st.Spool.Dir(), st.MaxReports)
	}
	if token != "" {
		fmt.Fprintf(w, "  token:     %s\n", token)
	}
	if st.TextfileDir != "" {
		fmt.Fprintf(w, "  metrics:   %s\n", st.TextfileDir)
	}
}

// errWrongRole means the server says the token may not post reports.
var errWrongRole = errors.New("the token's role is not agent")

// checkToken asks the server which role and tenant the token has. It
// returns the line to print, or an error when the agent's reports would
// be refused for the token: the server refuses it (401), its role is not
// agent, or it belongs to another tenant than the configuration's
// tenant. A server that cannot be asked, or does not say, is a line, not
// an error: the other checks stand.
func checkToken(ctx context.Context, c *deliver.Client, cfg *config.Config, path string) (string, error) {
	id, err := c.WhoAmI(ctx)
	tf := cfg.Report.TokenFile
	var re *deliver.RetryError
	switch {
	case errors.Is(err, deliver.ErrAuth):
		return "", fmt.Errorf("%s: the server refuses the token in %s (%w): put a valid token of role agent there "+
			"(demarc-server token create --tenant … --role agent --name <host>) and reload", path, tf, err)
	case errors.Is(err, deliver.ErrNoWhoAmI):
		return "not checked: " + err.Error() + " (a demarc-server older than GET /api/v1/whoami?)", nil
	case errors.As(err, &re):
		return "not checked: the server is unreachable (" + err.Error() + ")", nil
	case err != nil:
		return "not checked: " + err.Error(), nil
	}
	line := fmt.Sprintf("role %s, tenant %s (token id %s)", id.Role, id.Tenant, id.TokenID)
	if id.Role != deliver.RoleAgent {
		return "", fmt.Errorf("%s: the token in %s has %s: %w, so the server refuses every report; "+
			"create one (demarc-server token create --tenant %s --role agent --name <host>), put it in %s and reload",
			path, tf, line, errWrongRole, id.Tenant, tf)
	}
	if cfg.Tenant != "" && cfg.Tenant != id.Tenant {
		return "", fmt.Errorf("%s: tenant is %q but the token belongs to tenant %q: the server refuses reports that name "+
			"another tenant than the token's; fix tenant (or leave it out) or use a token of tenant %q",
			path, cfg.Tenant, id.Tenant, cfg.Tenant)
	}
	return line, nil
}
