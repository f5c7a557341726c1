package kernel

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/internal/execx"
	"github.com/demarc/demarc/internal/hostfs"
)

// The OS's own reboot flags. Debian's /var/run is a symlink to /run; both
// are tried so that a root without the symlink (an image, a fixture) works.
var (
	rebootRequiredPaths = []string{"/run/reboot-required", "/var/run/reboot-required"}
	rebootPkgsPaths     = []string{"/run/reboot-required.pkgs", "/var/run/reboot-required.pkgs"}
	rebootNeededPaths   = []string{"/run/reboot-needed", "/var/run/reboot-needed"} // SUSE zypp-boot-plugin
)

// containerMarkers exist inside containers, where uname shows the host's
// kernel and the installed kernels (if any) never boot.
var containerMarkers = []string{"/run/systemd/container", "/.dockerenv", "/run/.containerenv"}

// needsRestartingTimeout bounds `needs-restarting -r`, which reads
// /proc and the RPM database and finishes in about a second.
const needsRestartingTimeout = 20 * time.Second

// needsRestartingArgv is the RHEL family's own reboot check: exit 1 means a
// reboot is required, 0 that it is not.
var needsRestartingArgv = []string{"needs-restarting", "-r"}

// firstExisting returns the first of paths that exists under root.
func firstExisting(root hostfs.Root, paths []string) string {
	for _, p := range paths {
		if root.Exists(p) {
			return p
		}
	}
	return ""
}

// rebootFlag reads the OS's reboot flag files: whether a reboot is
// flagged, and the packages that asked for it.
func rebootFlag(root hostfs.Root, o *collectors.Recorder) (bool, []string) {
	flagged := firstExisting(root, rebootRequiredPaths) != "" || firstExisting(root, rebootNeededPaths) != ""
	p := firstExisting(root, rebootPkgsPaths)
	if p == "" {
		return flagged, nil
	}
	b, err := root.ReadFile(p)
	if err != nil {
		o.ReadProblem(p, err)
		return flagged, nil
	}
	pkgs, err := parseRebootPkgs(b)
	if err != nil {
		o.Fail(fmt.Errorf("parse %s: %w", p, err))
	}
	return flagged, pkgs
}

// needsRestarting runs `needs-restarting -r` when it is installed. A
// missing binary is normal (it comes with dnf-utils / yum-utils).
func needsRestarting(ctx context.Context, run execx.Runner, o *collectors.Recorder) (bool, []string) {
	if _, err := run.LookPath(needsRestartingArgv[0]); err != nil {
		return false, nil
	}
	cmd := execx.Cmd{Argv: needsRestartingArgv, Timeout: needsRestartingTimeout, MaxOutput: 1 << 20}
	res, err := run.Run(ctx, cmd)
	if errors.Is(err, execx.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		o.Fail(fmt.Errorf("run %s: %w", cmd, err))
		return false, nil
	}
	switch res.ExitCode {
	case 0:
		return false, nil
	case 1:
		pkgs, err := parseNeedsRestarting(res.Stdout)
		if err != nil {
			o.Fail(fmt.Errorf("parse %s: %w", cmd, err))
		}
		return true, pkgs
	}
	o.Fail(fmt.Errorf("run %s: %w", cmd, &ExitError{Code: res.ExitCode}))
	return false, nil
}

// ExitError is a command's unexpected exit status.
type ExitError struct{ Code int }

func (e *ExitError) Error() string { return fmt.Sprintf("unexpected exit status %d", e.Code) }

// inContainer returns the first container marker present under root.
func inContainer(root hostfs.Root) string {
	return firstExisting(root, containerMarkers)
}
