// Package testtool finds the real programs tests run (rpm, dnf, apt-get,
// chromium): present, the test uses it; missing, the test skips with a
// message, or fails when DEMARC_CI is set, since .ci/run installs them.
package testtool

import (
	"os"
	"os/exec"
	"testing"
)

// Need returns the path of the program name, or skips (fails under
// DEMARC_CI) the test when it is not installed; install names the Debian
// packages that provide it, for the message.
func Need(t testing.TB, name, install string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("DEMARC_CI") != "" {
		t.Fatalf("DEMARC_CI is set and %s is missing: .ci/run must install it (%s)", name, install)
	}
	t.Skipf("%s is not installed here (apt-get install %s); the tests with the real program need it", name, install)
	return ""
}
