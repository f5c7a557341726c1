package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestHostBinaryLinksNoDatabaseDriver keeps the database drivers (and the
// server) out of the host binary, for every platform it is built for: only
// demarc-server may link them. It always runs: go list reads the module,
// it builds nothing.
func TestHostBinaryLinksNoDatabaseDriver(t *testing.T) {
	banned := []string{"modernc.org/sqlite", "modernc.org/libc", "github.com/jackc/pgx", "github.com/lib/pq",
		"github.com/mattn/go-sqlite3", "github.com/demarc/demarc/ingest"}
	for _, goos := range []string{"linux", "freebsd"} {
		t.Run(goos, func(t *testing.T) {
			cmd := exec.Command("go", "list", "-deps", "github.com/demarc/demarc/cmd/demarc")
			cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH=amd64")
			out, err := cmd.Output()
			if err != nil {
				var stderr []byte
				if ee, ok := err.(*exec.ExitError); ok {
					stderr = ee.Stderr
				}
				t.Fatalf("go list: %v\n%s", err, stderr)
			}
			deps := strings.Fields(string(out))
			if len(deps) < 10 {
				t.Fatalf("go list returned %d packages: %q", len(deps), out)
			}
			for _, d := range deps {
				if d == "database/sql" {
					t.Errorf("cmd/demarc depends on %s", d)
				}
				for _, b := range banned {
					if d == b || strings.HasPrefix(d, b+"/") {
						t.Errorf("cmd/demarc depends on %s", d)
					}
				}
			}
		})
	}
}

// TestFreeBSDBinaryLinksNoLinuxCollector keeps the collectors that read
// only Linux's files out of the FreeBSD binary (collectors/all's
// platform_linux.go), and in the Linux one.
func TestFreeBSDBinaryLinksNoLinuxCollector(t *testing.T) {
	linuxOnly := []string{"kernel", "packages", "hypervisor", "firmware"}
	for _, c := range []struct {
		goos  string
		wants bool
	}{{"linux", true}, {"freebsd", false}} {
		t.Run(c.goos, func(t *testing.T) {
			cmd := exec.Command("go", "list", "-deps", "github.com/demarc/demarc/cmd/demarc")
			cmd.Env = append(os.Environ(), "GOOS="+c.goos, "GOARCH=amd64")
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("go list: %v", err)
			}
			deps := map[string]bool{}
			for _, d := range strings.Fields(string(out)) {
				deps[d] = true
			}
			for _, n := range linuxOnly {
				if got := deps["github.com/demarc/demarc/collectors/"+n]; got != c.wants {
					t.Errorf("%s binary links collectors/%s: %v, want %v", c.goos, n, got, c.wants)
				}
			}
		})
	}
}
