// Command footprint measures demarc's cost on the machine it runs on: the
// wall time and peak RSS of `demarc scan` (repeated), and the footprint of
// an idle `demarc agent` between two scans: its resident memory and the
// CPU time it uses while it waits. See docs/PERFORMANCE.md.
//
//	go run ./bench/footprint                 # 5 scans, then 60 s of an idle agent
//	go run ./bench/footprint -scans 10 -idle 5m
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/demarc/demarc/bench/internal/proc"
)

func main() {
	bin := flag.String("demarc", "", "demarc binary (default: build ./cmd/demarc)")
	scans := flag.Int("scans", 5, "scans of this machine to time")
	idle := flag.Duration("idle", time.Minute, "how long to watch the idle agent")
	flag.Parse()
	if err := run(*bin, *scans, *idle); err != nil {
		fmt.Fprintln(os.Stderr, "footprint:", err)
		os.Exit(1)
	}
}

func run(bin string, scans int, idle time.Duration) error {
	dir, err := os.MkdirTemp("", "demarc-footprint-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if bin == "" {
		if bin, err = proc.BuildDemarc(dir); err != nil {
			return err
		}
	}
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("machine: %s; load average %s", cpuModel(), load)
	if err := timeScans(bin, scans); err != nil {
		return err
	}
	return watchAgent(bin, dir, idle)
}

// timeScans runs `demarc scan` of this machine n times: wall time, the
// peak RSS of demarc itself (VmHWM, sampled until it exits) and that of
// the largest process of the scan (demarc or a command it ran, such as
// apt-get: the kernel's rusage of the waited-for child).
func timeScans(bin string, n int) error {
	var walls []time.Duration
	var own, all []int64
	for range n {
		cmd := exec.Command(bin, "scan", "--format", "json")
		cmd.Stdout = io.Discard
		t := time.Now()
		if err := cmd.Start(); err != nil {
			return err
		}
		hwm, done := make(chan int64), make(chan struct{})
		go func() {
			var peak int64
			for {
				// Zero once the process has exited.
				peak = max(peak, proc.StatusKB(cmd.Process.Pid, "VmHWM"))
				select {
				case <-done:
					hwm <- peak
					return
				case <-time.After(2 * time.Millisecond):
				}
			}
		}()
		err := cmd.Wait()
		close(done)
		walls = append(walls, time.Since(t))
		if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() != 1) {
			return fmt.Errorf("demarc scan: %w", err)
		}
		own = append(own, <-hwm)
		all = append(all, cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss)
	}
	slices.Sort(walls)
	slices.Sort(own)
	slices.Sort(all)
	fmt.Printf("demarc scan (this machine, %d runs): wall time min %s, median %s, max %s\n",
		n, walls[0].Round(time.Millisecond), walls[n/2].Round(time.Millisecond), walls[n-1].Round(time.Millisecond))
	fmt.Printf("  peak RSS of demarc itself: median %.1f MB, max %.1f MB; of the largest process of the scan (a package manager it ran): max %.1f MB\n",
		float64(own[n/2])/1024, float64(own[n-1])/1024, float64(all[n-1])/1024)
	return nil
}

// watchAgent starts `demarc agent` with a receiver on loopback, waits for
// its first report to be delivered, then samples it while it waits for its
// next scan (an hour away).
func watchAgent(bin, dir string, idle time.Duration) error {
	got := make(chan struct{}, 16)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
		got <- struct{}{}
	}))
	defer recv.Close()
	token := filepath.Join(dir, "token")
	cfg := filepath.Join(dir, "agent.yaml")
	if err := os.WriteFile(token, []byte("dmc_0000000000000000_footprint\n"), 0o600); err != nil {
		return err
	}
	conf := fmt.Sprintf("schedule: \"@every 1h\"\nsplay: 0s\nrun_on_start: true\nreport:\n  url: %s/api/v1/reports\n  token_file: %s\nspool:\n  dir: %s\n",
		recv.URL, token, filepath.Join(dir, "spool"))
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		return err
	}
	cmd := exec.Command(bin, "agent", "--config", cfg)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
	scanMS := make(chan int64, 1)
	go readScanTime(stderr, scanMS)
	select {
	case <-got:
	case <-time.After(5 * time.Minute):
		return fmt.Errorf("the agent delivered no report within 5 minutes")
	}
	time.Sleep(2 * time.Second) // the run ends after the delivery
	pid := cmd.Process.Pid
	cpu0 := cpuTicks(pid)
	var rss []int64
	end := time.Now().Add(idle)
	for time.Now().Before(end) {
		rss = append(rss, proc.StatusKB(pid, "VmRSS"))
		time.Sleep(time.Second)
	}
	ticks := cpuTicks(pid) - cpu0
	slices.Sort(rss)
	fmt.Printf("demarc agent: first scan and delivery took %d ms; peak RSS during it %.1f MB\n", <-scanMS, float64(proc.StatusKB(pid, "VmHWM"))/1024)
	fmt.Printf("demarc agent idle for %s after it: RSS min %.1f MB, max %.1f MB; CPU used %d ms (%d clock ticks)\n",
		idle, float64(rss[0])/1024, float64(rss[len(rss)-1])/1024, ticks*10, ticks)
	return nil
}

// readScanTime passes on the duration of the first scan from the agent's
// log and drains the rest.
func readScanTime(r io.Reader, out chan<- int64) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	sent := false
	for sc.Scan() {
		var l struct {
			Message    string `json:"message"`
			DurationMS int64  `json:"duration_ms"`
		}
		if !sent && json.Unmarshal(sc.Bytes(), &l) == nil && l.Message == "scan done" {
			out <- l.DurationMS
			sent = true
		}
	}
}

// cpuTicks is the process's user and system time in clock ticks (1/100 s).
func cpuTicks(pid int) int64 {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	s := string(b)
	// Fields after the command name, which is in parentheses.
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return u + st
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":")) + fmt.Sprintf(" × %d", countCPUs(string(b)))
		}
	}
	return "unknown CPU"
}

func countCPUs(cpuinfo string) int { return strings.Count(cpuinfo, "processor\t:") }
