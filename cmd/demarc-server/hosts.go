package main

import (
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/ingest/store/recordfile"
)

// newHostsCmd is `hosts import|export`: the provider's host records. (The
// singular `host` revokes and rotates enrolled hosts' keys.)
func newHostsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "hosts", Short: "Import and export the provider's host records (tier, agreement, labels)"}
	cmd.AddCommand(newHostsImportCmd(g), newHostsExportCmd(g))
	return cmd
}

func newHostsImportCmd(g *globals) *cobra.Command {
	var dryRun bool
	var by string
	c := &cobra.Command{
		Use:   "import FILE [--dry-run] [--by NAME]",
		Short: "Import host records from a CSV or JSON lines file, all or nothing",
		Long: "Import host records from FILE (CSV with a header, or JSON lines; - reads standard input).\n" +
			"Every changed field is audit-logged as changed by --by (default cli:<user>). A bad row\n" +
			"names its line and field, and nothing is stored. A running server re-judges the hosts\n" +
			"whose records changed.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rows, err := readRecordFile(args[0])
			if err != nil {
				return err
			}
			return g.withStore(cmd.Context(), func(st store.Store) error {
				if by == "" {
					by = defaultBy()
				}
				recs := recordfile.Records(rows)
				var cs []store.RecordChange
				if dryRun {
					cs, err = st.PlanHostRecords(cmd.Context(), recs)
				} else {
					cs, err = st.PutHostRecords(cmd.Context(), recs, by, time.Now())
				}
				if err != nil {
					return fmt.Errorf("%s: %w (nothing imported)", args[0], recordfile.AtLine(rows, err))
				}
				return printChanges(g.stdout, len(rows), cs, dryRun)
			})
		},
	}
	c.Flags().BoolVar(&dryRun, "dry-run", false, "print what would change and store nothing")
	c.Flags().StringVar(&by, "by", "", "who made the change, for the audit log (default cli:<user>)")
	return c
}

// readRecordFile parses a record file ("-": standard input, by content).
func readRecordFile(name string) ([]recordfile.Row, error) {
	var r io.Reader = os.Stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	rows, err := recordfile.Parse(r, name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (nothing imported)", name, err)
	}
	return rows, nil
}

func defaultBy() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "cli:" + u.Username
	}
	return "cli"
}

// printChanges prints the changes per record: a new record, or each field
// old → new.
func printChanges(w io.Writer, rows int, cs []store.RecordChange, dryRun bool) error {
	var b strings.Builder
	records, created := 0, 0
	last := ""
	for _, c := range cs {
		if c.RecordID != last {
			last = c.RecordID
			records++
			what := "host " + c.HostID
			if c.HostID == "" {
				what = "unbound record " + unboundName(c)
			}
			if c.Created {
				created++
				fmt.Fprintf(&b, "new record: %s (tenant %s)\n", what, c.Tenant)
			} else {
				fmt.Fprintf(&b, "%s (tenant %s):\n", what, c.Tenant)
			}
		}
		fmt.Fprintf(&b, "  %s: %q → %q\n", c.Field, c.Old, c.New)
	}
	verb := "changed"
	if dryRun {
		verb = "would change"
	}
	fmt.Fprintf(&b, "%d rows: %s %d records (%d new), %d unchanged\n", rows, verb, records, created, rows-records)
	_, err := io.WriteString(w, b.String())
	return err
}

func unboundName(c store.RecordChange) string {
	var parts []string
	if c.MachineID != "" {
		parts = append(parts, "machine_id "+c.MachineID)
	}
	if c.Hostname != "" {
		parts = append(parts, "hostname "+c.Hostname)
	}
	return strings.Join(parts, ", ")
}

func newHostsExportCmd(g *globals) *cobra.Command {
	var tenant string
	c := &cobra.Command{
		Use:   "export [--tenant NAME]",
		Short: "Print every host record as CSV (the columns import reads)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withStore(cmd.Context(), func(st store.Store) error {
				sc := store.AllTenants()
				if tenant != "" {
					sc = store.TenantScope(tenant)
				}
				var all []store.HostRecord
				p := store.Page{Limit: store.MaxLimit}
				for {
					page, err := st.HostRecords(cmd.Context(), sc, p)
					if err != nil {
						return err
					}
					all = append(all, page.Records...)
					if p.Cursor = page.Next; p.Cursor == "" {
						break
					}
				}
				return recordfile.WriteCSV(g.stdout, all)
			})
		},
	}
	c.Flags().StringVar(&tenant, "tenant", "", "only this tenant's records")
	return c
}
