//go:build gendocs

package main

import (
	"github.com/spf13/cobra"

	"github.com/demarc/demarc/internal/clidocs"
)

// A build with the gendocs tag (packaging/build.sh) gains a hidden command
// that writes the man pages and shell completions the packages ship. The
// released binary is built without it.
func init() {
	extraCommands = append(extraCommands, func(*globals) *cobra.Command { return clidocs.Command("demarc-server manual") })
}
