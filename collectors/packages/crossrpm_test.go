package packages

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/internal/execx"
	"github.com/demarc/demarc/internal/hostfs"
	"github.com/demarc/demarc/internal/pkgdb"
	"github.com/demarc/demarc/internal/repomd"
)

// crossPkg is one package of the cross-check fixtures.
type crossPkg struct{ name, epoch, ver, rel, arch string }

func (p crossPkg) file() string { return fmt.Sprintf("%s-%s-%s.%s.rpm", p.name, p.ver, p.rel, p.arch) }

// The cross-check's packages: what the root has installed, and what the
// repositories offer. Each case is named in the comment beside it.
var (
	crossInstalled = []crossPkg{
		{"alpha", "", "1.0", "1", "x86_64"},     // security update (two advisories)
		{"beta", "", "2.0", "1", "noarch"},      // bugfix update; a better-priority repository offers an older one
		{"gamma", "1", "3.0", "1", "x86_64"},    // epoch bump to a lower version
		{"delta", "", "1.0", "1", "x86_64"},     // excluded in dnf.conf
		{"multi", "", "1.0", "1", "x86_64"},     // multilib: both arches updated
		{"multi", "", "1.0", "1", "i686"},       //
		{"epsilon", "", "1.0", "1", "x86_64"},   // only a disabled repository offers more
		{"zeta", "", "1.0", "1", "x86_64"},      // offered at the same and an older version
		{"tonoarch", "", "1.0", "1", "x86_64"},  // becomes noarch
		{"kern", "", "1.0", "1", "x86_64"},      // two versions installed (installonly-like)
		{"kern", "", "1.1", "1", "x86_64"},      //
		{"repoexcl", "", "1.0", "1", "x86_64"},  // excluded by its repository's excludepkgs
		{"secold", "", "1.0", "1", "x86_64"},    // security advisory for a version already installed
		{"onlyinst", "", "1.0", "1", "x86_64"},  // no repository has it
		{"tilde", "", "1.0~rc1", "1", "x86_64"}, // ~ sorts before the release
	}
	crossBase = []crossPkg{
		{"alpha", "", "1.0", "2", "x86_64"},
		{"beta", "", "2.1", "1", "noarch"},
		{"gamma", "2", "1.0", "1", "x86_64"},
		{"delta", "", "1.1", "1", "x86_64"},
		{"multi", "", "1.0", "2", "x86_64"},
		{"multi", "", "1.0", "2", "i686"},
		{"zeta", "", "1.0", "1", "x86_64"},
		{"zeta", "", "0.9", "1", "x86_64"},
		{"tonoarch", "", "1.1", "1", "noarch"},
		{"kern", "", "1.2", "1", "x86_64"},
		{"repoexcl", "", "1.1", "1", "x86_64"},
		{"secold", "", "1.0", "1", "x86_64"},
		{"tilde", "", "1.0", "1", "x86_64"},
		{"newpkg", "", "1.0", "1", "x86_64"}, // not installed: no update
	}
	crossExtra = []crossPkg{{"beta", "", "2.0", "5", "noarch"}} // priority=10
	crossOff   = []crossPkg{{"epsilon", "", "9.0", "1", "x86_64"}}
)

// crossUpdateinfo is the base repository's updateinfo.xml: security and
// bugfix advisories with CVE references.
const crossUpdateinfo = `<?xml version="1.0" encoding="UTF-8"?>
<updates>
  <update from="test" status="final" type="security" version="1">
    <id>TEST-2026:0001</id><title>alpha</title><severity>Important</severity><issued date="2026-01-01 00:00:00"/>
    <references><reference href="https://example.invalid/1" id="CVE-2026-1111" type="cve" title="c"/></references>
    <description>d</description>
    <pkglist><collection short="c"><name>c</name>
      <package name="alpha" version="1.0" release="2" epoch="0" arch="x86_64"><filename>alpha-1.0-2.x86_64.rpm</filename></package>
      <package name="gamma" version="1.0" release="1" epoch="2" arch="x86_64"><filename>gamma-1.0-1.x86_64.rpm</filename></package>
    </collection></pkglist>
  </update>
  <update from="test" status="final" type="security" version="1">
    <id>TEST-2026:0002</id><title>alpha again</title><severity>Moderate</severity><issued date="2026-01-02 00:00:00"/>
    <references><reference href="https://example.invalid/2" id="CVE-2026-2222" type="cve" title="c"/><reference href="https://example.invalid/b" id="123" type="bugzilla" title="b"/></references>
    <description>d</description>
    <pkglist><collection short="c"><name>c</name>
      <package name="alpha" version="1.0" release="2" epoch="0" arch="x86_64"><filename>alpha-1.0-2.x86_64.rpm</filename></package>
      <package name="secold" version="1.0" release="1" epoch="0" arch="x86_64"><filename>secold-1.0-1.x86_64.rpm</filename></package>
      <package name="kern" version="1.1" release="1" epoch="0" arch="x86_64"><filename>kern-1.1-1.x86_64.rpm</filename></package>
      <package name="multi" version="1.0" release="2" epoch="0" arch="i686"><filename>multi-1.0-2.i686.rpm</filename></package>
    </collection></pkglist>
  </update>
  <update from="test" status="final" type="bugfix" version="1">
    <id>TEST-2026:0003</id><title>beta</title><issued date="2026-01-03 00:00:00"/>
    <references/><description>d</description>
    <pkglist><collection short="c"><name>c</name>
      <package name="beta" version="2.1" release="1" epoch="0" arch="noarch"><filename>beta-2.1-1.noarch.rpm</filename></package>
      <package name="tilde" version="1.0" release="1" epoch="0" arch="x86_64"><filename>tilde-1.0-1.x86_64.rpm</filename></package>
    </collection></pkglist>
  </update>
</updates>
`

