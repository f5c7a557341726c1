package packages

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/internal/collectortest"
	"github.com/demarc/demarc/internal/execx"
	"github.com/demarc/demarc/internal/hostfs"
	"github.com/demarc/demarc/internal/pkgmgr"
)

// TestRealApt runs the real apt of the machine the tests run on and checks
// only what holds everywhere: no error, Count equal to the list's length,
// no more security updates than updates.
func TestRealApt(t *testing.T) {
	if _, err := exec.LookPath("apt-get"); err != nil {
		t.Skip("apt-get is not installed here: the real apt test needs a Debian or Ubuntu machine")
	}
	if _, err := os.Stat("/var/lib/dpkg/status"); err != nil {
		t.Skip("no dpkg database here")
	}
	c := New(collectors.Deps{Root: hostfs.Live(), Run: execx.Exec{}, Log: zerolog.Nop(), Now: time.Now})
	res, err := c.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	u := res.Updates
	if u == nil || u.Manager != "apt" {
		t.Fatalf("no apt updates: %+v", res)
	}
	if u.Count != len(u.Packages) || u.SecurityCount > u.Count || u.SecurityCount < 0 {
		t.Errorf("count %d, security %d, %d packages", u.Count, u.SecurityCount, len(u.Packages))
	}
	for _, e := range res.Errors {
		t.Errorf("partial error: %v", e)
	}
}

func TestDetect(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		files   []string
		link    string
		manager string
		binary  string
	}{
		{[]string{"var/lib/dpkg/status", "etc/apt/sources.list"}, "", "apt", "apt-get"},
		{[]string{"var/lib/dpkg/status"}, "", "", ""}, // dpkg without apt
		{[]string{"etc/dnf/dnf.conf", "usr/bin/dnf-3"}, "dnf-3", "dnf", "dnf"},
		{[]string{"etc/dnf/dnf.conf", "usr/bin/dnf5"}, "dnf5", "dnf", "dnf"},
		{[]string{"etc/yum.conf"}, "", "yum", "yum"},
		{[]string{"etc/zypp/zypp.conf"}, "", "zypper", "zypper"},
		{[]string{"lib/apk/db/installed"}, "", "apk", "apk"},
		{[]string{"etc/os-release"}, "", "", ""},
	} {
		dir := t.TempDir()
		for _, f := range tt.files {
			p := filepath.Join(dir, f)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if tt.link != "" {
			if err := os.Symlink(tt.link, filepath.Join(dir, "usr/bin/dnf")); err != nil {
				t.Fatal(err)
			}
		}
		root, err := hostfs.New(dir)
		if err != nil {
			t.Fatal(err)
		}
		m := detect(root)
		switch {
		case tt.manager == "" && m != nil:
			t.Errorf("%v: detected %s", tt.files, m.Name)
		case tt.manager != "" && (m == nil || m.Name != tt.manager || m.Binary != tt.binary):
			t.Errorf("%v: got %+v", tt.files, m)
		}
		if tt.link != "" && isDnf5(root) != (tt.link == "dnf5") {
			t.Errorf("%v: dnf5 %v", tt.files, isDnf5(root))
		}
	}
}

// TestAptNotNewer: an Inst line whose candidate is not newer (a downgrade
// by pinning, a reinstall) is not an update.
func TestAptNotNewer(t *testing.T) {
	t.Parallel()
	root := collectortest.Root(t, map[string]string{"var/lib/dpkg/status": "", "etc/apt/sources.list": ""})
	c := New(collectors.Deps{Root: root, Log: zerolog.Nop()})
	c.simulateOnly = true
	argv := append(append([]string{"apt-get"}, c.aptOptions()...), "-o", "APT::Get::Show-User-Simulation-Note=false", "-s", "-q", "-V", "dist-upgrade")
	// Real lines: apt reinstalling a package whose status entry differs from
	// the archive's (same version), and a pinned downgrade.
	out := "Inst apt [2.6.2] (2.6.2 Debian-Security:12/oldstable-security [amd64])\n" +
		"Inst curl [7.88.1-10+deb12u15] (7.88.1-10+deb12u14 Debian:12.15/oldstable [amd64])\n" +
		"Inst jq [1.6-2.1+deb12u1] (1.6-2.1+deb12u3 Debian-Security:12/oldstable-security [amd64])\n" +
		"3 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n"
	c.deps.Run = execx.NewFake(execx.Response{Argv: argv, Stdout: out})
	res, err := c.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if u := res.Updates; u == nil || u.Count != 1 || u.Packages[0].Name != "jq" || u.SecurityCount != 1 || u.MetadataAgeSeconds != -1 {
		t.Errorf("got %+v", res.Updates)
	}
	if len(res.Notes) != 1 {
		t.Errorf("notes %v", res.Notes)
	}
}

