package main

import (
	"github.com/spf13/cobra"
)

func newRulesCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "Show or validate the lifecycle data and the responsibility matrix",
	}
	return cmd
}
