package kernel

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/internal/execx"
	"github.com/demarc/demarc/internal/hostfs"
	"github.com/demarc/demarc/report"
)

// Where live patching shows on a running host.
const (
	// kcareEffective and kcareCVEs are KernelCare's own files for
	// vulnerability scanners: the effective kernel release the applied
	// patches amount to, and the CVEs they fix, one per line (TuxCare's
	// "Vulnerability Scanner Integration with KernelCare").
	kcareEffective = "/proc/kcare/effective_version"
	kcareCVEs      = "/proc/kcare/cvelist"
	// klpGlob is the kernel's live-patch interface: one directory per
	// loaded patch, with "enabled" (1 when applied) and "transition" (1
	// while tasks are still being moved onto it)
	// (Documentation/ABI/testing/sysfs-kernel-livepatch). kpatch, Canonical
	// Livepatch and SUSE's kernel-livepatch all load through it.
	klpGlob = "/sys/kernel/livepatch/*"
)

// uptrackArgv asks Oracle Ksplice for the effective kernel release: the
// release the applied Ksplice updates amount to.
var uptrackArgv = []string{"uptrack-uname", "-r"}

const uptrackTimeout = 10 * time.Second

// livePatchFiles are the files livePatch reads.
var livePatchFiles = []string{kcareEffective, kcareCVEs, klpGlob, klpGlob + "/enabled", klpGlob + "/transition"}

// klpSystems name the live-patch systems by the prefix of the module names
// their patches load as.
var klpSystems = []struct{ prefix, system string }{
	{"lkp_", "canonical-livepatch"}, // lkp_Ubuntu_5_15_0_91_101_generic_110
	{"kpatch_", "kpatch"},           // kpatch_5_14_0_427_13_1 (RHEL's kpatch-patch packages)
}

// livePatch observes the live patching of the running kernel, from
// KernelCare's files, the kernel's live-patch directory and, when the host
// has it, Ksplice's uptrack-uname; nil when none is active. release is the
// running kernel (uname -r). Only on a running host: these are the running
// kernel's facts.
func livePatch(ctx context.Context, root hostfs.Root, run execx.Runner, release string, o *collectors.Recorder) *report.LivePatch {
	var lp report.LivePatch
	if eff := readLine(root, kcareEffective, o); eff != "" {
		lp.System, lp.EffectiveRelease = "kernelcare", eff
		lp.Evidence = append(lp.Evidence, kcareEffective+": "+eff)
		if b, err := root.ReadFileLimit(kcareCVEs, 4<<20); o.ReadProblemNote(kcareCVEs, err) == collectors.Read {
			lp.CVEs = countCVEs(b)
			lp.Evidence = append(lp.Evidence, fmt.Sprintf("%s: %d CVEs", kcareCVEs, lp.CVEs))
		}
	}
	dirs, err := root.Glob(klpGlob)
	if err != nil {
		o.Fail(fmt.Errorf("list %s: %w", klpGlob, err))
	}
	for _, d := range dirs {
		name := path.Base(d)
		switch readLine(root, d+"/enabled", o) {
		case "1":
		case "0":
			lp.Evidence = append(lp.Evidence, d+": loaded but disabled")
			continue
		default:
			continue // unreadable (noted) or not a patch directory
		}
		if readLine(root, d+"/transition", o) == "1" {
			lp.Evidence = append(lp.Evidence, d+": still in transition (some tasks run unpatched code)")
		}
		lp.Patches = append(lp.Patches, name)
		if lp.System == "" {
			lp.System = klpSystem(name)
		}
	}
	if len(lp.Patches) > 0 {
		lp.Evidence = append(lp.Evidence, fmt.Sprintf("%s: %d enabled (%s)", path.Dir(klpGlob), len(lp.Patches), strings.Join(lp.Patches, ", ")))
	}
	if lp.System == "" {
		if eff := uptrack(ctx, run, o); eff != "" && eff != release {
			lp.System, lp.EffectiveRelease = "ksplice", eff
			lp.Evidence = append(lp.Evidence, strings.Join(uptrackArgv, " ")+": "+eff)
		}
	}
	if lp.System == "" {
		return nil
	}
	return &lp
}

// klpSystem names the system behind a patch of the kernel's live-patch
// interface.
func klpSystem(name string) string {
	for _, s := range klpSystems {
		if strings.HasPrefix(name, s.prefix) {
			return s.system
		}
	}
	return "livepatch"
}

// readLine reads the first line of a small kernel file, trimmed; "" when it
// is absent or unreadable (a note or error says which).
func readLine(root hostfs.Root, p string, o *collectors.Recorder) string {
	b, err := root.ReadHead(p, 4096)
	if o.ReadProblemNote(p, err) != collectors.Read {
		return ""
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	return strings.TrimSpace(string(line))
}

// countCVEs counts the CVE identifiers in KernelCare's list.
func countCVEs(b []byte) int {
	n := 0
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "CVE-") {
			n++
		}
	}
	return n
}

// uptrack returns Ksplice's effective kernel release, "" when Ksplice is
// not installed or says nothing.
func uptrack(ctx context.Context, run execx.Runner, o *collectors.Recorder) string {
	if _, err := run.LookPath(uptrackArgv[0]); err != nil {
		return ""
	}
	cmd := execx.Cmd{Argv: uptrackArgv, Timeout: uptrackTimeout, MaxOutput: 4096}
	res, err := run.Run(ctx, cmd)
	switch {
	case errors.Is(err, execx.ErrNotFound):
		return ""
	case err != nil:
		o.Fail(fmt.Errorf("run %s: %w", cmd, err))
		return ""
	case res.ExitCode != 0:
		o.Fail(fmt.Errorf("run %s: %w", cmd, &ExitError{Code: res.ExitCode}))
		return ""
	}
	line, _, _ := bytes.Cut(bytes.TrimSpace(res.Stdout), []byte("\n"))
	return strings.TrimSpace(string(line))
}
