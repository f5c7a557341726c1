package packages

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/internal/execx"
	"github.com/demarc/demarc/internal/hostfs"
	"github.com/demarc/demarc/report"
)

// The apt cross-checks: the native evaluation (internal/aptpolicy) against
// the real apt-get -s dist-upgrade (+ apt list for kept-back packages), as
// the collector runs it, package by package: installed version, candidate,
// architecture, origin and security flag. Without DEMARC_CI they skip when
// their inputs are missing; under DEMARC_CI they fail.

// needInput skips (fails under DEMARC_CI) when an input is missing.
func needInput(t *testing.T, ok bool, what string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("DEMARC_CI") != "" {
		t.Fatalf("DEMARC_CI is set and %s: .ci/run must provide it", what)
	}
	t.Skipf("%s: the apt cross-check needs it", what)
}

// crossCheck runs both paths of the collector on root and reports every
// disagreement; it returns the native result.
func crossCheck(t *testing.T, root hostfs.Root) *report.Updates {
	t.Helper()
	c := New(collectors.Deps{Root: root, Run: execx.Exec{}, Log: zerolog.Nop(), Now: time.Now})
	var nres collectors.Result
	native, ok := c.collectAptNative(&nres)
	if !ok {
		t.Fatalf("the native evaluation did not decide: %q", nres.Notes)
	}
	p, err := newPrivate()
	if err != nil {
		t.Fatal(err)
	}
	defer p.remove()
	var sres collectors.Result
	sim, err := c.collectApt(context.Background(), &sres, p)
	if err != nil {
		t.Fatalf("apt-get: %v", err)
	}
	if len(sres.Errors) > 0 {
		t.Fatalf("apt-get: %v", sres.Errors)
	}
	sortPackages(native)
	sortPackages(sim)
	key := func(p report.Package) string { return p.Name + ":" + p.Arch }
	got := map[string]report.Package{}
	for _, p := range native.Packages {
		got[key(p)] = p
	}
	want := map[string]report.Package{}
	for _, p := range sim.Packages {
		want[key(p)] = p
	}
	var bad, keptBack []string
	for k, w := range want {
		g, ok := got[k]
		if ok && !reflect.DeepEqual(g, w) && w.Origin == relToArchives(g.Origin) {
			// apt's resolver kept it back (a pin broke a dependency):
			// the simulation path shows its origin as apt list does,
			// archives only, which the native path cannot foresee.
			keptBack = append(keptBack, k)
			g.Origin = w.Origin
		}
		switch {
		case !ok:
			bad = append(bad, fmt.Sprintf("%s: apt %s → %s (%s, security %v); native: not pending", k, w.Installed, w.Candidate, w.Origin, w.Security))
		case !reflect.DeepEqual(g, w):
			bad = append(bad, fmt.Sprintf("%s: apt %+v; native %+v", k, w, g))
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			bad = append(bad, fmt.Sprintf("%s: native %s → %s (%s, security %v); apt: not pending", k, g.Installed, g.Candidate, g.Origin, g.Security))
		}
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Error(b)
	}
	if a, b := downgradeNote(nres.Notes), downgradeNote(sres.Notes); a != b {
		t.Errorf("downgrades: native %q, apt %q", a, b)
	}
	if native.SecurityDataAvailable != sim.SecurityDataAvailable {
		t.Errorf("security data available: native %v, apt %v", native.SecurityDataAvailable, sim.SecurityDataAvailable)
	}
	t.Logf("%s: %d pending (%d security) both ways; kept back by apt's resolver %q; apt-get notes %q", root.Dir(), sim.Count, sim.SecurityCount, keptBack, sres.Notes)
	return native
}

// downgradeNote is the note about downgrades and reinstalls, if any.
func downgradeNote(notes []string) string {
	for _, n := range notes {
		if strings.Contains(n, "downgrade or reinstall") {
			return n
		}
	}
	return ""
}

// relToArchives turns apt-get's origins ("Debian:12.8/stable,
// Debian-Security:12/stable-security") into apt list's ("stable,stable-security").
func relToArchives(origin string) string {
	var out []string
	for _, part := range strings.Split(origin, ", ") {
		out = append(out, part[strings.LastIndexByte(part, '/')+1:])
	}
	return strings.Join(out, ",")
}

// TestAptNativeAgreesLive: on the machine the tests run on.
func TestAptNativeAgreesLive(t *testing.T) {
	needTool(t, "apt-get")
	_, err := os.Stat("/var/lib/dpkg/status")
	needInput(t, err == nil, "this machine has no dpkg status")
	crossCheck(t, hostfs.Live())
}

