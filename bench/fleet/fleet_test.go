package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// TestFleetShort runs the short simulation (Short: 40 in-process agents, 2
// `demarc agent` processes, enrolled with their tenant's enroll secret,
// host keys rotated every few seconds, one cycle of faults: two server
// SIGKILLs, a network cut with agents killed mid-spool, drops, resets and
// delays) and fails on any discrepancy. It builds both binaries; skipped
// with -short.
func TestFleetShort(t *testing.T) {
	if testing.Short() {
		t.Skip("a minute of simulated fleet; skipped with -short")
	}
	cfg := Short()
	cfg.Dir = t.TempDir()
	var out strings.Builder
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	res, err := Run(ctx, cfg, &out)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() {
		logs(t, cfg.Dir)
		t.Fatalf("%d discrepancies (see above)", len(res.Discrepancies))
	}
	// The run must have exercised what it claims to.
	switch {
	case res.ServerKills < 2, res.NetworkFaults < 3, res.InprocKills == 0, res.ProcKills == 0:
		t.Errorf("faults not injected: %+v", res)
	case res.Generated < 100 || res.Delivered != res.Generated-res.Unspooled:
		t.Errorf("generated %d, delivered %d", res.Generated, res.Delivered)
	case res.Retried == 0:
		t.Errorf("no delivery failed: the faults did not reach the agents")
	case res.Enrolled != cfg.Agents+cfg.Procs:
		t.Errorf("%d of %d agents enrolled", res.Enrolled, cfg.Agents+cfg.Procs)
	case res.MinRotations < 1 || res.KeysIssued == 0:
		t.Errorf("keys issued %d, rotations %d (an agent completed %d): key_rotation %s did not rotate every host",
			res.KeysIssued, res.Rotations, res.MinRotations, cfg.KeyRotation)
	}
}

// logs prints the tail of the server's log for a failed run.
func logs(t *testing.T, dir string) {
	b, err := os.ReadFile(dir + "/server.log")
	if err != nil {
		return
	}
	if len(b) > 8000 {
		b = b[len(b)-8000:]
	}
	t.Logf("server.log (end):\n%s", b)
}