func TestSources(t *testing.T) {
	t.Parallel()
	c := New(collectors.Deps{})
	s := c.Sources()
	if c.Name() != "packages" || s.Detects == "" || len(s.Commands) == 0 || len(s.Files) == 0 || s.Privileges == "" || s.NotDetected == "" {
		t.Errorf("%+v", s)
	}
}

// TestCancelled: a cancelled scan stops the package manager and says so.
func TestCancelled(t *testing.T) {
	t.Parallel()
	root, err := hostfs.New(filepath.Join("testdata", "apt-hang", "rootfs"))
	if err != nil {
		t.Fatal(err)
	}
	c := New(collectors.Deps{Root: root, Log: zerolog.Nop()})
	argv := append(append([]string{"apt-get"}, c.aptOptions()...), "-o", "APT::Get::Show-User-Simulation-Note=false", "-s", "-q", "-V", "dist-upgrade")
	c.deps.Run = execx.NewFake(execx.Response{Argv: argv, Hang: true})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.Collect(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v", err)
	}
}

// BenchmarkParseAptSimulation parses a synthetic simulation of 5,000
// upgrades (a large, long-unpatched host) with their Conf lines.
func BenchmarkParseAptSimulation(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("Reading package lists...\nBuilding dependency tree...\nCalculating upgrade...\nThe following packages have been kept back:\n   held (1.0-1 => 1.0-2)\n")
	const n = 5000
	for i := range n {
		fmt.Fprintf(&sb, "Inst package-%d [1.%d-1] (1.%d-1+deb12u1 Debian:12.15/oldstable, Debian-Security:12/oldstable-security [amd64]) []\n", i, i, i)
		fmt.Fprintf(&sb, "Conf package-%d (1.%d-1+deb12u1 Debian:12.15/oldstable, Debian-Security:12/oldstable-security [amd64])\n", i, i)
	}
	fmt.Fprintf(&sb, "%d upgraded, 0 newly installed, 0 to remove and 1 not upgraded.\n", n)
	in := []byte(sb.String())
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		s, err := parseAptSimulation(in)
		if err != nil || len(s.Upgrades) != n || s.verify() != nil {
			b.Fatal(err)
		}
	}
}

// TestEveryManagerHasAParser: a manager described in pkgmgr is one the
// collector can ask.
func TestEveryManagerHasAParser(t *testing.T) {
	t.Parallel()
	for _, m := range pkgmgr.Managers {
		if _, ok := parsers[m.Name]; !ok {
			t.Errorf("pkgmgr describes %s, but the collector has no parser for it", m.Name)
		}
	}
	for name := range parsers {
		if _, ok := pkgmgr.Get(name); !ok {
			t.Errorf("parser for %s, which pkgmgr does not describe", name)
		}
	}
}

// TestAptNativeRunsNothing: another root's apt updates are computed from
// its files on a machine without apt-get (the old path returned
// ErrNotApplicable there), and nothing is run; with a phased candidate the
// native path does not decide and the collector says why before needing
// apt-get.
func TestAptNativeRunsNothing(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"var/lib/dpkg/status": "Package: dpkg\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.21.22\n\n" +
			"Package: openssl\nStatus: install ok installed\nArchitecture: amd64\nVersion: 3.0.15-1~deb12u1\n",
		"etc/apt/sources.list": "deb http://deb.debian.org/debian-security bookworm-security main\n",
		"var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_InRelease":                  "Origin: Debian\nLabel: Debian-Security\nSuite: oldstable-security\nVersion: 12\nCodename: bookworm-security\n",
		"var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages": "Package: openssl\nVersion: 3.0.17-1~deb12u2\nArchitecture: amd64\n",
	}
	run := execx.NewFake()
	c := New(collectors.Deps{Root: collectortest.Root(t, files), Run: run, Log: zerolog.Nop()})
	res, err := c.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	u := res.Updates
	if u == nil || u.Source != "native: dpkg status + 1 apt lists" || u.Count != 1 || u.SecurityCount != 1 || !u.SecurityDataAvailable ||
		u.Packages[0].Origin != "Debian-Security:12/oldstable-security" || len(run.Calls()) != 0 || len(res.Notes) != 0 {
		t.Errorf("got %+v, notes %q, calls %q", u, res.Notes, run.Calls())
	}
	files["var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages"] += "Phased-Update-Percentage: 10\n"
	c = New(collectors.Deps{Root: collectortest.Root(t, files), Run: execx.NewFake(), Log: zerolog.Nop()})
	res, err = c.Collect(context.Background())
	if !errors.Is(err, collectors.ErrNotApplicable) || len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "phased update") {
		t.Errorf("err %v, notes %q", err, res.Notes)
	}
}
