package kernel

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/internal/pkgdb"
	"github.com/demarc/demarc/internal/pkgver"
	"github.com/demarc/demarc/report"
)

// Collector observes the running kernel, the installed kernels and the
// OS's own reboot flag.
type Collector struct {
	deps collectors.Deps
}

// New returns the kernel collector. Running-kernel facts and
// `needs-restarting` are gathered when the root is a running host
// (deps.Live), from its Uname.
func New(deps collectors.Deps) *Collector {
	return &Collector{deps: deps}
}

// Name implements collectors.Collector.
func (*Collector) Name() string { return "kernel" }

// Sources implements collectors.Collector.
func (*Collector) Sources() collectors.Sources {
	files := slices.Clone(pkgdb.Files)
	files = append(files, rebootRequiredPaths...)
	files = append(files, rebootPkgsPaths...)
	files = append(files, rebootNeededPaths...)
	files = append(files, containerMarkers...)
	files = append(files, livePatchFiles...)
	return collectors.Sources{
		Detects: "the running kernel (uname and its build date, live root only), the newest installed kernel package " +
			"of the same kind, whether the OS flags a reboot, and live patching of the running kernel (KernelCare, Ksplice, " +
			"Canonical Livepatch, kpatch, the kernel's livepatch interface)",
		Files: files,
		Commands: append([]string{"uname(2) (system call, live root)", "needs-restarting -r (RPM hosts, live root, when installed)",
			"uptrack-uname -r (Ksplice, live root, when installed)"}, pkgdb.Commands...),
		Privileges: "none",
		NotDetected: "no kernel package (a container, a custom kernel) or no package database: " +
			"no newer kernel is claimed and a note says why",
	}
}

// Collect implements collectors.Collector. Partial failures (the package
// database, needs-restarting) are error entries in the Result; what could
// be observed is still returned.
func (c *Collector) Collect(ctx context.Context) (collectors.Result, error) {
	if err := ctx.Err(); err != nil {
		return collectors.Result{}, err
	}
	o := &collectors.Recorder{}
	root := c.deps.Root
	live := c.deps.Live
	k := report.Kernel{}
	var u collectors.Uname
	container := ""
	if live != nil {
		var err error
		if u, err = live.Uname(); err != nil {
			o.Fail(fmt.Errorf("uname: %w", err))
		}
		k.Release, k.Arch = u.Release, u.Machine
		if container = inContainer(root); container != "" {
			o.Note("%s exists: in a container uname shows the host's kernel, so installed kernels are not compared with it", container)
		}
	}

	db, err := c.deps.InstalledPackages(ctx)
	switch {
	case errors.Is(err, pkgdb.ErrNoDatabase):
		o.Note("no package database: installed kernels unknown")
	case err != nil:
		o.Fail(fmt.Errorf("installed packages: %w", err))
	default:
		running := u
		if container != "" {
			running = collectors.Uname{} // the host's kernel: nothing to compare
		}
		compare(db, running, &k, o)
	}

	if live != nil && container == "" {
		k.Built = buildDate(u.Version)
		k.LivePatch = livePatch(ctx, root, c.deps.Run, u.Release, o)
	}
	if lp := k.LivePatch; lp != nil && lp.EffectiveRelease != "" && k.NewestInstalled != "" && db != nil {
		if n, err := pkgver.Compare(db.Format, lp.EffectiveRelease, k.NewestInstalled); err != nil {
			o.Note("cannot order the live-patched release %q and the installed %q: %v", lp.EffectiveRelease, k.NewestInstalled, err)
		} else {
			lp.CoversNewest = n >= 0
		}
	}
	k.RebootFlag, k.RebootPackages = rebootFlag(root, o)
	if live != nil && container == "" && db != nil && db.Format == pkgver.RPM {
		if flag, pkgs := needsRestarting(ctx, c.deps.Run, o); flag {
			k.RebootFlag = true
			k.RebootPackages = appendNew(k.RebootPackages, pkgs)
		}
	}
	o.Host().Kernel = k
	return o.Result(), nil
}

// compare fills the installed-kernel facts from the package database.
func compare(db *pkgdb.DB, u collectors.Uname, k *report.Kernel, o *collectors.Recorder) {
	k.Source = db.Source
	kernels := installedKernels(db)
	if len(kernels) == 0 {
		o.Note("no kernel package in %s (a container, or a kernel installed outside the package manager): no newer kernel claimed", db.Source)
		return
	}
	a := assess(db.Format, u.Release, parseRunningBuild(u.Version), kernels)
	o.NoteAll(a.Notes)
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
