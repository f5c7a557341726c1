package kernel

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/internal/collectortest"
	"github.com/demarc/demarc/internal/execx"
	"github.com/demarc/demarc/internal/fixture"
	"github.com/demarc/demarc/internal/hostfs"
)

var sentinels = []collectortest.Sentinel{{Name: "kernel.ErrMalformed", Err: ErrMalformed}}

// runCase runs the collector over the case in dir (see collectortest):
// live.yaml (optional) is the running kernel; without it the root is
// scanned as not live.
func runCase(t *testing.T, dir string) collectors.Result {
	t.Helper()
	res, err := New(collectortest.Deps(t, dir)).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestCases runs the collector on every testdata case and compares the
// result with its want.json.
func TestCases(t *testing.T) {
	t.Parallel()
	dirs := collectortest.Cases(t, "testdata")
	if len(dirs) < 9 {
		t.Fatalf("cases: %v", dirs)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			deps := collectortest.Deps(t, dir)
			res := collectortest.Check(t, dir, deps, New(deps), sentinels)
			if res.Host == nil {
				t.Fatal("no host facts")
			}
		})
	}
}

// TestCaseInvariants checks, independently of the golden files, the facts
// each case exists for.
func TestCaseInvariants(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name            string
		newest          string
		newer, flag     bool
		pkgs            []string
		release, arch   string
		noteOrEmptyNote bool
	}{
		{name: "debian12-newer-installed", newest: "6.1.0-28-amd64", newer: true, release: "6.1.0-26-amd64", arch: "x86_64"},
		{name: "ubuntu2204-up-to-date", newest: "5.15.0-94-generic", release: "5.15.0-94-generic", arch: "x86_64"},
		{name: "rhel9-kernel-core", newest: "5.14.0-427.13.1.el9_4.x86_64", flag: true, pkgs: []string{"glibc", "systemd"}, release: "5.14.0-427.13.1.el9_4.x86_64", arch: "x86_64"},
		{name: "centos7-kernel", newest: "3.10.0-1160.119.1.el7.x86_64", newer: true, flag: true, pkgs: []string{"kernel"}, release: "3.10.0-1160.24.1.el7.x86_64", arch: "x86_64"},
		{name: "oracle8-uek", newest: "5.15.0-208.159.3.2.el8uek.x86_64", release: "5.15.0-208.159.3.2.el8uek.x86_64", arch: "x86_64"},
		{name: "alpine-virt-upgraded", newest: "6.6.60-0-virt", newer: true, release: "6.6.58-0-virt", arch: "x86_64"},
		{name: "container-docker", newest: "6.1.0-28-amd64", release: "6.8.0-45-generic", arch: "x86_64", noteOrEmptyNote: true},
		{name: "reboot-required-no-newer-kernel", newest: "5.15.0-94-generic", flag: true, pkgs: []string{"libc6", "libssl3", "linux-base"}, release: "5.15.0-94-generic", arch: "x86_64"},
		{name: "missing-package-db", release: "6.6.30-custom", arch: "x86_64", noteOrEmptyNote: true},
		{name: "debian-image-not-live", newest: "6.1.0-28-amd64", flag: true, arch: "x86_64"},
		{name: "proxmox8-newer-installed", newest: "6.8.12-5-pve", newer: true, release: "6.8.12-4-pve", arch: "x86_64"},
		{name: "debian-same-abi-rebuilt", newest: "6.1.0-28-amd64", newer: true, release: "6.1.0-28-amd64", arch: "x86_64"},
		{name: "sles15-kernel-default", newest: "5.14.21-150500.55.39-default", newer: true, flag: true, release: "5.14.21-150500.55.36-default", arch: "x86_64"},
	}
	for _, c := range cases {
		res := runCase(t, filepath.Join("testdata", c.name))
		k := res.Host.Kernel
		if k.NewestInstalled != c.newest || k.NewerInstalled != c.newer || k.RebootFlag != c.flag ||
			!slices.Equal(k.RebootPackages, c.pkgs) || k.Release != c.release || k.Arch != c.arch {
			t.Errorf("%s: %+v", c.name, k)
		}
		if len(res.Errors) != 0 {
			t.Errorf("%s: errors %v", c.name, res.Errors)
		}
		if c.noteOrEmptyNote && len(res.Notes) == 0 {
			t.Errorf("%s: no note", c.name)
		}
	}
}

