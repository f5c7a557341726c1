// Command gen builds demarc's embedded lifecycle data
// (rules/lifecycle/data/lifecycle.json) from the raw sources copied into
// rules/lifecycle/source: endoflife.date's product pages and release-data,
// and demarc's vendor compilation, as directed by source/demarc.yaml.
//
// Run it with `go generate ./rules/...`; a test fails when the committed
// file differs from what it produces.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/demarc/demarc/catalog"
)

func main() {
	src := flag.String("src", "source", "folder holding demarc.yaml and the raw sources")
	out := flag.String("out", "data/lifecycle.json", "file to write")
	flag.Parse()
	b, err := Generate(os.DirFS(*src), catalog.Default.Aliases())
	if err != nil {
		fmt.Fprintf(os.Stderr, "gen: %v\n", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "gen: %v\n", err)
		os.Exit(1)
	}
}
