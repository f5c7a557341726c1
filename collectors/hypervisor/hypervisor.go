package hypervisor

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/internal/execx"
	"github.com/demarc/demarc/internal/pkgdb"
	"github.com/demarc/demarc/report"
)

// DefaultTimeout bounds each command the collector runs.
const DefaultTimeout = 10 * time.Second

// maxOutput caps a command's output: version outputs are a few lines.
const maxOutput = 1 << 20

// Option configures a Collector.
type Option func(*Collector)

// WithTimeout sets the per-command timeout (DefaultTimeout otherwise).
func WithTimeout(d time.Duration) Option { return func(c *Collector) { c.timeout = d } }

// Collector detects the virtualisation layer: hypervisors installed on the
// host, and whether the host is itself a guest.
type Collector struct {
	deps    collectors.Deps
	live    bool
	timeout time.Duration
}

// New returns the hypervisor collector. Live-only sources (/proc, /sys,
// /dev and /run under the root, and the commands pveversion,
// systemd-detect-virt, xl info and version flags) are used when the root
// is a running host (deps.Live).
func New(deps collectors.Deps, opts ...Option) *Collector {
	c := &Collector{deps: deps, live: deps.Live != nil, timeout: DefaultTimeout}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Name implements collectors.Collector.
func (c *Collector) Name() string { return "hypervisor" }

// Sources implements collectors.Collector.
func (c *Collector) Sources() collectors.Sources {
	return collectors.Sources{
		Detects: "Proxmox VE, QEMU/KVM, libvirt, Xen, XCP-ng/XenServer, VMware ESXi, LXD/Incus, /dev/kvm; whether the host is a VM or container guest, and of what",
		Files: slices.Concat([]string{"package database (pve-manager, pve-qemu-kvm, qemu-system-x86, qemu-kvm, libvirt-daemon, lxd, incus, xen-hypervisor)"},
			pkgdb.Files, lxdDataDirs, []string{incusDataDir,
				pvecfgPath, "/etc/xensource-inventory", "/etc/os-release", "/snap/lxd/current/meta/snap.yaml",
				"/sys/hypervisor/{type,version/*}", "/proc/xen/capabilities", "/sys/class/dmi/id/*", "/proc/cpuinfo",
				"/proc/{vz,bc,lve}", "/run/systemd/container", "/run/host/container-manager", "/.dockerenv", "/run/.containerenv",
				"/dev/{kvm,lxd/sock,incus/sock}", "/sys/module/kvm_{intel,amd}/parameters/nested"}),
		Commands: append([]string{"pveversion", "qemu-system-x86_64 --version", "/usr/libexec/qemu-kvm --version", "kvm --version",
			"libvirtd --version", "virtqemud --version", "xl info", "vmware -v", "lxd --version", "incus --version",
			"systemd-detect-virt --vm", "systemd-detect-virt --container"}, pkgdb.Commands...),
		Privileges:  "none; xl info needs root (a non-zero exit is a note) and runs only in a dom0 whose /sys/hypervisor is unreadable",
		NotDetected: "no hypervisor software on the host; the host facts still say whether it is a guest",
	}
}

// state is one Collect run.
type state struct {
	collectors.Recorder
	c   *Collector
	ctx context.Context
	sig signals
	// kvmDev is the kvm component /dev/kvm gives, added once the guest
	// signals show the host is not a container (kvmComponent).
	kvmDev *report.Component
}

// Collect implements collectors.Collector.
func (c *Collector) Collect(ctx context.Context) (collectors.Result, error) {
	s := &state{Recorder: collectors.Recorder{Layer: report.LayerVirtualisation}, c: c, ctx: ctx}
	s.UsePackages(c.deps.InstalledPackages(ctx))
	for _, detect := range []func(){s.proxmox, s.qemu, s.libvirt, s.xen, s.xapi, s.esxi, s.lxd, s.incus, s.kvm} {
		if ctx.Err() != nil {
			return s.Result(), ctx.Err()
		}
		detect()
	}
	s.guestSignals()
	s.kvmComponent()
	if v := decide(s.sig); v.System != "" || v.Role != "" || len(v.Evidence) > 0 {
		s.Host().Virtualization = v
	}
	return s.Result(), ctx.Err()
}

// readFile reads a small host file. A missing file is ("", false); any
// other failure is a note (permission errors are normal for some files)
// and ("", false).
func (s *state) readFile(p string) (string, bool) {
	limit := int64(256 << 10)
	if p == "/proc/cpuinfo" {
		limit = 16 << 20 // about 1.4 KiB per logical CPU
	}
	b, err := s.c.deps.Root.ReadFileLimit(p, limit)
	if errors.Is(err, fs.ErrInvalid) {
		return "", false
	}
	if s.ReadProblemNote(p, err) != collectors.Read {
		return "", false
	}
	return string(b), true
}

// liveFile reads p only when live files may be read.
func (s *state) liveFile(p string) (string, bool) {
	if !s.c.live {
		return "", false
	}
	v, ok := s.readFile(p)
	return strings.TrimSpace(v), ok
}

// liveExists reports whether the live path p exists.
func (s *state) liveExists(p string) bool { return s.c.live && s.c.deps.Root.Exists(p) }

// output is a command's combined output and exit code.
type output struct {
	text string
	exit int
}

// command runs argv when commands may run and argv[0] is installed. ok is
// false when it did not run or failed (the failure is recorded).
func (s *state) command(argv ...string) (output, bool) {
	if !s.c.live {
		return output{}, false
	}
	if _, err := s.c.deps.Run.LookPath(argv[0]); err != nil {
		return output{}, false
	}
	res, err := s.c.deps.Run.Run(s.ctx, execx.Cmd{Argv: argv, Timeout: s.c.timeout, MaxOutput: maxOutput})
	if errors.Is(err, execx.ErrNotFound) {
		return output{}, false
	}
	if err != nil {
		s.Fail(fmt.Errorf("run %s: %w", strings.Join(argv, " "), err))
		return output{}, false
	}
	return output{text: string(res.Stdout) + "\n" + string(res.Stderr), exit: res.ExitCode}, true
}
