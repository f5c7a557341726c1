package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/demarc/demarc/internal/golden"
	"github.com/demarc/demarc/report"
)

var (
	scanBinOnce sync.Once
	scanBin     string
	scanBinErr  error
	scanBinDir  string
)

// demarcBinary builds the real demarc binary once per test run.
func demarcBinary(t *testing.T) string {
	t.Helper()
	scanBinOnce.Do(func() {
		scanBinDir, scanBinErr = os.MkdirTemp("", "demarc-e2e-")
		if scanBinErr != nil {
			return
		}
		scanBin = filepath.Join(scanBinDir, "demarc")
		// A fixed version keeps the goldens independent of the VCS state.
		out, err := exec.Command("go", "build", "-ldflags", "-X github.com/demarc/demarc/internal/version.Version=v0.0.0-test",
			"-o", scanBin, ".").CombinedOutput()
		if err != nil {
			scanBinErr = errors.New(string(out))
		}
	})
	if scanBinErr != nil {
		t.Fatalf("build demarc: %v", scanBinErr)
	}
	return scanBin
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if scanBinDir != "" {
		os.RemoveAll(scanBinDir)
	}
	os.Exit(code)
}

// exe runs the binary and returns stdout, stderr and the exit code.
func exe(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(demarcBinary(t), args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("run %v: %v", args, err)
	}
	return stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()
}