// crossFixtures are built once per test binary.
var crossFixtures struct {
	once sync.Once
	dir  string // RPMS/<arch>/*.rpm, and the repositories base, extra, off
	err  error
}

func buildCrossFixtures(t *testing.T) string {
	t.Helper()
	rpmbuild, createrepo, modifyrepo := needTool(t, "rpmbuild"), needTool(t, "createrepo_c"), needTool(t, "modifyrepo_c")
	crossFixtures.once.Do(func() {
		crossFixtures.err = func() error {
			dir, err := os.MkdirTemp("", "demarc-rpm-cross-")
			if err != nil {
				return err
			}
			crossFixtures.dir = dir
			spec := filepath.Join(dir, "p.spec")
			if err := os.WriteFile(spec, []byte("Name: %{n}\nVersion: %{v}\nRelease: %{r}\n%{?e:Epoch: %{e}}\nSummary: t\nLicense: MIT\n%{?na:BuildArch: noarch}\n%description\nt\n%files\n"), 0o644); err != nil {
				return err
			}
			built := map[string]bool{}
			for _, set := range [][]crossPkg{crossInstalled, crossBase, crossExtra, crossOff} {
				for _, p := range set {
					if built[p.file()] {
						continue
					}
					built[p.file()] = true
					argv := []string{rpmbuild, "-bb", "--quiet", "--define", "_topdir " + dir, "--define", "_build_id_links none",
						"--define", "n " + p.name, "--define", "v " + p.ver, "--define", "r " + p.rel}
					if p.epoch != "" {
						argv = append(argv, "--define", "e "+p.epoch)
					}
					if p.arch == "noarch" {
						argv = append(argv, "--define", "na 1")
					} else {
						argv = append(argv, "--target", p.arch)
					}
					if err := command(append(argv, spec)); err != nil {
						return err
					}
				}
			}
			for name, set := range map[string][]crossPkg{"base": crossBase, "extra": crossExtra, "off": crossOff} {
				repo := filepath.Join(dir, "repos", name)
				if err := os.MkdirAll(repo, 0o755); err != nil {
					return err
				}
				for _, p := range set {
					if err := os.Link(filepath.Join(dir, "RPMS", p.arch, p.file()), filepath.Join(repo, p.file())); err != nil {
						return err
					}
				}
				if err := command([]string{createrepo, "-q", repo}); err != nil {
					return err
				}
			}
			ui := filepath.Join(dir, "updateinfo.xml")
			if err := os.WriteFile(ui, []byte(crossUpdateinfo), 0o644); err != nil {
				return err
			}
			return command([]string{modifyrepo, "--mdtype=updateinfo", ui, filepath.Join(dir, "repos/base/repodata")})
		}()
	})
	if crossFixtures.err != nil {
		t.Fatal(crossFixtures.err)
	}
	return crossFixtures.dir
}

// crossRoot installs crossInstalled into a new root with rpm (database
// only), configures the three repositories and fills dnf's cache with the
// real dnf, as the host's own dnf makecache would have.
func crossRoot(t *testing.T, dnf string) (dir, home string) {
	t.Helper()
	fx := buildCrossFixtures(t)
	dir = t.TempDir()
	db := filepath.Join(dir, "var/lib/rpm")
	if err := os.MkdirAll(db, 0o755); err != nil {
		t.Fatal(err)
	}
	argv := []string{"rpm", "--dbpath", db, "-i", "--justdb", "--nodeps", "--noscripts", "--notriggers", "--ignorearch"}
	for _, p := range crossInstalled {
		argv = append(argv, filepath.Join(fx, "RPMS", p.arch, p.file()))
	}
	if err := command(argv); err != nil {
		t.Fatal(err)
	}
	repo := func(id, extra string) string {
		return "[" + id + "]\nname=" + id + "\nbaseurl=file://" + fx + "/repos/" + id + "?r=$releasever\ngpgcheck=0\n" + extra
	}
	writeTree(t, dir, map[string]string{
		"etc/dnf/dnf.conf":          "[main]\ngpgcheck=0\nexclude=delta\n",
		"etc/dnf/vars/releasever":   "9\n",
		"etc/yum.repos.d/base.repo": repo("base", "excludepkgs=repoexcl*\n"),
		"etc/yum.repos.d/more.repo": repo("extra", "priority=10\n") + "\n" + repo("off", "enabled=0\n"),
	})
	home = t.TempDir()
	writeTree(t, home, map[string]string{".rpmmacros": "%_dbpath /var/lib/rpm\n"})
	if err := command([]string{dnf, "-q", "--installroot=" + dir, "makecache"}, "HOME="+home); err != nil {
		t.Fatal(err)
	}
	return dir, home
}

