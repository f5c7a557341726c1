package scan

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var regenRPM = flag.Bool("regen-rpm", false, "rebuild the RPM hosts' rpmdb.sqlite, repository files and cached repodata from their recorded rpm-qa.out and dnf outputs (needs rpm, rpmbuild, createrepo_c, modifyrepo_c)")

// rpmFixtureHosts are the dnf hosts whose native inputs are generated.
// rocky8-behind and alma8-db carry modular AppStream packages and so stay
// on dnf's answer (module filtering is dnf's): the fallback is exercised.
var rpmFixtureHosts = []string{"alma8-db", "amzn2023-current", "cloudlinux8-alt-php", "colo-baremetal-dell", "cpanel-alma9",
	"cpanel-wordpress", "rhel9-reboot", "rocky8-behind", "rocky9-point-release"}

// TestRegenerateRPMFixtures writes, for each host of rpmFixtureHosts, what
// the native RPM path reads, consistent with the recorded answers of rpm
// and dnf (see testdata/hosts/README.md): a real rpmdb.sqlite written by
// rpm from empty packages with the recorded names, versions and arches
// (the *-release package providing system-release(releasever)); one
// repository file naming each cached repository; and each cache directory
// renamed to libdnf's hash of its URL, holding createrepo_c's repodata of
// empty packages at the candidate versions check-update.out lists, with
// an updateinfo.xml of the advisories updateinfo.out lists where the
// recorded repomd.xml listed updateinfo, and a modules.yaml where a
// candidate is modular.
func TestRegenerateRPMFixtures(t *testing.T) {
	if !*regenRPM {
		t.Skip("run with -regen-rpm to rebuild the RPM fixtures")
	}
	work := t.TempDir()
	spec := filepath.Join(work, "p.spec")
	if err := os.WriteFile(spec, []byte("Name: %{n}\nVersion: %{v}\nRelease: %{r}\n%{?e:Epoch: %{e}}\n%{?prov:Provides: %{prov}}\nSummary: fixture\nLicense: MIT\n%{?na:BuildArch: noarch}\n%description\nfixture\n%files\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for i, h := range rpmFixtureHosts {
		regenHost(t, filepath.Join("testdata/hosts", h), spec, filepath.Join(work, h), []string{"gz", "xz", "bz2"}[i%3])
	}
}

type nevra struct{ name, epoch, ver, rel, arch string }

func (p nevra) file() string { return fmt.Sprintf("%s-%s-%s.%s.rpm", p.name, p.ver, p.rel, p.arch) }

func parseEVR(name, evr, arch string) nevra {
	p := nevra{name: name, arch: arch}
	if e, rest, ok := strings.Cut(evr, ":"); ok {
		if e != "(none)" && e != "0" {
			p.epoch = e
		}
		evr = rest
	}
	i := strings.LastIndexByte(evr, '-')
	p.ver, p.rel = evr[:i], evr[i+1:]
	return p
}

func regenHost(t *testing.T, host, spec, work, compress string) {
	t.Helper()
	root := filepath.Join(host, "rootfs")
	osr, _ := os.ReadFile(filepath.Join(root, "etc/os-release"))
	major := ""
	for _, l := range strings.Split(string(osr), "\n") {
		if v, ok := strings.CutPrefix(l, "VERSION_ID="); ok {
			major, _, _ = strings.Cut(strings.Trim(v, `"`), ".")
		}
	}
	var installed []nevra
	qa, err := os.ReadFile(filepath.Join(host, "rpm-qa.out"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(strings.TrimSpace(string(qa)), "\n") {
		f := strings.Split(l, "\t")
		installed = append(installed, parseEVR(f[0], f[1], f[2]))
	}
	build := func(p nevra, prov string) string {
		t.Helper()
		argv := []string{"rpmbuild", "-bb", "--quiet", "--define", "_topdir " + work, "--define", "_build_id_links none",
			"--define", "n " + p.name, "--define", "v " + p.ver, "--define", "r " + p.rel}
		if p.epoch != "" {
			argv = append(argv, "--define", "e "+p.epoch)
		}
		if prov != "" {
			argv = append(argv, "--define", "prov "+prov)
		}
		if p.arch == "noarch" {
			argv = append(argv, "--define", "na 1")
		} else {
			argv = append(argv, "--target", p.arch)
		}
		regenRun(t, append(argv, spec)...)
		return filepath.Join(work, "RPMS", p.arch, p.file())
	}
	// The package database.
	releasever := ""
	var files []string
	for _, p := range installed {
		prov := ""
		if strings.HasSuffix(p.name, "-release") && releasever == "" && major != "" {
			prov, releasever = "system-release(releasever) = "+major, major
		}
		files = append(files, build(p, prov))
	}
	db := filepath.Join(root, "var/lib/rpm")
	for _, f := range []string{"rpmdb.sqlite", "rpmdb.sqlite-shm", "rpmdb.sqlite-wal", ".rpm.lock"} {
		os.Remove(filepath.Join(db, f))
	}
	regenRun(t, append([]string{"rpm", "--dbpath", work + "/db", "-i", "--justdb", "--nodeps", "--noscripts", "--notriggers", "--ignorearch"}, files...)...)
	regenRun(t, "sqlite3", work+"/db/rpmdb.sqlite", "PRAGMA journal_mode=DELETE; VACUUM;")
	regenRun(t, "cp", work+"/db/rpmdb.sqlite", filepath.Join(db, "rpmdb.sqlite"))
	basearch := ""
	for _, p := range installed {
		if p.name == "glibc" || p.name == "kernel-core" || p.name == "kernel" || p.name == "openssl-libs" || p.name == "bash" || p.name == "systemd" {
			basearch = p.arch
		}
	}
	// The candidates, by repository.
	byRepo := map[string][]nevra{}
	cu, _ := os.ReadFile(filepath.Join(host, "cmd/check-update.out"))
	for _, l := range strings.Split(string(cu), "\n") {
		f := strings.Fields(l)
		if len(f) != 3 {
			continue
		}
		i := strings.LastIndexByte(f[0], '.')
		byRepo[f[2]] = append(byRepo[f[2]], parseEVR(f[0][:i], f[1], f[0][i+1:]))
	}
	// The advisories.
	type adv struct{ id, sev string }
	advPkgs := map[adv][]nevra{}
	ui, _ := os.ReadFile(filepath.Join(host, "cmd/updateinfo.out"))
	for _, l := range strings.Split(string(ui), "\n") {
		f := strings.Fields(l)
		if len(f) != 3 {
			continue
		}
		sev, _, _ := strings.Cut(f[1], "/")
		dot := strings.LastIndexByte(f[2], '.')
		rest := f[2][:dot]
		r := strings.LastIndexByte(rest, '-')
		v := strings.LastIndexByte(rest[:r], '-')
		advPkgs[adv{f[0], sev}] = append(advPkgs[adv{f[0], sev}], parseEVR(rest[:v], rest[v+1:], f[2][dot+1:]))
	}
	// The repositories: every cached one.
	cache := filepath.Join(root, "var/cache/dnf")
	entries, err := os.ReadDir(cache)
	if err != nil {
		t.Fatal(err)
	}
	var repoFile strings.Builder
	for _, e := range entries {
		i := strings.LastIndexByte(e.Name(), '-')
		id := e.Name()[:i]
		old, _ := os.ReadFile(filepath.Join(cache, e.Name(), "repodata/repomd.xml"))
		url := "https://mirror.example.invalid/" + filepath.Base(host) + "/" + id + "/"
		expanded := url
		if releasever != "" {
			url, expanded = url+"$releasever/", expanded+releasever+"/"
		}
		if basearch != "" {
			url, expanded = url+"$basearch/", expanded+basearch+"/"
		}
		fmt.Fprintf(&repoFile, "[%s]\nname=%s\nbaseurl=%s\nenabled=1\ngpgcheck=1\n\n", id, id, url)
		sum := sha256.Sum256([]byte(expanded))
		dir := filepath.Join(cache, id+"-"+hex.EncodeToString(sum[:8]))
		if err := os.RemoveAll(filepath.Join(cache, e.Name())); err != nil {
			t.Fatal(err)
		}
		repo := filepath.Join(work, "repos", id)
		if err := os.MkdirAll(repo, 0o755); err != nil {
			t.Fatal(err)
		}
		modular := false
		var names []string
		for _, p := range byRepo[id] {
			regenRun(t, "cp", build(p, ""), repo)
			if strings.Contains(p.rel, ".module") {
				modular = true
				names = append(names, fmt.Sprintf("%s-%s:%s-%s.%s", p.name, orZero(p.epoch), p.ver, p.rel, p.arch))
			}
		}
		regenRun(t, "createrepo_c", "-q", "--general-compress-type="+compress, "--set-timestamp-to-revision", "--revision", "1764278400", repo)
		if bytes.Contains(old, []byte(`type="updateinfo"`)) {
			var x strings.Builder
			x.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<updates>\n")
			var keys []adv
			for a := range advPkgs {
				keys = append(keys, a)
			}
			sort.Slice(keys, func(i, j int) bool { return keys[i].id < keys[j].id })
			for _, a := range keys {
				var pk strings.Builder
				for _, p := range advPkgs[a] {
					if !inRepo(byRepo[id], p) {
						continue
					}
					fmt.Fprintf(&pk, "      <package name=%q version=%q release=%q epoch=%q arch=%q><filename>%s</filename></package>\n", p.name, p.ver, p.rel, orZero(p.epoch), p.arch, p.file())
				}
				if pk.Len() == 0 {
					continue
				}
				fmt.Fprintf(&x, "  <update from=\"fixture\" status=\"final\" type=\"security\" version=\"1\">\n    <id>%s</id><title>%s</title><severity>%s</severity><issued date=\"2026-11-01 00:00:00\"/>\n    <references/><description>fixture</description>\n    <pkglist><collection short=\"c\"><name>c</name>\n%s    </collection></pkglist>\n  </update>\n", a.id, a.id, a.sev, pk.String())
			}
			x.WriteString("</updates>\n")
			p := filepath.Join(work, id+"-updateinfo.xml")
			if err := os.WriteFile(p, []byte(x.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			regenRun(t, "modifyrepo_c", "--compress-type="+compress, "--mdtype=updateinfo", p, filepath.Join(repo, "repodata"))
		}
		if modular {
			y := "---\ndocument: modulemd\nversion: 2\ndata:\n  name: fixture\n  stream: \"1\"\n  version: 1\n  context: fixture\n  arch: x86_64\n  summary: fixture\n  description: fixture\n  license:\n    module: [MIT]\n  artifacts:\n    rpms:\n"
			for _, n := range names {
				y += "    - " + n + "\n"
			}
			y += "...\n"
			p := filepath.Join(work, id+"-modules.yaml")
			if err := os.WriteFile(p, []byte(y), 0o644); err != nil {
				t.Fatal(err)
			}
			regenRun(t, "modifyrepo_c", "--compress-type="+compress, "--mdtype=modules", p, filepath.Join(repo, "repodata"))
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		regenRun(t, "cp", "-r", filepath.Join(repo, "repodata"), dir)
	}
	if err := os.MkdirAll(filepath.Join(root, "etc/yum.repos.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc/yum.repos.d/fixture.repo"), []byte(repoFile.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func inRepo(ps []nevra, p nevra) bool {
	for _, q := range ps {
		if q.name == p.name && q.arch == p.arch {
			return true
		}
	}
	return false
}

func orZero(e string) string {
	if e == "" {
		return "0"
	}
	return e
}

func regenRun(t *testing.T, argv ...string) {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %v\n%s", argv, err, out)
	}
	if sc := bufio.NewScanner(bytes.NewReader(out)); sc.Scan() && testing.Verbose() {
		t.Logf("%s: %s", argv[0], sc.Text())
	}
}
