// Command scanspeed times `demarc scan` against the package manager's own
// query for the same answer (and, when given a built Vuls, Vuls fast-root),
// run alternately on the machine it runs on, and prints each command's
// median wall time and peak memory and the ratio of every pair. See
// docs/PERFORMANCE.md.
//
//	go run ./bench/scanspeed                       # 7 rounds: demarc scan, apt-get -s dist-upgrade, apt list --upgradable
//	go run ./bench/scanspeed -runs 11 -vuls ~/vuls # and Vuls fast-root of localhost
//
// Rounds alternate the commands and rotate their order, so that a burst of
// load on a shared machine falls on every command alike. Memory is the peak
// of the whole process tree: the summed RSS of the command and every
// process below it, sampled every few milliseconds from /proc (the kernel's
// rusage gives only the largest single process, which is printed too).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
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
	runs := flag.Int("runs", 7, "rounds; each runs every command once")
	vuls := flag.String("vuls", "", "a built Vuls binary: adds `vuls scan` in fast-root mode of localhost")
	flag.Parse()
	if err := run(*bin, *runs, *vuls, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "scanspeed:", err)
		os.Exit(1)
	}
}

func run(bin string, runs int, vuls string, out io.Writer) error {
	if runs < 1 {
		return errors.New("-runs must be at least 1")
	}
	dir, err := os.MkdirTemp("", "demarc-scanspeed-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if bin == "" {
		if bin, err = proc.BuildDemarc(dir); err != nil {
			return err
		}
	}
	cmds := []command{{Name: "demarc scan", Argv: []string{bin, "scan", "--format", "json"}, OK: []int{0, 1}}}
	cmds = append(cmds, managerCommands()...)
	if vuls != "" {
		v, err := vulsCommand(vuls, dir)
		if err != nil {
			return err
		}
		cmds = append(cmds, v)
	}
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Fprintf(out, "load average before: %s", load)
	results, err := rounds(cmds, runs)
	if err != nil {
		return err
	}
	load, _ = os.ReadFile("/proc/loadavg")
	fmt.Fprintf(out, "load average after: %s\n", load)
	printTable(out, results, runs)
	return nil
}

// command is one contender.
type command struct {
	Name string
	Argv []string
	// OK lists the exit codes that mean success (demarc scan exits 1 when
	// it found gaps, dnf check-update 100 when updates are pending).
	OK []int
}

// managerCommands are the package manager's own queries for the pending
// updates of this machine, by the manager it has.
func managerCommands() []command {
	switch {
	case exists("/var/lib/dpkg/status"):
		return []command{
			{Name: "apt-get -s dist-upgrade", Argv: []string{"apt-get", "-s", "-q", "-V", "dist-upgrade"}, OK: []int{0}},
			{Name: "apt list --upgradable", Argv: []string{"apt", "list", "--upgradable"}, OK: []int{0}},
		}
	case exists("/etc/dnf"):
		return []command{{Name: "dnf -C check-update", Argv: []string{"dnf", "-q", "-C", "check-update"}, OK: []int{0, 100}}}
	case exists("/etc/yum.conf"):
		return []command{{Name: "yum -C check-update", Argv: []string{"yum", "-q", "-C", "check-update"}, OK: []int{0, 100}}}
	case exists("/etc/zypp"):
		return []command{{Name: "zypper list-updates", Argv: []string{"zypper", "--non-interactive", "--no-refresh", "list-updates"}, OK: []int{0}}}
	}
	return nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// vulsCommand writes a Vuls configuration for a local fast-root scan of
// this machine and returns the command that runs it.
func vulsCommand(bin, dir string) (command, error) {
	conf := filepath.Join(dir, "vuls.toml")
	toml := "[servers.localhost]\nhost = \"localhost\"\nport = \"local\"\nscanMode = [\"fast-root\"]\n"
	if err := os.WriteFile(conf, []byte(toml), 0o600); err != nil {
		return command{}, err
	}
	results := filepath.Join(dir, "vuls-results")
	if err := os.Mkdir(results, 0o700); err != nil {
		return command{}, err
	}
	return command{Name: "vuls scan (fast-root)", Argv: []string{bin, "scan", "-config=" + conf, "-results-dir=" + results}, OK: []int{0}}, nil
}

// sample is one run of one command.
type sample struct {
	Wall time.Duration
	// TreeKB is the peak summed RSS of the process tree, LargestKB the
	// kernel's peak RSS of its largest process.
	TreeKB, LargestKB int64
}

// result is every run of one command.
type result struct {
	command
	Samples []sample
}

// rounds runs every command once per round, rotating the order each round.
func rounds(cmds []command, n int) ([]result, error) {
	res := make([]result, len(cmds))
	for i, c := range cmds {
		res[i].command = c
	}
	for r := range n {
		for k := range cmds {
			i := (k + r) % len(cmds)
			s, err := measure(cmds[i])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", cmds[i].Name, err)
			}
			res[i].Samples = append(res[i].Samples, s)
		}
	}
	return res, nil
}

