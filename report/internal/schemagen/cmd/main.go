// Command schemagen writes report/schema.json; run by `go generate ./report`.
package main

import (
	"fmt"
	"os"

	"github.com/demarc/demarc/report/internal/schemagen"
)

func main() {
	b, err := schemagen.Generate(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, "schemagen:", err)
		os.Exit(1)
	}
	if err := os.WriteFile("schema.json", b, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "schemagen:", err)
		os.Exit(1)
	}
}