// TestAptNativeAgreesDebianRoots: on the Debian roots .ci/debian-roots
// builds (debootstrap --variant=minbase of bullseye, bookworm and trixie
// with main, -updates and -security, lists fetched), named by
// DEMARC_TEST_DEBIAN_ROOTS. Each case works on a copy of the root's apt
// state (lists hard-linked) with the dpkg status and the pins rewritten:
// packages set to older installed versions (whatever candidate apt then
// picks, security or not), a hold, pins to the base suite, below 100, a
// NotAutomatic-like suite pin, a version pin, a glob and a regex.
func TestAptNativeAgreesDebianRoots(t *testing.T) {
	needTool(t, "apt-get")
	dir := os.Getenv("DEMARC_TEST_DEBIAN_ROOTS")
	needInput(t, dir != "", "DEMARC_TEST_DEBIAN_ROOTS is not set")
	for _, suite := range []string{"bullseye", "bookworm", "trixie"} {
		src := filepath.Join(dir, suite)
		_, err := os.Stat(filepath.Join(src, ".complete"))
		needInput(t, err == nil, src+" is not a complete root")
		status, err := os.ReadFile(filepath.Join(src, "var/lib/dpkg/status"))
		if err != nil {
			t.Fatal(err)
		}
		pkgs := statusPackages(string(status))
		if len(pkgs) < 40 {
			t.Fatalf("%s: only %d packages installed", suite, len(pkgs))
		}
		// The packages of every fourth source package an older version
		// (all binaries of a source together: they depend on each other's
		// exact version): a pending update to whatever its candidate is
		// (the base suite's, -updates' or -security's). Some of the others
		// are pinned below.
		older := map[string]bool{}
		sources := map[string]bool{}
		for i, p := range pkgs {
			src := sourceOf(string(status), p)
			if i%4 == 0 {
				sources[src] = true
			}
		}
		for _, p := range pkgs {
			older[p] = sources[sourceOf(string(status), p)]
		}
		closeOlder(string(status), older)
		// The first case shows which packages have a security update
		// pending; the hold and the pins take four of them, so that each
		// changes apt's answer.
		base := crossCheck(t, aptCopy(t, src, rewriteStatus(string(status), older, nil), ""))
		if base.Count < 10 || base.SecurityCount < 4 {
			t.Fatalf("%s: %d pending, %d security: too few for the cases", suite, base.Count, base.SecurityCount)
		}
		var sec []report.Package
		for _, p := range base.Packages {
			if p.Security && !strings.Contains(p.Origin, ", ") {
				sec = append(sec, p) // only in -security: a base suite pin changes it
			}
		}
		if len(sec) < 3 {
			t.Fatalf("%s: only %d packages whose candidate is only in -security", suite, len(sec))
		}
		held, toBase, below100, verPin := sec[0], sec[0], sec[1], sec[2]
		cases := []struct {
			name    string
			hold    []string
			prefs   string
			changed []report.Package // whose result must differ from the first case's
		}{
			{"a hold", []string{held.Name}, "", nil},
			{"pins", nil, "Package: " + toBase.Name + "\nPin: release n=" + suite + "\nPin-Priority: 990\n\n" +
				"Package: " + below100.Name + "\nPin: release a=*-security\nPin-Priority: 50\n\n" +
				"Package: " + verPin.Name + "\nPin: version " + strings.TrimSuffix(versionOf(string(status), verPin.Name), "~old") + "\nPin-Priority: 1001\n\n" +
				"Package: lib*\nPin: release n=" + suite + "-updates\nPin-Priority: 80\n\n" +
				"Package: /^(bash|dpkg|tar)$/\nPin: origin deb.debian.org\nPin-Priority: 600\n",
				[]report.Package{toBase, below100, verPin}},
			{"a NotAutomatic-like security suite", nil, "Package: *\nPin: release l=Debian-Security\nPin-Priority: 1\n", sec[:1]},
		}
		for _, tc := range cases {
			t.Run(suite+"/"+tc.name, func(t *testing.T) {
				root := aptCopy(t, src, rewriteStatus(string(status), older, tc.hold), tc.prefs)
				u := crossCheck(t, root)
				for _, c := range tc.changed {
					for _, p := range u.Packages {
						if reflect.DeepEqual(p, c) {
							t.Errorf("%s: the case did not change %+v", tc.name, c)
						}
					}
				}
			})
		}
	}
}

