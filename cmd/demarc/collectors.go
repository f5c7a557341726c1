package main

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/collectors/all"
)

func newCollectorsCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "collectors",
		Short: "List the collectors of this platform's build: what each detects, the files it reads, the commands it runs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			list := all.New(collectors.Deps{}, all.Options{})
			if asJSON {
				out := map[string]collectors.Sources{}
				for _, c := range list {
					out[c.Name()] = c.Sources()
				}
				enc := json.NewEncoder(g.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			for _, c := range list {
				s := c.Sources()
				fmt.Fprintf(g.stdout, "%s\n  detects:      %s\n", c.Name(), s.Detects)
				if len(s.Files) > 0 {
					fmt.Fprintf(g.stdout, "  files:        %s\n", strings.Join(s.Files, ", "))
				}
				if len(s.Commands) > 0 {
					fmt.Fprintf(g.stdout, "  commands:     %s\n", strings.Join(s.Commands, "; "))
				}
				fmt.Fprintf(g.stdout, "  privileges:   %s\n  not detected: %s\n\n", s.Privileges, s.NotDetected)
			}
			if u := all.Unsupported(); len(u) > 0 {
				fmt.Fprintf(g.stdout, "not in this build for %s: %s (they read what only Linux has: /proc, /sys, its kernels' packages and package managers)\n",
					runtime.GOOS, strings.Join(u, ", "))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
