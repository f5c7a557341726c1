package kernel

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"golang.org/x/sys/unix"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/internal/pkgdb"
	"github.com/demarc/demarc/internal/pkgver"
	"github.com/demarc/demarc/report"
)

// Uname is what uname(2) says about the running kernel.
type Uname struct {
	// Release is uname -r: "6.1.0-28-amd64", "5.14.0-427.13.1.el9_4.x86_64".
	Release string
	// Version is uname -v: "#1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)".
	Version string
	// Machine is uname -m: "x86_64".
	Machine string
}

// Collector observes the running kernel, the installed kernels and the
// OS's own reboot flag.
type Collector struct {
	deps  collectors.Deps
	uname func() (Uname, error)
}

// Option configures a Collector.
type Option func(*Collector)

// WithUname makes the collector treat its root as the running system, with
// uname as the source of the running kernel: running-kernel facts and
// `needs-restarting` are then gathered whatever the root. By default they
// are gathered only when the root is "/", from uname(2).
func WithUname(uname func() (Uname, error)) Option {
	return func(c *Collector) { c.uname = uname }
}

// New returns the kernel collector.
func New(deps collectors.Deps, opts ...Option) *Collector {
	c := &Collector{deps: deps}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Name implements collectors.Collector.
func (*Collector) Name() string { return "kernel" }

// Sources implements collectors.Collector.
func (*Collector) Sources() collectors.Sources {
	files := []string{pkgdb.DpkgStatus, pkgdb.APKInstalled, "/var/lib/rpm (through rpm)"}
	files = append(files, rebootRequiredPaths...)
	files = append(files, rebootPkgsPaths...)
	files = append(files, rebootNeededPaths...)
	files = append(files, containerMarkers...)
	return collectors.Sources{
		Detects: "the running kernel (uname, live root only), the newest installed kernel package " +
			"of the same kind, and whether the OS flags a reboot",
		Files:      files,
		Commands:   []string{"uname(2) (system call, live root)", "rpm -qa (shared package database read)", "needs-restarting -r (RPM hosts, live root, when installed)"},
		Privileges: "none",
		NotDetected: "no kernel package (a container, a custom kernel) or no package database: " +
			"no newer kernel is claimed and a note says why",
	}
}

// defaultUname asks the running kernel.
func defaultUname() (Uname, error) {
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

// Collect implements collectors.Collector. Partial failures (the package
// database, needs-restarting) are error entries in the Result; what could
// be observed is still returned.
func (c *Collector) Collect(ctx context.Context) (collectors.Result, error) {
	if err := ctx.Err(); err != nil {
		return collectors.Result{}, err
	}
	var o observations
	root := c.deps.Root
	uname := c.uname
	if uname == nil && root.IsLive() {
		uname = defaultUname
	}
	k := report.Kernel{}
	var u Uname
	container := ""
	if uname != nil {
		var err error
		if u, err = uname(); err != nil {
			o.errs = append(o.errs, fmt.Errorf("uname: %w", err))
		}
		k.Release, k.Arch = u.Release, u.Machine
		if container = inContainer(root); container != "" {
			o.note("%s exists: in a container uname shows the host's kernel, so installed kernels are not compared with it", container)
		}
	}

	db, err := c.deps.InstalledPackages(ctx)
	switch {
	case errors.Is(err, pkgdb.ErrNoDatabase):
		o.note("no package database: installed kernels unknown")
	case err != nil:
		o.errs = append(o.errs, fmt.Errorf("installed packages: %w", err))
	default:
		running := u
		if container != "" {
			running = Uname{} // the host's kernel: nothing to compare
		}
		compare(db, running, &k, &o)
	}

	k.RebootFlag, k.RebootPackages = rebootFlag(root, &o)
	if uname != nil && container == "" && db != nil && db.Format == pkgver.RPM {
		if flag, pkgs := needsRestarting(ctx, c.deps.Run, &o); flag {
			k.RebootFlag = true
			k.RebootPackages = appendNew(k.RebootPackages, pkgs)
		}
	}
	return collectors.Result{Host: &report.Host{Kernel: k}, Notes: o.notes, Errors: o.errs}, nil
}

// compare fills the installed-kernel facts from the package database.
func compare(db *pkgdb.DB, u Uname, k *report.Kernel, o *observations) {
	k.Source = db.Source
	kernels := installedKernels(db)
	if len(kernels) == 0 {
		o.note("no kernel package in %s (a container, or a kernel installed outside the package manager): no newer kernel claimed", db.Source)
		return
	}
	a := assess(db.Format, u.Release, parseRunningBuild(u.Version), kernels)
	o.notes = append(o.notes, a.Notes...)
	if a.Newest == nil {
		return
	}
	k.NewestInstalled = a.Newest.Release
	k.NewerInstalled = a.Newer
	if k.Arch == "" {
		k.Arch = unameArch(a.Newest.Arch)
	}
}

// debArches maps dpkg architectures to uname -m.
var debArches = map[string]string{
	"amd64": "x86_64", "arm64": "aarch64", "armhf": "armv7l", "armel": "armv5tel",
	"i386": "i686", "ppc64el": "ppc64le", "s390x": "s390x", "riscv64": "riscv64",
}

// unameArch turns a package architecture into uname -m's spelling; "" when
// unknown.
func unameArch(pkgArch string) string {
	if a, ok := debArches[pkgArch]; ok {
		return a
	}
	switch pkgArch {
	case "x86_64", "aarch64", "ppc64le", "s390x", "i686", "armv7", "riscv64":
		return pkgArch
	}
	return ""
}

// appendNew appends the names of add not already in list.
func appendNew(list, add []string) []string {
	for _, p := range add {
		if !slices.Contains(list, p) {
			list = append(list, p)
		}
	}
	return list
}
