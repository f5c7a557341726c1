// Command demarc scans a host for patch gaps and end-of-life software and
// says whose each gap is under the provider's shared responsibility model.
// `demarc scan` is a one-shot scan; `demarc agent` runs it on a schedule and
// delivers reports to demarc-server.
package main

import (
	"os"
)

func main() {
	os.Exit(execute(os.Args[1:], os.Stdout, os.Stderr))
}