func TestNotLiveRunsNothing(t *testing.T) {
	t.Parallel()
	// The RHEL 9 case without its uname: rpm is read, needs-restarting is
	// not run and nothing is said about a running kernel.
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "var/lib/rpm"), 0o755); err != nil {
		t.Fatal(err)
	}
	root, _ := hostfs.New(dir)
	fake, err := fixture.Runner("testdata/rhel9-kernel-core", root)
	if err != nil {
		t.Fatal(err)
	}
	deps := collectors.Deps{Root: root, Run: fake, Log: zerolog.Nop()}
	res, err := New(deps).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	k := res.Host.Kernel
	if k.Release != "" || k.NewerInstalled || k.RebootFlag || k.NewestInstalled != "5.14.0-427.13.1.el9_4.x86_64" {
		t.Fatalf("%+v", k)
	}
	if calls := fake.Calls(); len(calls) != 1 || !strings.HasPrefix(calls[0], "rpm ") {
		t.Fatalf("calls %q", calls)
	}
}

func TestPartialFailures(t *testing.T) {
	t.Parallel()
	rpmDir := func(t *testing.T) (hostfs.Root, string) {
		dir := t.TempDir()
		if err := os.MkdirAll(filepath.Join(dir, "var/lib/rpm"), 0o755); err != nil {
			t.Fatal(err)
		}
		root, _ := hostfs.New(dir)
		return root, dir
	}
	running := runningKernel("5.14.0-427.13.1.el9_4.x86_64")
	rpmOut := "kernel-core\t(none):5.14.0-427.13.1.el9_4\tx86_64\n"
	// The query of a private copy of the database, as the fixtures spell it.
	rpmArgv := []string{"rpm", "--dbpath", execx.PrivatePlaceholder, "-qa", "--qf", "%{NAME}\t%{EPOCH}:%{VERSION}-%{RELEASE}\t%{ARCH}\n"}

	// needs-restarting hangs: a timeout error entry, the rest intact.
	root, dir := rpmDir(t)
	fake := execx.NewFake(execx.Response{Argv: rpmArgv, Stdout: rpmOut}, execx.Response{Argv: needsRestartingArgv, Hang: true})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	res, err := New(collectors.Deps{Root: root, Run: fake, Live: running}).Collect(ctx)
	if err != nil || len(res.Errors) != 1 || !errors.Is(res.Errors[0], context.DeadlineExceeded) && !errors.Is(res.Errors[0], execx.ErrTimeout) {
		t.Fatalf("hang: %v %v", res.Errors, err)
	}
	if res.Host.Kernel.NewestInstalled == "" {
		t.Fatalf("hang lost the kernels: %+v", res.Host.Kernel)
	}

	// needs-restarting exits 2: an ExitError entry.
	fake = execx.NewFake(execx.Response{Argv: rpmArgv, Stdout: rpmOut}, execx.Response{Argv: needsRestartingArgv, Exit: 2})
	res, _ = New(collectors.Deps{Root: root, Run: fake, Live: running}).Collect(context.Background())
	var exitErr *ExitError
	if len(res.Errors) != 1 || !errors.As(res.Errors[0], &exitErr) || exitErr.Code != 2 || res.Host.Kernel.RebootFlag {
		t.Fatalf("exit 2: %v %+v", res.Errors, res.Host.Kernel)
	}

	// rpm fails: an error entry; the reboot flag is still read.
	if err := os.MkdirAll(filepath.Join(dir, "run"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "run/reboot-needed"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	fake = execx.NewFake(execx.Response{Argv: rpmArgv, Exit: 1, Stderr: "error: rpmdb open failed"})
	res, _ = New(collectors.Deps{Root: root, Run: fake, Live: running}).Collect(context.Background())
	if len(res.Errors) != 1 || !res.Host.Kernel.RebootFlag || res.Host.Kernel.Release == "" {
		t.Fatalf("rpm failure: %v %+v", res.Errors, res.Host.Kernel)
	}

	// uname fails: an error entry.
	boom := errors.New("boom")
	res, _ = New(collectors.Deps{Root: root, Run: execx.NewFake(), Live: collectortest.FailingLive{Err: boom}}).Collect(context.Background())
	if !slices.ContainsFunc(res.Errors, func(e error) bool { return errors.Is(e, boom) }) {
		t.Fatalf("uname failure: %v", res.Errors)
	}
}

// runningKernel is a running x86_64 host whose kernel is release.
func runningKernel(release string) collectors.LiveFacts {
	l := &fixture.Live{}
	l.Kernel.Release, l.Kernel.Machine = release, "x86_64"
	return l.Facts()
}

func TestBadRebootPkgs(t *testing.T) {
	t.Parallel()
	root := collectortest.Root(t, map[string]string{"run/reboot-required": "", "run/reboot-required.pkgs": "\x00\x01binary"})
	res, err := New(collectors.Deps{Root: root, Run: execx.NewFake()}).Collect(context.Background())
	if err != nil || !res.Host.Kernel.RebootFlag || len(res.Errors) != 1 || !errors.Is(res.Errors[0], ErrMalformed) {
		t.Fatalf("%+v %v %v", res.Host.Kernel, res.Errors, err)
	}
}

func TestCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := New(collectors.Deps{Root: hostfs.Live()}).Collect(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

func TestSources(t *testing.T) {
	t.Parallel()
	s := New(collectors.Deps{}).Sources()
	if s.Detects == "" || s.NotDetected == "" || !slices.Contains(s.Files, "/run/reboot-required") || len(s.Commands) == 0 {
		t.Fatalf("%+v", s)
	}
}

func BenchmarkCollect(b *testing.B) {
	root, err := hostfs.New("testdata/debian12-newer-installed/rootfs")
	if err != nil {
		b.Fatal(err)
	}
	c := New(collectors.Deps{Root: root, Run: execx.NewFake(), Log: zerolog.Nop(), Live: runningKernel("6.1.0-26-amd64")})
	for b.Loop() {
		if _, err := c.Collect(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// TestLivePatchCases checks the live-patch facts each live-patch case
// exists for, independently of the golden files.
func TestLivePatchCases(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		dir, system, effective string
		patches, cves          int
		covers                 bool
	}{
		{dir: "ubuntu2204-livepatch", system: "canonical-livepatch", patches: 1},
		{dir: "rhel9-kpatch", system: "kpatch", patches: 1}, // the disabled patch is not counted
		{dir: "cloudlinux8-kernelcare", system: "kernelcare", effective: "4.18.0-553.16.1.lve.el8.x86_64", cves: 3, covers: true},
		{dir: "oracle8-ksplice", system: "ksplice", effective: "5.15.0-208.159.3.2.el8uek.x86_64", covers: true},
		{dir: "debian12-newer-installed"}, // none
	} {
		t.Run(c.dir, func(t *testing.T) {
			t.Parallel()
			res := runCase(t, filepath.Join("testdata", c.dir))
			lp := res.Host.Kernel.LivePatch
			if c.system == "" {
				if lp != nil {
					t.Fatalf("live patch claimed: %+v", lp)
				}
				return
			}
			if lp == nil {
				t.Fatal("no live patch found")
			}
			if lp.System != c.system || lp.EffectiveRelease != c.effective || len(lp.Patches) != c.patches || lp.CVEs != c.cves || lp.CoversNewest != c.covers {
				t.Errorf("live patch = %+v, want system %s effective %q, %d patches, %d CVEs, covers %v", lp, c.system, c.effective, c.patches, c.cves, c.covers)
			}
		})
	}
}

// TestLivePatchNotLive: a root that is not a running host has no running
// kernel to patch, whatever files it holds.
func TestLivePatchNotLive(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "proc/kcare"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "proc/kcare/effective_version"), []byte("9.9.9\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res := runCase(t, dir)
	if lp := res.Host.Kernel.LivePatch; lp != nil {
		t.Fatalf("live patch claimed on an image: %+v", lp)
	}
}

// TestLivePatchMalformed: junk in the live-patch files claims nothing and
// breaks nothing: an "enabled" that is neither 0 nor 1, an empty
// effective_version, a cvelist without CVE lines.
func TestLivePatchMalformed(t *testing.T) {
	t.Parallel()
	root := collectortest.Root(t, map[string]string{
		"sys/kernel/livepatch/p1/enabled":    "yes\n",
		"sys/kernel/livepatch/p2/enabled":    "\x00\xff",
		"sys/kernel/livepatch/p3/transition": "1\n", // no enabled file
		"proc/kcare/effective_version":       "\n",
		"proc/kcare/cvelist":                 "not a cve\n",
	})
	o := &collectors.Recorder{}
	if lp := livePatch(context.Background(), root, execx.NewFake(), "6.1.0-28-amd64", o); lp != nil {
		t.Fatalf("live patch claimed from junk: %+v", lp)
	}
	if n := countCVEs([]byte("CVE-2024-1\n  CVE-2024-2\nnot\n\n")); n != 2 {
		t.Errorf("countCVEs = %d, want 2", n)
	}
}