// dnfOut runs the real dnf on the root, cache only.
func dnfOut(t *testing.T, dnf, dir, home string, args ...string) ([]byte, int) {
	t.Helper()
	cmd := exec.Command(dnf, append([]string{"-q", "-C", "--installroot=" + dir}, args...)...)
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", "HOME=" + home}
	out, err := cmd.Output()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out, code
}

// TestCrossCheckDnf compares the native evaluation (internal/repomd on the
// natively read RPM database) with the real dnf's check-update and
// updateinfo list --security on the same root, package by package: a
// disagreement fails and names the package.
func TestCrossCheckDnf(t *testing.T) {
	t.Parallel()
	dnf := needTool(t, "dnf")
	needTool(t, "rpm")
	dir, home := crossRoot(t, dnf)
	root, err := hostfs.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	db, err := pkgdb.Read(context.Background(), root, execx.Exec{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(db.Source, "rpmdb.sqlite") {
		t.Fatalf("database not read natively: %s", db.Source)
	}
	native, err := repomd.Evaluate(root, db)
	if err != nil {
		t.Fatal(err)
	}
	out, code := dnfOut(t, dnf, dir, home, "check-update")
	if code != 100 {
		t.Fatalf("dnf check-update exit %d:\n%s", code, out)
	}
	ups, err := parseDnfCheckUpdate(out)
	if err != nil {
		t.Fatal(err)
	}
	secOut, code := dnfOut(t, dnf, dir, home, "updateinfo", "list", "--security")
	if code != 0 {
		t.Fatalf("dnf updateinfo exit %d:\n%s", code, secOut)
	}
	sec, err := parseUpdateinfo(secOut)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, u := range ups {
		a := sec[u.Name+"."+u.Arch]
		if a == nil {
			a = &advisories{}
		}
		want[u.Name+"."+u.Arch] = fmt.Sprintf("%s from %s, security %v %v %s", u.EVR, u.Repo, len(a.IDs) > 0, a.IDs, a.Severity)
	}
	got := map[string]string{}
	for _, u := range native.Updates {
		got[u.Name+"."+u.Arch] = fmt.Sprintf("%s from %s, security %v %v %s", u.Candidate, u.Repo, u.Security, u.Advisories, u.Severity)
	}
	var keys []string
	for k := range want {
		keys = append(keys, k)
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if got[k] != want[k] {
			t.Errorf("%s: native %q, dnf %q", k, got[k], want[k])
		}
	}
	if len(want) < 8 {
		t.Errorf("dnf lists only %d updates: the fixture lost its cases\n%s", len(want), out)
	}
	for _, u := range native.Updates {
		if u.Name == "alpha" && (strings.Join(u.Advisories, " ") != "TEST-2026:0001 TEST-2026:0002" || u.Severity != "Important" || strings.Join(u.CVEs, " ") != "CVE-2026-1111 CVE-2026-2222") {
			t.Errorf("alpha's advisories: %+v", u)
		}
	}
	if !native.SecurityDataAvailable {
		t.Error("updateinfo not seen")
	}
	// The collector answers natively, with the same packages.
	res, err := realCollect(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	if u := res.Updates; u == nil || !strings.HasPrefix(u.Source, nativeSource) || u.Count != len(native.Updates) || !u.SecurityDataAvailable {
		t.Fatalf("collector: %+v, errors %v", res.Updates, res.Errors)
	}
	for _, p := range res.Updates.Packages {
		if p.Name == "alpha" && strings.Join(p.CVEs, " ") != "CVE-2026-1111 CVE-2026-2222" {
			t.Errorf("the report's alpha carries CVEs %q", p.CVEs)
		}
	}
	// On a scanning machine with neither rpm nor dnf (a RHEL root scanned
	// from Debian): the same answer, and no command run at all.
	bare := execx.NewFake()
	c := New(collectors.Deps{Root: root, Run: bare, Log: zerolog.Nop(), Now: time.Now})
	res2, err := c.Collect(context.Background())
	if err != nil || res2.Updates == nil || res2.Updates.Count != res.Updates.Count || len(bare.Calls()) != 0 {
		t.Fatalf("without rpm and dnf: %+v %v, calls %v", res2.Updates, err, bare.Calls())
	}
	t.Logf("dnf and native agree on %d updates:\n%s", len(want), out)
}
