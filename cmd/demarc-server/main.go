// Command demarc-server receives demarc reports from the fleet's agents,
// stores them (SQLite built in, PostgreSQL for scale-out) and serves the
// fleet over an API: `serve`, `migrate`, `token create|list|revoke`.
// Run with no arguments, it serves on 127.0.0.1:8470 from ./demarc.db.
package main

import (
	"os"
)

func main() {
	os.Exit(execute(os.Args[1:], os.Stdout, os.Stderr))
}