// closeOlder adds to older every package that depends on the exact
// installed version of one in it (= or >=), until none is left: apt sees
// an installed package whose relations differ from the archive's stanza
// of the same version as another version, and would "reinstall" it.
func closeOlder(status string, older map[string]bool) {
	versions := map[string]string{}
	deps := map[string][][]string{}
	for _, st := range strings.Split(status, "\n\n") {
		name, _ := field(st, "Package")
		versions[name], _ = field(st, "Version")
		for _, l := range strings.Split(st, "\n") {
			if strings.HasPrefix(l, "Depends: ") || strings.HasPrefix(l, "Pre-Depends: ") {
				deps[name] = append(deps[name], depRE.FindAllStringSubmatch(l, -1)...)
			}
		}
	}
	for changed := true; changed; {
		changed = false
		for name, ds := range deps {
			for _, d := range ds {
				if !older[name] && older[d[1]] && d[4] == versions[d[1]] {
					older[name], changed = true, true
				}
			}
		}
	}
}

// statusPackages lists the installed packages of a dpkg status in order.
func statusPackages(status string) []string {
	var out []string
	for _, st := range strings.Split(status, "\n\n") {
		if name, ok := field(st, "Package"); ok && strings.Contains(st, "\nStatus: install ok installed") {
			out = append(out, name)
		}
	}
	return out
}

func field(stanza, key string) (string, bool) {
	for _, l := range strings.Split(stanza, "\n") {
		if v, ok := strings.CutPrefix(l, key+": "); ok {
			return v, true
		}
	}
	return "", false
}

// sourceOf is the source package of pkg (its own name when the stanza
// has no Source field).
func sourceOf(status, pkg string) string {
	for _, st := range strings.Split(status, "\n\n") {
		if n, _ := field(st, "Package"); n == pkg {
			if src, ok := field(st, "Source"); ok {
				src, _, _ = strings.Cut(src, " ")
				return src
			}
			return pkg
		}
	}
	return pkg
}

func versionOf(status, pkg string) string {
	for _, st := range strings.Split(status, "\n\n") {
		if n, _ := field(st, "Package"); n == pkg {
			v, _ := field(st, "Version")
			return v
		}
	}
	return ""
}

// depRE is one versioned relation of a Depends or Pre-Depends field.
var depRE = regexp.MustCompile(`([a-z0-9][a-z0-9.+-]*)(:[a-z0-9]+)? \((=|>=) ([^)]+)\)`)

// rewriteStatus gives the packages of older the version "<version>~old"
// (older than any released one), and their relations to each other's
// exact versions ("= 1.2-3", ">= 1.2-3") the same, so that the status
// stays consistent and apt-get simulates; it marks those of hold held.
func rewriteStatus(status string, older map[string]bool, hold []string) string {
	stanzas := strings.Split(status, "\n\n")
	versions := map[string]string{}
	for _, st := range stanzas {
		name, _ := field(st, "Package")
		versions[name], _ = field(st, "Version")
	}
	for i, st := range stanzas {
		name, _ := field(st, "Package")
		lines := strings.Split(st, "\n")
		for j, l := range lines {
			if v, ok := strings.CutPrefix(l, "Version: "); ok && older[name] {
				lines[j] = "Version: " + v + "~old"
			}
			if strings.HasPrefix(l, "Depends: ") || strings.HasPrefix(l, "Pre-Depends: ") {
				lines[j] = depRE.ReplaceAllStringFunc(l, func(m string) string {
					sub := depRE.FindStringSubmatch(m)
					if !older[sub[1]] || sub[4] != versions[sub[1]] {
						return m
					}
					return sub[1] + sub[2] + " (" + sub[3] + " " + sub[4] + "~old)"
				})
			}
			if l == "Status: install ok installed" && contains(hold, name) {
				lines[j] = "Status: hold ok installed"
			}
		}
		stanzas[i] = strings.Join(lines, "\n")
	}
	return strings.Join(stanzas, "\n\n")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// aptCopy makes a root with the apt state of src: its sources, its lists
// (hard links, copies across file systems), the given dpkg status and
// preferences.
func aptCopy(t *testing.T, src, status, prefs string) hostfs.Root {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{"var/lib/dpkg/status": status, "etc/apt/preferences.d/.keep": "", "etc/apt/apt.conf.d/.keep": ""}
	if prefs != "" {
		files["etc/apt/preferences.d/cross-check"] = prefs
	}
	writeTree(t, dir, files)
	for _, sub := range []string{"etc/apt/sources.list", "var/lib/dpkg/arch"} {
		if b, err := os.ReadFile(filepath.Join(src, sub)); err == nil {
			writeTree(t, dir, map[string]string{sub: string(b)})
		}
	}
	lists, err := filepath.Glob(filepath.Join(src, "var/lib/apt/lists/*_*"))
	if err != nil || len(lists) == 0 {
		t.Fatalf("%s: no apt lists (%v)", src, err)
	}
	dst := filepath.Join(dir, "var/lib/apt/lists")
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, l := range lists {
		to := filepath.Join(dst, filepath.Base(l))
		if err := os.Link(l, to); err != nil {
			copyFile(t, l, to)
		}
	}
	root, err := hostfs.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
