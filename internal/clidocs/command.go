package clidocs

import (
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/demarc/demarc/internal/version"
)

// Command returns the hidden `gendocs DIR` command that builds with the
// gendocs tag add to each binary (packaging/build.sh): it writes the man
// pages and shell completions of the command tree it belongs to, dated by
// --source-date-epoch so that packages are reproducible. manual names the
// manual ("demarc manual").
func Command(manual string) *cobra.Command {
	var epoch string
	cmd := &cobra.Command{
		Use:    "gendocs DIR",
		Short:  "Write man pages and shell completions under DIR",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sec, err := strconv.ParseInt(epoch, 10, 64)
			if err != nil {
				return fmt.Errorf("--source-date-epoch: %w", err)
			}
			o := Options{Version: version.String(), Manual: manual, Date: time.Unix(sec, 0)}
			if err := Write(cmd.Root(), args[0], o); err != nil {
				return fmt.Errorf("gendocs: %w", err)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&epoch, "source-date-epoch", "0", "page date, seconds since 1970 (the last commit's time)")
	return cmd
}
