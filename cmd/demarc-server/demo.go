package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/demarc/demarc/ingest"
	"github.com/demarc/demarc/ingest/demo"
	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/ingest/store/dbopen"
)

// demoDB is the demo's database unless --db or a config file names one.
const demoDB = "sqlite:demarc-demo.db"

func newDemoCmd(g *globals) *cobra.Command {
	var o demo.Options
	var listen string
	var fillOnly bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Fill a fresh database with a simulated fleet, then serve it",
		Long: `Fill a fresh database (default ` + demoDB + `) with a simulated fleet: hosts of several
customers on every tier, each showing what a real scan of one of demarc's fixture hosts showed
(current and end-of-life OS releases, cPanel, Plesk, DirectAdmin or no panel, pending updates),
with the provider's records of most of them, reporting once a day for a few weeks through the
server's own ingest path, which judges them with its own rules. Then print an admin and a viewer
token and serve the web UI and the API (unless --fill-only).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if g.configFile == "" {
				// A demo needs no power-loss durability: fill fast.
				g.cfg.SQLiteSynchronous = "NORMAL"
				if g.db == "" {
					g.cfg.DB = demoDB
				}
			}
			log, err := g.logger()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			st, err := g.openStore(ctx, true)
			if err != nil {
				return err
			}
			o.Log = log
			start := time.Now()
			res, err := demo.Fill(ctx, st, o)
			if err != nil {
				st.Close()
				return fmt.Errorf("demo: %w", err)
			}
			admin, viewer, tenant, err := demoTokens(cmd, st, res)
			st.Close()
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "Filled %s with %d hosts of %d tenants (%d with a provider's record): %d reports over %d days (%.1f s).\n\n",
				dbopen.Redact(g.cfg.DB), res.Hosts, len(res.HostIDs), res.Records, res.Reports, res.Days, time.Since(start).Seconds())
			fmt.Fprintf(g.stdout, "Sign in to the web UI with one of these tokens (shown once):\n  %-21s%s\n  %-21s%s\n\n",
				"admin, every tenant:", admin, "viewer of "+tenant+":", viewer)
			if fillOnly {
				return nil
			}
			return runServe(ctx, g, serveFlags{listen: listen})
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.Hosts, "hosts", 300, "hosts in the fleet")
	f.IntVar(&o.Days, "days", 30, "days of history (one report per host a day)")
	f.Uint64Var(&o.Seed, "seed", 1, "random seed (the same seed gives the same fleet)")
	f.StringVar(&listen, "listen", "", "address to serve on (default "+DefaultListen+")")
	f.BoolVar(&fillOnly, "fill-only", false, "fill the database and exit without serving")
	return cmd
}

// demoTokens creates an admin token and a viewer token of the largest
// tenant.
func demoTokens(cmd *cobra.Command, st store.TokenStore, res demo.Result) (admin, viewer, tenant string, err error) {
	for t, ids := range res.HostIDs {
		if tenant == "" || len(ids) > len(res.HostIDs[tenant]) || (len(ids) == len(res.HostIDs[tenant]) && t < tenant) {
			tenant = t
		}
	}
	now := time.Now()
	for _, spec := range []struct {
		tenant string
		role   store.Role
		out    *string
	}{{"admin", store.RoleAdmin, &admin}, {tenant, store.RoleViewer, &viewer}} {
		secret, tok, err := ingest.NewToken(spec.tenant, spec.role, "demo "+string(spec.role), now)
		if err != nil {
			return "", "", "", err
		}
		if err := st.CreateToken(cmd.Context(), tok); err != nil {
			return "", "", "", err
		}
		*spec.out = secret
	}
	return admin, viewer, tenant, nil
}
