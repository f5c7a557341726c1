package main

import (
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/demarc/demarc/ingest"
	"github.com/demarc/demarc/ingest/store"
)

func newEnrollSecretCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "enroll-secret", Short: "Create, list and revoke a tenant's enroll secrets (traded by agents for host keys)"}
	cmd.AddCommand(newEnrollSecretCreateCmd(g), newEnrollSecretListCmd(g), newEnrollSecretRevokeCmd(g))
	return cmd
}

func newEnrollSecretCreateCmd(g *globals) *cobra.Command {
	var tenant, name, expires string
	var uses int
	create := &cobra.Command{
		Use:   "create --tenant NAME [--expires 30d] [--uses N] [--name NOTE]",
		Short: "Create an enroll secret and print it once",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			now := time.Now()
			var exp *time.Time
			if expires != "" {
				d, err := parseDays(expires)
				if err != nil {
					return fmt.Errorf("--expires: %w", err)
				}
				t := now.Add(d).UTC()
				exp = &t
			}
			var max *int
			if cmd.Flags().Changed("uses") {
				max = &uses
			}
			secret, e, err := ingest.NewEnrollSecret(tenant, name, now, exp, max)
			if err != nil {
				return err
			}
			return g.withStore(cmd.Context(), func(st store.Store) error {
				if err := st.CreateEnrollSecret(cmd.Context(), e); err != nil {
					return err
				}
				_, err = fmt.Fprintln(g.stdout, secret)
				return err
			})
		},
	}
	create.Flags().StringVar(&tenant, "tenant", "", "tenant the enrolled hosts belong to")
	create.Flags().StringVar(&name, "name", "", "a note saying what the secret is for (an image, a config-management run)")
	create.Flags().StringVar(&expires, "expires", "", "the secret stops working after this long (e.g. 30d, 12h; default never)")
	create.Flags().IntVar(&uses, "uses", 0, "the secret enrolls at most this many hosts (default no limit)")
	_ = create.MarkFlagRequired("tenant")
	return create
}

// parseDays is time.ParseDuration that also takes whole days ("30d").
func parseDays(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 1 {
			return 0, fmt.Errorf("%q: want a positive number of days such as 30d", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q: want a positive duration such as 30d or 12h", s)
	}
	return d, nil
}

func newEnrollSecretListCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "list", Short: "List enroll secrets (never the secrets)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withStore(cmd.Context(), func(st store.Store) error {
				list, err := st.EnrollSecrets(cmd.Context())
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(g.stdout, 2, 8, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tTENANT\tCREATED\tEXPIRES\tUSES\tREVOKED\tNAME")
				for _, e := range list {
					exp, rev, uses := "never", "-", strconv.Itoa(e.Uses)
					if e.ExpiresAt != nil {
						exp = e.ExpiresAt.Format(time.RFC3339)
					}
					if e.RevokedAt != nil {
						rev = e.RevokedAt.Format(time.RFC3339)
					}
					if e.MaxUses != nil {
						uses += "/" + strconv.Itoa(*e.MaxUses)
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.Tenant, e.CreatedAt.Format(time.RFC3339), exp, uses, rev, e.Name)
				}
				return tw.Flush()
			})
		},
	}
}

func newEnrollSecretRevokeCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "revoke ID", Short: "Revoke an enroll secret (hosts it enrolled keep their keys)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd.Context(), func(st store.Store) error {
				if err := st.RevokeEnrollSecret(cmd.Context(), args[0], time.Now()); err != nil {
					return err
				}
				_, err := fmt.Fprintf(g.stdout, "enroll secret %s revoked\n", args[0])
				return err
			})
		},
	}
}

func newHostCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "host", Short: "Revoke an enrolled host's key, or have it rotated"}
	for _, c := range []struct {
		use, short, done string
		do               func(st store.Store, cmd *cobra.Command, id string) error
	}{
		{"revoke HOST_ID", "Revoke a host: every key of it is refused (within token_cache_ttl); the host must enroll again with a new secret", "revoked",
			func(st store.Store, cmd *cobra.Command, id string) error {
				return st.RevokeHost(cmd.Context(), id, time.Now())
			}},
		{"rotate HOST_ID", "Have a host's key replaced: the answer to its next report carries a new key", "will get a new key with its next report",
			func(st store.Store, cmd *cobra.Command, id string) error {
				return st.RequestRotation(cmd.Context(), id)
			}},
	} {
		cmd.AddCommand(&cobra.Command{
			Use: c.use, Short: c.short, Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return g.withStore(cmd.Context(), func(st store.Store) error {
					if err := c.do(st, cmd, args[0]); err != nil {
						return fmt.Errorf("host %s: %w", args[0], err)
					}
					_, err := fmt.Fprintf(g.stdout, "host %s %s\n", args[0], c.done)
					return err
				})
			},
		})
	}
	return cmd
}
