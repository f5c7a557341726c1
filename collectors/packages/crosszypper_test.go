package packages

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/demarc/demarc/internal/hostfs"
	"github.com/demarc/demarc/internal/repomd"
)

// TestCrossCheckZypper compares repomd.MatchSecurity with the real
// zypper on one root: the cross-check fixtures' installed packages and
// their base repository (whose updateinfo has two security advisories and
// a bugfix one), refreshed into libzypp's raw cache by zypper itself. The
// security patches zypper's list-patches calls needed must be exactly the
// advisories MatchSecurity matches to list-updates' packages, and the
// collector, run with the real zypper, must mark those packages with
// them.
func TestCrossCheckZypper(t *testing.T) {
	t.Parallel()
	zypper := needTool(t, "zypper")
	fx := buildCrossFixtures(t)
	dir := t.TempDir()
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
	zyp := zypperAdvisoryRepo(t)
	repo := func(id, dir string) string {
		return "[" + id + "]\nname=" + id + "\nenabled=1\nautorefresh=0\nbaseurl=file://" + dir + "\ntype=rpm-md\ngpgcheck=0\n"
	}
	writeTree(t, dir, map[string]string{
		"etc/zypp/zypp.conf":         "[main]\n",
		"etc/zypp/repos.d/base.repo": repo("base", fx+"/repos/base"),
		"etc/zypp/repos.d/zyp.repo":  repo("zyp", zyp),
	})
	scratch := t.TempDir()
	env := []string{"HOME=" + scratch, "ZYPP_LOGFILE=" + scratch + "/log", "ZYPPTMPDIR=" + scratch, "ZYPP_READONLY_HACK=1"}
	if err := command([]string{zypper, "--non-interactive", "--root", dir, "refresh"}, env...); err != nil {
		t.Fatal(err)
	}
	zout := func(args ...string) *zypperOutput {
		t.Helper()
		cmd := exec.Command(zypper, append([]string{"--non-interactive", "--no-refresh", "--xmlout", "--root", dir}, args...)...)
		cmd.Env = append([]string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"}, env...)
		b, err := cmd.Output()
		if ee, ok := err.(*exec.ExitError); ok && !zypperOK(ee.ExitCode()) || err != nil && !ok {
			t.Fatalf("zypper %v: %v", args, err)
		}
		out, err := parseZypperXML(b)
		if err != nil {
			t.Fatalf("zypper %v: %v\n%s", args, err, b)
		}
		return out
	}
	var zypperNeeded []string
	for _, p := range zout("list-patches", "--category", "security").Updates {
		// zypper 1.14 lists every needed patch here, each with its category.
		if p.Status == "needed" && p.Category == "security" {
			zypperNeeded = append(zypperNeeded, p.Name)
		}
	}
	root, err := hostfs.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	var advs []repomd.Advisory
	for _, alias := range []string{"base", "zyp"} {
		a, ok, err := repomd.ReadAdvisories(root, repomd.ZyppRawCache+"/"+alias, nil)
		if err != nil || !ok {
			t.Fatalf("raw cache advisories of %s: %v %v", alias, ok, err)
		}
		advs = append(advs, a...)
	}
	if len(advs) != 3+len(zypperAdvisories) {
		t.Fatalf("%d advisories in the raw cache", len(advs))
	}
	installed := map[string]string{}
	for _, p := range crossInstalled { // the newest of each name.arch
		installed[p.name+"."+p.arch] = evrOf(p)
	}
	var pending []repomd.Pending
	for _, u := range zout("list-updates").Updates {
		pending = append(pending, repomd.Pending{Name: u.Name, Arch: u.Arch, Installed: firstNonEmpty(u.EditionOld, installed[u.Name+"."+u.Arch]), Candidate: u.Edition})
	}
	sec, err := repomd.MatchSecurity(advs, pending)
	if err != nil {
		t.Fatal(err)
	}
	matched := map[string]bool{}
	for _, s := range sec {
		for _, id := range s.Advisories {
			matched[id] = true
		}
	}
	var ours []string
	for id := range matched {
		ours = append(ours, id)
	}
	// zypper also needs the patches no pending update reaches (a fix
	// newer than any candidate, a package no repository updates): those
	// count in SecurityCount and mark no package.
	unreached := []string{"ZYP-2026:4", "ZYP-2026:5"}
	ours = append(ours, unreached...)
	sort.Strings(ours)
	sort.Strings(zypperNeeded)
	if strings.Join(ours, " ") != strings.Join(zypperNeeded, " ") || len(ours) < 5 {
		t.Errorf("needed security patches: zypper %v, MatchSecurity %v and the unreached %v (pending %+v)", zypperNeeded, ours, unreached, pending)
	}

	// The collector, asking the real zypper, marks the same packages.
	res, err := realCollect(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Errors {
		t.Errorf("partial error: %v", e)
	}
	if res.Updates == nil || res.Updates.SecurityCount != len(zypperNeeded) {
		t.Fatalf("updates %+v", res.Updates)
	}
	for _, p := range res.Updates.Packages {
		want, ok := sec[p.Name+"."+p.Arch]
		if p.Security != ok || strings.Join(p.Advisories, " ") != strings.Join(want.Advisories, " ") ||
			p.Severity != want.Severity || strings.Join(p.CVEs, " ") != strings.Join(want.CVEs, " ") {
			t.Errorf("%s.%s: %+v, want %+v", p.Name, p.Arch, p, want)
		}
	}
}

// evrOf is a cross-check package's version as rpm prints it.
func evrOf(p crossPkg) string {
	s := p.ver + "-" + p.rel
	if p.epoch != "" {
		s = p.epoch + ":" + s
	}
	return s
}

// zypperAdvisories are SUSE-shaped security advisories (lowercase
// severities, status stable) for the cross-check's packages, one package
// each, in a repository of their own: each is needed or not on its own.
var zypperAdvisories = []struct{ id, severity, pkg, evr, arch string }{
	{"ZYP-2026:1", "moderate", "tonoarch", "1.1-1", "noarch"},  // installed x86_64, offered noarch: needed
	{"ZYP-2026:2", "critical", "delta", "1.1-1", "x86_64"},     // the candidate: needed
	{"ZYP-2026:3", "low", "secold", "1.0-1", "x86_64"},         // installed already: not needed
	{"ZYP-2026:4", "important", "beta", "9.0-1", "noarch"},     // newer than the candidate 2.1-1: needed, not reached
	{"ZYP-2026:5", "important", "onlyinst", "2.0-1", "x86_64"}, // no repository updates it: needed, not reached
	{"ZYP-2026:6", "low", "newpkg", "1.0-1", "x86_64"},         // not installed: not needed
}

// zypperAdvisoryRepo builds (once per call) a repository holding no
// package and the updateinfo of zypperAdvisories.
func zypperAdvisoryRepo(t *testing.T) string {
	t.Helper()
	createrepo, modifyrepo := needTool(t, "createrepo_c"), needTool(t, "modifyrepo_c")
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<updates>\n")
	for _, a := range zypperAdvisories {
		v, r, _ := strings.Cut(a.evr, "-")
		b.WriteString(`<update from="maint-coord@suse.de" status="stable" type="security" version="1"><id>` + a.id + `</id>` +
			`<title>t</title><severity>` + a.severity + `</severity><release>t</release><issued date="1767225600"/>` +
			`<references><reference href="https://example.invalid/" id="CVE-2026-9` + a.id[len(a.id)-1:] + `" title="c" type="cve"/></references>` +
			`<description>d</description><pkglist><collection><package name="` + a.pkg + `" epoch="0" version="` + v + `" release="` + r +
			`" arch="` + a.arch + `"><filename>` + a.pkg + `.rpm</filename></package></collection></pkglist></update>` + "\n")
	}
	b.WriteString("</updates>\n")
	repo := filepath.Join(dir, "repo")
	ui := filepath.Join(dir, "updateinfo.xml")
	if err := os.MkdirAll(repo, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ui, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, argv := range [][]string{{createrepo, "-q", repo}, {modifyrepo, "--mdtype=updateinfo", ui, filepath.Join(repo, "repodata")}} {
		if err := command(argv); err != nil {
			t.Fatal(err)
		}
	}
	return repo
}
