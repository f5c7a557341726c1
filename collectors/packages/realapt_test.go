package packages

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/internal/execx"
	"github.com/demarc/demarc/internal/hostfs"
)

// aptRoot builds the smallest root the real apt answers for under Dir=:
// a dpkg status with hello 1.0-1 installed, one source and its list files
// (a Release and a Packages offering hello 1.0-2). With broken, hello also
// depends on a package nobody has, so apt-get refuses to simulate.
func aptRoot(t *testing.T, broken bool) string {
	t.Helper()
	needTool(t, "apt-get")
	out, err := exec.Command(needTool(t, "dpkg"), "--print-architecture").Output()
	if err != nil {
		t.Fatal(err)
	}
	arch := strings.TrimSpace(string(out))
	dep := ""
	if broken {
		dep = "Depends: libnowhere1\n"
	}
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"var/lib/dpkg/status": "Package: hello\nStatus: install ok installed\nPriority: optional\nSection: devel\n" +
			"Maintainer: T <t@example.org>\nArchitecture: " + arch + "\nVersion: 1.0-1\n" + dep + "Description: test\n test\n\n",
		"etc/apt/sources.list":        "deb [trusted=yes] file:///srv/repo stable main\n",
		"etc/apt/preferences.d/.keep": "",
		"var/lib/apt/lists/_srv_repo_dists_stable_Release": "Origin: Test\nLabel: Test\nSuite: stable\nCodename: stable\n" +
			"Architectures: " + arch + "\nComponents: main\nDate: Mon, 01 Jan 2024 00:00:00 UTC\n",
		"var/lib/apt/lists/_srv_repo_dists_stable_main_binary-" + arch + "_Packages": "Package: hello\nArchitecture: " + arch +
			"\nVersion: 1.0-2\nPriority: optional\nSection: devel\nMaintainer: T <t@example.org>\n" + dep +
			"Filename: pool/hello_1.0-2.deb\nSize: 100\nSHA256: " + strings.Repeat("0", 64) + "\nDescription: test\n\n",
		"var/log/apt/.keep": "",
	})
	return dir
}

// realCollect runs the packages collector's apt-get path with the real
// runner on dir.
func realCollect(t *testing.T, dir string) (collectors.Result, error) {
	t.Helper()
	root, err := hostfs.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	c := New(collectors.Deps{Root: root, Run: execx.Exec{}, Log: zerolog.Nop(), Now: time.Now})
	c.simulateOnly = true // these tests are about apt-get's writes
	return c.Collect(context.Background())
}

// TestRealAptWritesNothing: the real apt-get, run by the collector on a
// root, writes nothing into the root (it used to write
// var/log/apt/eipp.log.xz on every run) nor, when the root's /var/log is a
// symlink leading out of it, into the directory it leads to.
func TestRealAptWritesNothing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		logOutside bool
	}{{"plain root", false}, {"var/log links out of the root", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := aptRoot(t, false)
			outside := t.TempDir()
			if tc.logOutside {
				if err := os.MkdirAll(filepath.Join(outside, "apt"), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.RemoveAll(filepath.Join(dir, "var/log")); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(outside, filepath.Join(dir, "var/log")); err != nil {
					t.Fatal(err)
				}
			}
			before, beforeOut := snapshot(t, dir), snapshot(t, outside)
			res, err := realCollect(t, dir)
			if err != nil {
				t.Fatal(err)
			}
			sameSnapshot(t, "the scanned root", before, snapshot(t, dir))
			sameSnapshot(t, "the directory the root's /var/log leads to", beforeOut, snapshot(t, outside))
			u := res.Updates
			if u == nil || u.Count != 1 || u.Packages[0].Name != "hello" || u.Packages[0].Installed != "1.0-1" || u.Packages[0].Candidate != "1.0-2" {
				t.Errorf("updates %+v", u)
			}
			if u != nil && strings.Contains(u.Source, os.TempDir()+"/"+privatePrefix) {
				t.Errorf("source names the private directory: %s", u.Source)
			}
		})
	}
}

// TestRealAptFallbackWritesNothing: when apt-get refuses to simulate
// (unmet dependencies), the apt list fallback writes nothing either, and
// the note shows apt's E: line, not apt's stable-CLI warning.
func TestRealAptFallbackWritesNothing(t *testing.T) {
	t.Parallel()
	dir := aptRoot(t, true)
	before := snapshot(t, dir)
	res, err := realCollect(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	sameSnapshot(t, "the scanned root", before, snapshot(t, dir))
	if u := res.Updates; u == nil || u.Count != 1 || !strings.HasPrefix(u.Source, "apt ") {
		t.Errorf("updates %+v", u)
	}
	if len(res.Notes) == 0 || !strings.Contains(res.Notes[0], "(E: ") || strings.Contains(res.Notes[0], aptStableCLIWarning) {
		t.Errorf("notes %q", res.Notes)
	}
}

// TestRealAptIgnoresRootConfig: the root's apt.conf.d is never read. A
// hostile snippet there names a dpkg binary that would leave a marker (apt
// runs Dir::Bin::dpkg at start-up), hooks, and a log directory outside the
// root; none of them may take effect.
func TestRealAptIgnoresRootConfig(t *testing.T) {
	t.Parallel()
	dir := aptRoot(t, false)
	outside := t.TempDir()
	marker := filepath.Join(outside, "marker")
	script := filepath.Join(dir, "usr/local/bin/evil")
	writeTree(t, dir, map[string]string{
		"usr/local/bin/evil": "#!/bin/sh\ntouch " + marker + "\n",
		"etc/apt/apt.conf.d/99evil": `Dir::Bin::dpkg "` + script + `";` + "\n" +
			`Dir::Log "` + outside + `/log";` + "\n" + `Dir::Log::Planner "` + outside + `/eipp.log.xz";` + "\n" +
			`APT::Update::Pre-Invoke { "touch ` + marker + `"; };` + "\n" +
			`DPkg::Pre-Invoke { "touch ` + marker + `"; };` + "\n" +
			`Dir::Cache::pkgcache "` + outside + `/pkgcache.bin";` + "\n",
		"etc/apt/apt.conf": `Dir::Bin::dpkg "` + script + `";` + "\n",
	})
	if err := os.Chmod(script, 0o755); err != nil {
		t.Fatal(err)
	}
	before, beforeOut := snapshot(t, dir), snapshot(t, outside)
	res, err := realCollect(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	sameSnapshot(t, "the scanned root", before, snapshot(t, dir))
	sameSnapshot(t, "the directory the root's configuration names", beforeOut, snapshot(t, outside))
	if u := res.Updates; u == nil || u.Count != 1 {
		t.Errorf("updates %+v", u)
	}
}