// measure runs one command to its end, sampling its process tree's memory.
func measure(c command) (sample, error) {
	cmd := exec.Command(c.Argv[0], c.Argv[1:]...)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return sample{}, err
	}
	peak, done := make(chan int64), make(chan struct{})
	go func() {
		var p int64
		for {
			p = max(p, treeRSS(cmd.Process.Pid))
			select {
			case <-done:
				peak <- p
				return
			case <-time.After(3 * time.Millisecond):
			}
		}
	}()
	err := cmd.Wait()
	wall := time.Since(start)
	close(done)
	tree := <-peak
	var ee *exec.ExitError
	if err != nil && (!errors.As(err, &ee) || !slices.Contains(c.OK, ee.ExitCode())) {
		return sample{}, err
	}
	largest := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss
	return sample{Wall: wall, TreeKB: max(tree, largest), LargestKB: largest}, nil
}

// treeRSS is the summed VmRSS in kB of pid and every process below it, from
// /proc/PID/task/TID/children; 0 once pid has exited.
func treeRSS(pid int) int64 {
	total := proc.StatusKB(pid, "VmRSS")
	for _, child := range children(pid) {
		total += treeRSS(child)
	}
	return total
}

// children lists the child processes of every thread of pid.
func children(pid int) []int {
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	var out []int
	for _, t := range tasks {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", pid, t.Name()))
		for _, f := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(f); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}

// stats are the medians of one command's runs.
type stats struct {
	Wall, Min, Max    time.Duration
	TreeKB, LargestKB int64
}

func summarise(s []sample) stats {
	walls := make([]time.Duration, len(s))
	trees := make([]int64, len(s))
	largest := make([]int64, len(s))
	for i, x := range s {
		walls[i], trees[i], largest[i] = x.Wall, x.TreeKB, x.LargestKB
	}
	return stats{Wall: median(walls), Min: slices.Min(walls), Max: slices.Max(walls), TreeKB: median(trees), LargestKB: median(largest)}
}

// median of a non-empty slice: the middle value, or the mean of the two
// middle values.
func median[T time.Duration | int64](v []T) T {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// printTable prints a Markdown table of medians, then the ratios of every
// pair of commands: the second's median wall time and median peak tree RSS
// over the first's.
func printTable(out io.Writer, res []result, runs int) {
	st := make([]stats, len(res))
	fmt.Fprintf(out, "| command (%d runs each, alternating) | wall median | min – max | peak RSS, process tree (median) | largest process |\n| --- | --- | --- | --- | --- |\n", runs)
	for i, r := range res {
		st[i] = summarise(r.Samples)
		fmt.Fprintf(out, "| %s | %s | %s – %s | %.1f MB | %.1f MB |\n", r.Name, ms(st[i].Wall), ms(st[i].Min), ms(st[i].Max),
			float64(st[i].TreeKB)/1024, float64(st[i].LargestKB)/1024)
	}
	if len(res) < 2 {
		return
	}
	fmt.Fprintf(out, "\n| first | second | wall time, second ÷ first | peak RSS, second ÷ first |\n| --- | --- | --- | --- |\n")
	for i := range res {
		for j := i + 1; j < len(res); j++ {
			fmt.Fprintf(out, "| %s | %s | %s | %s |\n", res[i].Name, res[j].Name,
				ratio(float64(st[j].Wall), float64(st[i].Wall)), ratio(float64(st[j].TreeKB), float64(st[i].TreeKB)))
		}
	}
}

// ratio is second over first: how many times the second command's
// median is the first's.
func ratio(second, first float64) string {
	if first <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", second/first)
}

func ms(d time.Duration) string {
	if d < 10*time.Second {
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}
