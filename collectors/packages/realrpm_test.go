package packages

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// rpmFixtures are built once per test binary: hello 1.0-1 (installed in
// each test root) and a createrepo_c repository offering hello 1.0-2.
var rpmFixtures struct {
	once      sync.Once
	dir, err  string
	installed string // hello-1.0-1.noarch.rpm
	repo      string // a directory with hello-1.0-2.noarch.rpm and repodata/
}

func TestMain(m *testing.M) {
	code := m.Run()
	if rpmFixtures.dir != "" {
		os.RemoveAll(rpmFixtures.dir)
	}
	os.Exit(code)
}

func command(argv []string, env ...string) error {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append([]string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"}, env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return &exec.Error{Name: argv[0], Err: errorString(string(out) + err.Error())}
	}
	return nil
}

type errorString string

func (e errorString) Error() string { return string(e) }

func buildRPMFixtures(t *testing.T) {
	t.Helper()
	rpmbuild, createrepo := needTool(t, "rpmbuild"), needTool(t, "createrepo_c")
	needTool(t, "rpm")
	rpmFixtures.once.Do(func() {
		dir, err := os.MkdirTemp("", "demarc-rpm-fixtures-")
		if err != nil {
			rpmFixtures.err = err.Error()
			return
		}
		rpmFixtures.dir = dir
		spec := filepath.Join(dir, "hello.spec")
		if err := os.WriteFile(spec, []byte("Name: hello\nVersion: 1.0\nRelease: %{rel}\nSummary: t\nLicense: MIT\nBuildArch: noarch\n%description\nt\n%files\n"), 0o644); err != nil {
			rpmFixtures.err = err.Error()
			return
		}
		for _, rel := range []string{"1", "2"} {
			if err := command([]string{rpmbuild, "-bb", "--quiet", "--define", "_topdir " + filepath.Join(dir, "top"), "--define", "rel " + rel, "--define", "_build_id_links none", spec}); err != nil {
				rpmFixtures.err = err.Error()
				return
			}
		}
		rpmFixtures.installed = filepath.Join(dir, "top/RPMS/noarch/hello-1.0-1.noarch.rpm")
		rpmFixtures.repo = filepath.Join(dir, "repo")
		if err := os.MkdirAll(rpmFixtures.repo, 0o755); err != nil {
			rpmFixtures.err = err.Error()
			return
		}
		b, err := os.ReadFile(filepath.Join(dir, "top/RPMS/noarch/hello-1.0-2.noarch.rpm"))
		if err == nil {
			err = os.WriteFile(filepath.Join(rpmFixtures.repo, "hello-1.0-2.noarch.rpm"), b, 0o644)
		}
		if err == nil {
			err = command([]string{createrepo, "-q", rpmFixtures.repo})
		}
		if err != nil {
			rpmFixtures.err = err.Error()
		}
	})
	if rpmFixtures.err != "" {
		t.Fatal(rpmFixtures.err)
	}
}

