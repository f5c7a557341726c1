package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/demarc/demarc/ingest"
	"github.com/demarc/demarc/ingest/store"
)

func newTokenCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Create, list and revoke API tokens"}
	cmd.AddCommand(newTokenCreateCmd(g), newTokenListCmd(g), newTokenRevokeCmd(g))
	return cmd
}

func newTokenCreateCmd(g *globals) *cobra.Command {
	var tenant, role, name string
	create := &cobra.Command{
		Use:   "create --tenant NAME --role agent|viewer | --role admin",
		Short: "Create a token and print it once",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tenant, err := tokenTenant(store.Role(role), tenant, cmd.Flags().Changed("tenant"))
			if err != nil {
				return err
			}
			secret, t, err := ingest.NewToken(tenant, store.Role(role), name, time.Now())
			if err != nil {
				return err
			}
			return g.withStore(cmd.Context(), func(st store.Store) error {
				if err := st.CreateToken(cmd.Context(), t); err != nil {
					return err
				}
				_, err = fmt.Fprintln(g.stdout, secret)
				return err
			})
		},
	}
	create.Flags().StringVar(&tenant, "tenant", "", "tenant the token belongs to (required for agent and viewer; refused for admin)")
	create.Flags().StringVar(&role, "role", "", "agent (posts reports), viewer (reads its tenant) or admin (reads every tenant)")
	create.Flags().StringVar(&name, "name", "", "a note saying what the token is for")
	_ = create.MarkFlagRequired("role")
	return create
}

// tokenTenant is the tenant to store for a new token: the --tenant of an
// agent or viewer (required), store.AdminTenant for an admin, which reads
// every tenant and so refuses --tenant rather than ignore it.
func tokenTenant(role store.Role, tenant string, given bool) (string, error) {
	if role != store.RoleAdmin {
		if !given {
			return "", fmt.Errorf("--role %s needs --tenant", role)
		}
		return tenant, nil
	}
	if given {
		return "", fmt.Errorf("--tenant %q with --role admin: an admin token reads every tenant; "+
			"for one tenant's data create a viewer token (--tenant %s --role viewer)", tenant, tenant)
	}
	return store.AdminTenant, nil
}

func newTokenListCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "list", Short: "List tokens (never their secrets)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withStore(cmd.Context(), func(st store.Store) error {
				toks, err := st.Tokens(cmd.Context())
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(g.stdout, 2, 8, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tTENANT\tROLE\tCREATED\tREVOKED\tNAME")
				for _, t := range toks {
					rev := "-"
					if t.RevokedAt != nil {
						rev = t.RevokedAt.Format(time.RFC3339)
					}
					tenant := t.Tenant
					if t.Role == store.RoleAdmin {
						tenant = "*" // every tenant, whatever an older version stored
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, tenant, t.Role, t.CreatedAt.Format(time.RFC3339), rev, t.Name)
				}
				return tw.Flush()
			})
		},
	}
}

func newTokenRevokeCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "revoke ID", Short: "Revoke a token (servers stop accepting it within token_cache_ttl)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd.Context(), func(st store.Store) error {
				if err := st.RevokeToken(cmd.Context(), args[0], time.Now()); err != nil {
					return err
				}
				_, err := fmt.Fprintf(g.stdout, "token %s revoked\n", args[0])
				return err
			})
		},
	}
}
