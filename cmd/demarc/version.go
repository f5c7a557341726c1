package main

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/demarc/demarc/internal/version"
	"github.com/demarc/demarc/report"
)

func newVersionCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(g.stdout, "demarc %s (%s, %s/%s, report schema %s)\n",
				version.String(), runtime.Version(), runtime.GOOS, runtime.GOARCH, report.Schema)
			return err
		},
	}
}