// rpmRoot returns a new root with an RPM database holding hello 1.0-1, the
// fixture repository copied to /srv/repo, and files (relative path =>
// content; "${ROOT}" stands for the root's directory).
func rpmRoot(t *testing.T, files map[string]string) string {
	t.Helper()
	buildRPMFixtures(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "var/lib/rpm")
	if err := os.MkdirAll(db, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, argv := range [][]string{
		{"rpm", "--dbpath", db, "--initdb"},
		{"rpm", "--dbpath", db, "-i", "--justdb", "--nodeps", "--noscripts", "--notriggers", rpmFixtures.installed},
		{"cp", "-r", rpmFixtures.repo, filepath.Join(dir, "srv")},
	} {
		if err := os.MkdirAll(filepath.Join(dir, "srv"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := command(argv); err != nil {
			t.Fatal(err)
		}
	}
	expanded := map[string]string{}
	for k, v := range files {
		expanded[k] = strings.ReplaceAll(v, "${ROOT}", dir)
	}
	writeTree(t, dir, expanded)
	return dir
}

// TestRealDnfWritesNothing runs the real dnf (4) through the collector on
// a root whose cache was filled from a createrepo_c repository offering a
// newer hello, and whose dnf.conf is hostile: a plugin (that would leave a
// marker), a log directory climbing out of the root. The answer must be
// the pending update, and neither the root nor the directory outside it
// may change.
func TestRealDnfWritesNothing(t *testing.T) {
	t.Parallel()
	dnf := needTool(t, "dnf")
	outside := t.TempDir()
	marker := filepath.Join(outside, "plugin-ran")
	dir := rpmRoot(t, map[string]string{
		"etc/dnf/dnf.conf":          "[main]\ngpgcheck=0\n",
		"etc/dnf/vars/releasever":   "9\n",
		"etc/yum.repos.d/test.repo": "[test]\nname=test\nbaseurl=file://${ROOT}/srv/repo\ngpgcheck=0\nenabled=1\n",
	})
	// Fill the root's cache the way the host's own dnf would have.
	home := t.TempDir()
	writeTree(t, home, map[string]string{".rpmmacros": "%_dbpath /var/lib/rpm\n"})
	if err := command([]string{dnf, "-q", "--installroot=" + dir, "makecache"}, "HOME="+home); err != nil {
		t.Fatal(err)
	}
	writeTree(t, dir, map[string]string{
		"etc/dnf/dnf.conf": "[main]\ngpgcheck=0\nplugins=1\npluginpath=" + dir + "/plugins\npluginconfpath=" + dir + "/pluginconf\n" +
			"logdir=" + fromRoot(dir, outside) + "\n",
		"plugins/evil.py": "import dnf\nclass Evil(dnf.Plugin):\n    name = 'evil'\n    def __init__(self, base, cli):\n" +
			"        super().__init__(base, cli)\n        open('" + marker + "', 'w').close()\n",
		"pluginconf/evil.conf": "[main]\nenabled=1\n",
		// versionlock enabled: not decidable natively, so dnf itself is asked.
		"etc/dnf/plugins/versionlock.conf": "[main]\nenabled=1\n",
	})
	before, beforeOut := snapshot(t, dir), snapshot(t, outside)
	res, err := realCollect(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	sameSnapshot(t, "the scanned root", before, snapshot(t, dir))
	sameSnapshot(t, "the directory outside the root", beforeOut, snapshot(t, outside))
	u := res.Updates
	if u == nil || u.Manager != "dnf" || u.Count != 1 {
		t.Fatalf("updates %+v, errors %v", u, res.Errors)
	}
	if !strings.Contains(u.Source, "check-update (asked dnf: ") || !strings.Contains(u.Source, "versionlock") {
		t.Errorf("source %q: dnf was not asked, or not told why", u.Source)
	}
	if p := u.Packages[0]; p.Name != "hello" || p.Arch != "noarch" || p.Installed != "1.0-1" || p.Candidate != "1.0-2" || p.Origin != "test" {
		t.Errorf("package %+v", p)
	}
	for _, e := range res.Errors {
		t.Errorf("partial error: %v", e)
	}
}

// TestRealZypperWritesNothing runs the real zypper through the collector
// on a root whose repository cache was refreshed from the fixture
// repository, with a hostile zypp.conf (cache, logs, history and plugins
// outside the root). The answer must be the pending update; the directory
// outside must not change, nor any file of the root but one: libzypp opens
// the root's RPM database itself (it sets _dbpath from what it finds under
// --root), and sqlite rewrites rpmdb.sqlite-shm. That remaining write is
// known and reported, not hidden: the test fails if anything else changes.
func TestRealZypperWritesNothing(t *testing.T) {
	t.Parallel()
	zypper := needTool(t, "zypper")
	outside := t.TempDir()
	dir := rpmRoot(t, map[string]string{
		"etc/zypp/zypp.conf":         "[main]\n",
		"etc/zypp/repos.d/test.repo": "[test]\nname=test\nenabled=1\nautorefresh=0\nbaseurl=file://${ROOT}/srv/repo\ntype=rpm-md\ngpgcheck=0\n",
	})
	scratch := t.TempDir()
	if err := command([]string{zypper, "--non-interactive", "--root", dir, "refresh"},
		"HOME="+scratch, "ZYPP_LOGFILE="+scratch+"/log", "ZYPPTMPDIR="+scratch); err != nil {
		t.Fatal(err)
	}
	writeTree(t, dir, map[string]string{
		"etc/zypp/zypp.conf": "[main]\ncachedir = " + outside + "/cache\nconfigdir = " + outside + "/config\n" +
			"pluginsdir = " + outside + "/plugins\nhistory.logfile = " + outside + "/history\nsolver.onlyRequires = true\n",
	})
	before, beforeOut := snapshot(t, dir), snapshot(t, outside)
	hostLog := func() string { // zypper's default log, on the scanning machine
		fi, err := os.Stat("/var/log/zypper.log")
		if err != nil {
			return err.Error()
		}
		return fmt.Sprint(fi.Size(), fi.ModTime())
	}
	logBefore := hostLog()
	res, err := realCollect(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	if logBefore != hostLog() {
		t.Error("zypper wrote the scanning machine's /var/log/zypper.log")
	}
	after := snapshot(t, dir)
	for _, known := range []string{"var/lib/rpm/rpmdb.sqlite-shm", "var/lib/rpm/rpmdb.sqlite-wal", "var/lib/rpm"} {
		if after[known] != before[known] {
			t.Logf("known remaining write by libzypp: %s", known)
			after[known] = before[known]
		}
	}
	sameSnapshot(t, "the scanned root", before, after)
	sameSnapshot(t, "the directory outside the root", beforeOut, snapshot(t, outside))
	u := res.Updates
	if u == nil || u.Manager != "zypper" || u.Count != 1 {
		t.Fatalf("updates %+v, errors %v", u, res.Errors)
	}
	if p := u.Packages[0]; p.Name != "hello" || p.Arch != "noarch" || p.Installed != "1.0-1" || p.Candidate != "1.0-2" || p.Origin != "test" {
		t.Errorf("package %+v", p)
	}
}
