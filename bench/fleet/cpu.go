package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// cpuSample is CPU time used so far, in clock ticks (1/100 s): by the
// whole machine, by the server process and by this process (the
// in-process agents and the proxy). What the machine used beyond the two
// is the rest: other processes, the `demarc agent` processes among them.
type cpuSample struct {
	machine, server, fleet int64
	serverPID              int
}

func sampleCPU(serverPID int) cpuSample {
	return cpuSample{machine: machineTicks(), server: procTicks(serverPID), fleet: procTicks(os.Getpid()), serverPID: serverPID}
}

// usage returns the share of one core each used between a and b (100 is
// one core), secs apart.
func usage(a, b cpuSample, secs float64) (server, fleet, others float64) {
	if secs <= 0 {
		return 0, 0, 0
	}
	ds := b.server - a.server
	if b.serverPID != a.serverPID {
		ds = b.server // restarted: counts from zero
	}
	total := float64(b.machine - a.machine)
	server, fleet = float64(ds)/secs, float64(b.fleet-a.fleet)/secs
	return server, fleet, max(total/secs-server-fleet, 0)
}

// machineTicks is the busy time of every CPU from /proc/stat.
func machineTicks() int64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	var busy int64
	for i, v := range f[1:] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		if i >= 8 { // guest time is already in user
			break
		}
		n, _ := strconv.ParseInt(v, 10, 64)
		busy += n
	}
	return busy
}

// procTicks is a process's user and system time from /proc/PID/stat.
func procTicks(pid int) int64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return u + st
}
