//go:build gendocs

package main

import (
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/demarc/demarc/internal/clidocs"
	"github.com/demarc/demarc/internal/version"
)

// A build with the gendocs tag (packaging/build.sh) gains a hidden command
// that writes the man pages and shell completions the packages ship. The
// released binary is built without it.
func init() {
	extraCommands = append(extraCommands, newGendocsCmd)
}

func newGendocsCmd(g *globals) *cobra.Command {
	var epoch string
	cmd := &cobra.Command{
		Use:    "gendocs DIR",
		Short:  "Write man pages and shell completions under DIR",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sec, err := strconv.ParseInt(epoch, 10, 64)
			if err != nil {
				return usageErr("--source-date-epoch: %v", err)
			}
			o := clidocs.Options{Version: version.String(), Manual: "demarc manual", Date: time.Unix(sec, 0)}
			if err := clidocs.Write(cmd.Root(), args[0], o); err != nil {
				return fmt.Errorf("gendocs: %w", err)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&epoch, "source-date-epoch", "0", "page date, seconds since 1970 (the last commit's time)")
	return cmd
}
