package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// renice sets the nice value of every thread of process pid (0: this
// process). Threads made later are cloned from these and inherit it, and
// so do child processes.
//
// The simulation uses it to put the agents (which stand for a thousand
// other machines) behind the server on a shared two-core box: this
// process and the `demarc agent` processes it starts run at Config.Nice,
// the server is set back to 0 after each start, so that the latency
// measured is the server's and not the simulator's. Lowering a nice value
// needs root (CAP_SYS_NICE).
func renice(pid, nice int) error {
	dir := "/proc/self/task"
	if pid != 0 {
		dir = fmt.Sprintf("/proc/%d/task", pid)
	}
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, t := range tasks {
		tid, err := strconv.Atoi(filepath.Base(t.Name()))
		if err != nil {
			continue
		}
		if err := syscall.Setpriority(syscall.PRIO_PROCESS, tid, nice); err != nil {
			return fmt.Errorf("setpriority %d: %w", tid, err)
		}
	}
	return nil
}
