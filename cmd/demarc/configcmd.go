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
	"github.com/demarc/demarc/agent/enroll"
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
			"With report.url set it reports the host's enrollment (state_dir): enrolled as which host in\n" +
			"which tenant, or what it will enroll with; exit 2 when it has nothing to enroll with, or was\n" +
			"revoked and still holds the secret it enrolled with. Unless --offline, it also asks the server\n" +
			"what the host key is (GET /api/v1/whoami; the agent token's role when it would enroll with the\n" +
			"token) and exits 2 when the server refuses it or it is another host's; a server it cannot\n" +
			"reach, or one too old to say, is reported and not an error.",
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
			var enrollment, token string
			if st.State != nil {
				if enrollment, token, err = checkEnrollment(cmd.Context(), st, cfg, configFile, offline); err != nil {
					return err
				}
			}
			printSetup(g.stdout, configFile, st, enrollment, token)
			return nil
		},
	}
	cmd.Flags().StringVar(&configFile, "config", defaultAgentConfig, "agent configuration file")
	cmd.Flags().BoolVar(&offline, "offline", false, "do not ask the server which role the token has")
	return cmd
}

// printSetup prints what the agent would run with.
func printSetup(w io.Writer, configFile string, st *agent.Setup, enrollment, token string) {
	next := st.Schedule.Next(time.Now())
	fmt.Fprintf(w, "%s: ok\n  next scan: %s (plus up to %s splay), run on start: %t\n",
		configFile, next.Format(time.RFC3339), st.Splay, st.RunOnStart)
	if st.URL != "" {
		fmt.Fprintf(w, "  reports:   %s\n  spool:     %s (max %d)\n", st.URL, st.Spool.Dir(), st.MaxReports)
	}
	if enrollment != "" {
		fmt.Fprintf(w, "  enrolled:  %s\n", enrollment)
	}
	if token != "" {
		fmt.Fprintf(w, "  %s\n", token)
	}
	if st.TextfileDir != "" {
		fmt.Fprintf(w, "  metrics:   %s\n", st.TextfileDir)
	}
}

// errWrongRole means the server says the token may not post reports.
var errWrongRole = errors.New("the token's role is not agent")

// errNotEnrolled means the agent cannot deliver: not enrolled and nothing
// to enroll with, or revoked with the secret it enrolled with.
var errNotEnrolled = errors.New("the agent cannot enroll")

// checkEnrollment reports the host's enrollment (the first line) and,
// unless offline, what the server says of the credential the agent posts
// with (the second, with its label): the host key once enrolled, the agent token when it
// would enroll with that. It is an error when the agent could not
// deliver: revoked with the same secret, nothing to enroll with, a host
// key the server refuses or that names another host.
func checkEnrollment(ctx context.Context, st *agent.Setup, cfg *config.Config, path string, offline bool) (string, string, error) {
	es, err := agent.CheckEnrollment(st)
	if err != nil {
		return "", "", fmt.Errorf("%s: state_dir: %w", path, err)
	}
	cs := es.State
	var line string
	switch {
	case cs.Status == enroll.Enrolled && cfg.Tenant != "" && cs.Tenant != "" && cfg.Tenant != cs.Tenant:
		return "", "", fmt.Errorf("%s: tenant is %q but this host is enrolled in tenant %q: the server refuses reports that name "+
			"another tenant (forbidden_report); fix tenant (or leave it out), or enroll in tenant %q (demarc agent enroll --secret-file …)",
			path, cfg.Tenant, cs.Tenant, cfg.Tenant)
	case cs.Status == enroll.Enrolled:
		line = fmt.Sprintf("yes, as host %s in tenant %s (state in %s)", cs.HostID, cs.Tenant, st.State.Dir())
	case cs.Status == enroll.Revoked && es.Blocked:
		return "", "", fmt.Errorf("%s: %w: the server revoked host %s and %s holds the secret it enrolled with: "+
			"put a new enroll secret there (demarc-server enroll-secret create) or run demarc agent enroll", path, errNotEnrolled, cs.HostID, es.With)
	case es.With == "":
		return "", "", fmt.Errorf("%s: %w: not enrolled and nothing to enroll with (%v): put the tenant's enroll secret in %s",
			path, errNotEnrolled, es.WithErr, cfg.Report.EnrollSecretFile)
	case cs.Status == enroll.Revoked:
		line = fmt.Sprintf("revoked (host %s); will enroll again with %s (another secret)", cs.HostID, es.With)
	case es.Legacy:
		line = fmt.Sprintf("no, will enroll with the agent token in %s (deprecated: use report.enroll_secret_file)", es.With)
	default:
		line = "no, will enroll with " + es.With
	}
	c := st.Client()
	if offline || c == nil {
		return line, "", nil
	}
	switch {
	case cs.Status == enroll.Enrolled:
		server, err := checkHostKey(ctx, c, cs, path)
		return line, "host key:  " + server, err
	case es.Legacy:
		server, err := checkToken(ctx, c, cfg, path)
		return line, "token:     " + server, err
	}
	return line, "", nil
}

// checkHostKey asks the server what the host key is: it must be a host
// key of this host.
func checkHostKey(ctx context.Context, c *deliver.Client, cs enroll.State, path string) (string, error) {
	key, _ := cs.Bearer()
	id, err := c.WhoAmIAs(ctx, key)
	var re *deliver.RetryError
	switch {
	case errors.Is(err, deliver.ErrAuth):
		return "", fmt.Errorf("%s: the server refuses this host's key (%w): run demarc agent enroll", path, err)
	case errors.Is(err, deliver.ErrNoWhoAmI):
		return "not checked: " + err.Error(), nil
	case errors.As(err, &re):
		return "not checked: the server is unreachable (" + err.Error() + ")", nil
	case err != nil:
		return "not checked: " + err.Error(), nil
	}
	line := fmt.Sprintf("role %s, tenant %s, host %s (key id %s)", id.Role, id.Tenant, id.HostID, id.TokenID)
	if id.Role != deliver.RoleHost && id.Role != deliver.RoleAgent || id.Role == deliver.RoleHost && id.HostID != cs.HostID {
		return "", fmt.Errorf("%s: the server says this host's key is %s, not a key of host %s: run demarc agent enroll", path, line, cs.HostID)
	}
	return line, nil
}

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
