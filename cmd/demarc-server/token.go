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
		Use:   "create --tenant NAME --role agent|viewer|admin",
		Short: "Create a token and print it once",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			secret, t, err := ingest.NewToken(tenant, store.Role(role), name, time.Now())
			if err != nil {
				return err
			}
			st, err := g.openStore(cmd.Context(), true)
			if err != nil {
				return err
			}
			defer st.Close()
			if err := st.CreateToken(cmd.Context(), t); err != nil {
				return err
			}
			_, err = fmt.Fprintln(g.stdout, secret)
			return err
		},
	}
	create.Flags().StringVar(&tenant, "tenant", "", "tenant the token belongs to (required)")
	create.Flags().StringVar(&role, "role", "", "agent (posts reports), viewer (reads its tenant) or admin (reads all)")
	create.Flags().StringVar(&name, "name", "", "a note saying what the token is for")
	_ = create.MarkFlagRequired("tenant")
	_ = create.MarkFlagRequired("role")
	return create
}

func newTokenListCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "list", Short: "List tokens (never their secrets)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := g.openStore(cmd.Context(), true)
			if err != nil {
				return err
			}
			defer st.Close()
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
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Tenant, t.Role, t.CreatedAt.Format(time.RFC3339), rev, t.Name)
			}
			return tw.Flush()
		},
	}
}

func newTokenRevokeCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "revoke ID", Short: "Revoke a token (servers stop accepting it within token_cache_ttl)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := g.openStore(cmd.Context(), true)
			if err != nil {
				return err
			}
			defer st.Close()
			if err := st.RevokeToken(cmd.Context(), args[0], time.Now()); err != nil {
				return err
			}
			_, err = fmt.Fprintf(g.stdout, "token %s revoked\n", args[0])
			return err
		},
	}
}