// TestScanThisMachine scans the machine the tests run on (CI: a real Debian
// with a real apt). It asserts what every Linux host has, never what this
// one has installed.
func TestScanThisMachine(t *testing.T) {
	if testing.Short() {
		t.Skip("scans the live machine")
	}
	out, stderr, code := exe(t, "scan", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r report.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not a report: %v\n%s", err, out)
	}
	if r.Schema != report.Schema || r.Host.OS.ID == "" || r.Host.Kernel.Release == "" || r.Host.HostID == "" {
		t.Fatalf("OS or kernel not found: %+v", r.Host)
	}
	if _, err := exec.LookPath("apt-get"); err == nil && fileExists("/var/lib/dpkg/status") {
		if r.Updates == nil || r.Updates.Manager != "apt" {
			t.Fatalf("the real apt simulation did not run: %+v (errors %+v)", r.Updates, r.Errors)
		}
		if r.Updates.Count != len(r.Updates.Packages) || r.Updates.SecurityCount > r.Updates.Count {
			t.Fatalf("inconsistent updates: %+v", r.Updates)
		}
		for _, e := range r.Errors {
			if e.Collector == "packages" {
				t.Fatalf("packages collector failed: %s", e.Error)
			}
		}
	}
	if len(r.Findings) != r.Summary.Provider.Total()+r.Summary.Customer.Total() {
		t.Fatalf("summary does not count the findings: %+v", r.Summary)
	}
	// The table renders the same scan for a person.
	table, _, code := exe(t, "scan", "--only", "osinfo,kernel")
	if code != 0 || !strings.Contains(table, "The provider's to fix") || !strings.Contains(table, "Yours to fix") {
		t.Fatalf("table (exit %d):\n%s", code, table)
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

var collectorDuration = regexp.MustCompile(`,\n\s*"duration_ms": [0-9]+\n(\s*)\}`)

var volatile = regexp.MustCompile(`"(report_id|scanned_at|duration_ms)": ("[^"]*"|[0-9]+)`)

// TestScanFixtureRoot runs the binary against a fixture root and compares
// the report and the table with goldens (go test ./cmd/demarc -update).
func TestScanFixtureRoot(t *testing.T) {
	t.Parallel()
	root := filepath.Join("testdata", "e2e", "rootfs")
	for _, c := range []struct{ golden, format, tier string }{
		{"e2e/managed.json", "json", "managed"},
		{"e2e/managed.txt", "table", "managed"},
		{"e2e/iaas.txt", "table", "iaas"},
		{"e2e/colocation.md", "markdown", "colocation"},
	} {
		out, stderr, code := exe(t, "scan", "--root", root, "--at", "2026-11-28", "--tier", c.tier,
			"--provider", "Example Hosting", "--format", c.format)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", c.golden, code, stderr)
		}
		// A collector's duration_ms is left out under a millisecond, so
		// whether it is there depends on the machine's load: drop it.
		got := collectorDuration.ReplaceAllString(out, "\n$1}")
		got = volatile.ReplaceAllString(got, `"$1": "<volatile>"`)
		got = regexp.MustCompile(`Report [0-9a-f-]{36}`).ReplaceAllString(got, "Report <id>")
		got = regexp.MustCompile(`\| Scanned \| [^|]+ \|`).ReplaceAllString(got, "| Scanned | <volatile> |")
		path := filepath.Join("testdata", c.golden)
		golden.Check(t, path, []byte(got))
	}
}

// TestScanTierMovesOSFindings is issue 2's "done when": --tier iaas moves the
// OS findings from the provider's list to the customer's, with a rationale
// that quotes the rule.
func TestScanTierMovesOSFindings(t *testing.T) {
	t.Parallel()
	root := filepath.Join("testdata", "e2e", "rootfs")
	owner := map[string]report.Responsible{}
	for _, tier := range []string{"managed", "iaas"} {
		out, stderr, code := exe(t, "scan", "--root", root, "--at", "2026-11-28", "--tier", tier, "--format", "json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var r report.Report
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, f := range r.Findings {
			if f.Layer == report.LayerOperatingSystem {
				n++
				owner[tier] = f.Responsible
				if !strings.Contains(f.Rationale, `"`) {
					t.Errorf("%s: rationale does not quote the rule: %s", tier, f.Rationale)
				}
			}
		}
		if n == 0 {
			t.Fatalf("%s: no OS finding", tier)
		}
	}
	if owner["managed"] != report.ResponsibleProvider || owner["iaas"] != report.ResponsibleCustomer {
		t.Fatalf("OS findings owner by tier: %v", owner)
	}
}

func TestScanExitCodes(t *testing.T) {
	t.Parallel()
	root := filepath.Join("testdata", "e2e", "rootfs")
	bad := filepath.Join(t.TempDir(), "matrix.yaml")
	if err := os.WriteFile(bad, []byte("layers:\n  nonsense: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "report.md")
	bare := t.TempDir() // a wrong --root: nothing identifies an OS
	for _, c := range []struct {
		name string
		args []string
		code int
	}{
		{"ran", []string{"scan", "--root", root, "--at", "2026-11-28"}, 0},
		{"fail-on matched", []string{"scan", "--root", root, "--at", "2026-11-28", "--fail-on", "critical"}, 1},
		{"fail-on not matched", []string{"scan", "--root", root, "--at", "2026-11-28", "--fail-on", "critical", "--only", "controlpanel"}, 0},
		{"bad tier", []string{"scan", "--tier", "gold"}, 2},
		{"bad format", []string{"scan", "--format", "xml"}, 2},
		{"bad date", []string{"scan", "--at", "28/11/2026"}, 2},
		{"bad severity", []string{"scan", "--fail-on", "urgent"}, 2},
		{"unknown flag", []string{"scan", "--colour"}, 2},
		{"missing root", []string{"scan", "--root", "/nonexistent/demarc"}, 2},
		{"unknown collector", []string{"scan", "--only", "nope"}, 2},
		{"bad rules file", []string{"scan", "--rules", bad}, 2},
		{"missing config", []string{"scan", "--config", "/nonexistent/agent.yaml"}, 2},
		{"output file", []string{"scan", "--root", root, "--format", "markdown", "--output", out}, 0},
		{"unknown os", []string{"scan", "--root", bare}, 2},
		{"unknown os allowed", []string{"scan", "--root", bare, "--allow-unknown-os"}, 0},
	} {
		_, stderr, code := exe(t, c.args...)
		if code != c.code {
			t.Errorf("%s: exit %d, want %d (%s)", c.name, code, c.code, stderr)
		}
		if c.code == 2 && !strings.Contains(stderr, "demarc:") {
			t.Errorf("%s: no error message: %q", c.name, stderr)
		}
	}
	if b, err := os.ReadFile(out); err != nil || !strings.HasPrefix(string(b), "# demarc scan") {
		t.Fatalf("--output: %v %q", err, b)
	}
}

// TestScanUnknownOSSaysSo: a scan of a root where nothing identifies the
// OS says so at the top of the table, not just "nothing found", and the
// error names the root.
func TestScanUnknownOSSaysSo(t *testing.T) {
	t.Parallel()
	bare := t.TempDir()
	stdout, stderr, code := exe(t, "scan", "--root", bare)
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	lines := strings.Split(stdout, "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[1], "operating system unknown") {
		t.Errorf("second line does not say the OS is unknown:\n%s", stdout)
	}
	if !strings.Contains(stdout, "nothing found (the operating system is unknown") {
		t.Errorf("empty sections read as clean:\n%s", stdout)
	}
	if !strings.Contains(stderr, bare) || !strings.Contains(stderr, "--allow-unknown-os") {
		t.Errorf("error does not name the root and the flag: %q", stderr)
	}
}
