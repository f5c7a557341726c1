// Package proc holds what the benchmark commands share about processes on
// the machine they run on: building demarc to measure, and reading a
// process's memory from /proc.
package proc

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// BuildDemarc builds ./cmd/demarc into dir and returns the binary's path;
// the commands run from the repository's root.
func BuildDemarc(dir string) (string, error) {
	bin := filepath.Join(dir, "demarc")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/demarc").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, out)
	}
	return bin, nil
}

// StatusKB reads a "kB" field of /proc/PID/status (VmRSS, VmHWM); 0 when
// the process is gone or the field is absent.
func StatusKB(pid int, field string) int64 {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			if f := strings.Fields(v); len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n
			}
		}
	}
	return 0
}
