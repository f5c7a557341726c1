package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/demarc/demarc/report"
	"github.com/demarc/demarc/rules/lifecycle"
	"github.com/demarc/demarc/rules/matrix"
)

func newRulesCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "Show or validate the lifecycle data and the responsibility matrix",
	}
	cmd.AddCommand(newRulesShowCmd(g), newRulesValidateCmd(g))
	return cmd
}

func newRulesShowCmd(g *globals) *cobra.Command {
	var asJSON bool
	var file, provider string
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Print the lifecycle products (cycles, sources, data dates) and the responsibility matrix",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			data, err := lifecycle.Default()
			if err != nil {
				return err
			}
			m := matrix.Default()
			if file != "" {
				if m, err = matrix.Load(file); err != nil {
					return err
				}
			}
			if asJSON {
				return showJSON(g.stdout, data, m)
			}
			return showText(g.stdout, data, m, m.ProviderName(provider))
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&file, "rules", "", "show this responsibility matrix file instead of the built-in one")
	cmd.Flags().StringVar(&provider, "provider", "", "the provider's name in the matrix table")
	return cmd
}

func newRulesValidateCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE",
		Short: "Check a responsibility matrix file; exit 2 with the key and line of the first problem",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := matrix.Load(args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "%s: valid responsibility matrix (%d layers × %d tiers, %s)\n",
				args[0], len(m.Layers), len(report.Tiers), m.Model)
			return nil
		},
	}
}

type rulesJSON struct {
	Lifecycle struct {
		Schema       string                     `json:"schema"`
		SnapshotDate string                     `json:"snapshot_date"`
		Sources      []lifecycle.Source         `json:"sources"`
		Products     []lifecycle.ProductSummary `json:"products"`
	} `json:"lifecycle"`
	Matrix struct {
		Origin   string       `json:"origin"`
		Model    string       `json:"model"`
		Provider string       `json:"provider,omitempty"`
		Layers   []matrix.Row `json:"layers"`
	} `json:"matrix"`
}

func showJSON(w io.Writer, d *lifecycle.Dataset, m *matrix.Matrix) error {
	var out rulesJSON
	out.Lifecycle.Schema, out.Lifecycle.SnapshotDate = d.Schema, d.SnapshotDate.String()
	out.Lifecycle.Sources, out.Lifecycle.Products = d.Sources, d.Summary()
	out.Matrix.Origin, out.Matrix.Model, out.Matrix.Provider, out.Matrix.Layers = m.Origin, m.Model, m.Provider, m.Rows()
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func showText(w io.Writer, d *lifecycle.Dataset, m *matrix.Matrix, provider string) error {
	fmt.Fprintf(w, "Lifecycle data (%s), snapshot %s (the oldest source's date)\n\nSources:\n", d.Schema, d.SnapshotDate)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, s := range d.Sources {
		commit := s.Commit
		if len(commit) > 12 {
			commit = commit[:12]
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", s.ID, s.Date, s.URL, commit, s.License)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nProducts:")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  ID\tTITLE\tCYCLES\tSOURCE\tCHECKED\tALSO MATCHES")
	for _, p := range d.Summary() {
		cycles := fmt.Sprint(p.Cycles)
		if p.Scheme == lifecycle.SchemeChannel {
			cycles += " builds"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", p.ID, p.Title, cycles, p.Source, p.Checked, strings.Join(p.Aliases, ", "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nResponsibility matrix: %s (%s)\n\n", m.Origin, m.Model)
	return m.WriteTable(w, provider)
}
