package collectors

import (
	"context"
	"os"

	"github.com/shirou/gopsutil/v4/host"
	"golang.org/x/sys/unix"
)

// LiveFacts answers what only a running system knows: its running kernel,
// host name, uptime and virtualisation. A scan has LiveFacts (Deps.Live)
// exactly when the root is a running host: the scanning machine's own "/"
// (System), or a fixture or simulated host that stands for one
// (internal/fixture.Live). Then, and only then, /proc, /sys, /dev and /run
// under the root are that host's kernel view, and the commands that ask
// the running system (systemd-detect-virt, needs-restarting, version
// flags) run through Deps.Run. A root without LiveFacts (a mounted image,
// a container's view of a host's disk) has files only.
type LiveFacts interface {
	// Uname is what uname(2) says about the running kernel.
	Uname() (Uname, error)
	// Hostname is the kernel's host name.
	Hostname() (string, error)
	// Uptime is the time since boot, in seconds.
	Uptime(ctx context.Context) (uint64, error)
	// Virtualization is gopsutil's guess: system ("kvm", "xen", "openvz",
	// "docker"...) and role ("guest", "host"); both empty on bare metal.
	Virtualization(ctx context.Context) (system, role string, err error)
}

// Uname is what uname(2) says about the running kernel.
type Uname struct {
	// Release is uname -r: "6.1.0-28-amd64", "5.14.0-427.13.1.el9_4.x86_64".
	Release string
	// Version is uname -v: "#1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)".
	Version string
	// Machine is uname -m: "x86_64".
	Machine string
}

// System returns the LiveFacts of the scanning machine itself: uname(2),
// os.Hostname and gopsutil. Only a scan of the root "/" uses it.
func System() LiveFacts { return system{} }

type system struct{}

func (system) Uname() (Uname, error) {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return Uname{}, err
	}
	return Uname{
		Release: unix.ByteSliceToString(u.Release[:]),
		Version: unix.ByteSliceToString(u.Version[:]),
		Machine: unix.ByteSliceToString(u.Machine[:]),
	}, nil
}

func (system) Hostname() (string, error) { return os.Hostname() }

func (system) Uptime(ctx context.Context) (uint64, error) { return host.UptimeWithContext(ctx) }

func (system) Virtualization(ctx context.Context) (string, string, error) {
	return host.VirtualizationWithContext(ctx)
}
