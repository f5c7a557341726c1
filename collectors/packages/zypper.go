package packages

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/internal/repomd"
	"github.com/demarc/demarc/report"
)

// zypperEnv is the environment of every zypper call. ZYPP_READONLY_HACK
// makes libzypp open its database read-only instead of taking the
// system-wide zypp lock (which would block, or be blocked by, YaST and a
// running zypper). zypper's log (/var/log/zypper.log) and libzypp's
// temporary directories (/var/tmp/zypp.*) go to the private directory.
// Under another root, libzypp would read the root's /etc/zypp/zypp.conf,
// whose paths (pluginsdir: executables libzypp runs, cachedir, logs) are
// the root's to choose: ZYPP_CONF names a private zypp.conf instead that
// keeps only the root's solver and multiversion settings, which change the
// answer and name no path.
func (c *Collector) zypperEnv(p *private) ([]string, error) {
	tmp, err := p.mkdir("zypper/tmp")
	if err != nil {
		return nil, err
	}
	env := []string{"ZYPP_READONLY_HACK=1", "ZYPP_LOGFILE=" + p.dir + "/zypper/zypper.log", "ZYPPTMPDIR=" + tmp, "TMPDIR=" + tmp}
	if c.deps.Root.IsSlash() {
		return env, nil
	}
	b, _ := c.deps.Root.ReadFileLimit("/etc/zypp/zypp.conf", 1<<20)
	conf, err := p.write("zypper/zypp.conf", safeZyppConf(b))
	if err != nil {
		return nil, err
	}
	return append(env, "ZYPP_CONF="+conf), nil
}

// safeZyppConf keeps the [main] keys of a zypp.conf that shape the
// solver's answer and name no path or program: solver.* and multiversion*.
func safeZyppConf(b []byte) []byte {
	out := []byte("[main]\n")
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		key, _, ok := strings.Cut(l, "=")
		key = strings.TrimSpace(key)
		if ok && (strings.HasPrefix(key, "solver.") || strings.HasPrefix(key, "multiversion")) && !strings.ContainsAny(key, "[]") {
			out = append(out, l+"\n"...)
		}
	}
	return out
}

// zypperOK reports whether a zypper exit code is a result rather than a
// failure: 100 updates needed, 101 security updates needed, 102 reboot
// needed, 103 restart the package manager, 104 capability not found, 106
// some repositories skipped (their data is stale), 107 an rpm script
// failed earlier. 1–99 are errors, 105 an interrupt.
func zypperOK(code int) bool {
	return code == 0 || code >= 100 && code <= 107 && code != 105
}

func (c *Collector) zypperBase() []string {
	argv := []string{"zypper", "--non-interactive", "--no-refresh", "--xmlout"}
	if !c.deps.Root.IsSlash() {
		argv = append(argv, "--root", c.deps.Root.Dir())
	}
	return argv
}

// collectZypper lists package updates, counts needed security patches and
// marks the packages they update (zypperAdvisories).
// zypper prints the old version (edition-old) only in newer releases; the
// package database fills it in otherwise.
func (c *Collector) collectZypper(ctx context.Context, res *collectors.Result, p *private) (*report.Updates, error) {
	env, err := c.zypperEnv(p)
	if err != nil {
		return nil, fmt.Errorf("zypper: %w", err)
	}
	argv := append(c.zypperBase(), "list-updates")
	out, err := c.zypperRun(ctx, argv, env, res)
	if err != nil {
		return nil, err
	}
	u := newUpdates("zypper", argv, p)
	var installed map[string]string
	for _, z := range out.Updates {
		if z.Kind != "" && z.Kind != "package" {
			continue
		}
		if z.Name == "" || z.Edition == "" {
			return nil, fmt.Errorf("zypper list-updates: %w: an update without name or edition", ErrUnexpectedOutput)
		}
		inst := z.EditionOld
		if inst == "" {
			if installed == nil {
				installed = c.installedVersions(ctx, res)
			}
			inst = firstNonEmpty(installed[z.Name+"."+z.Arch], installed[z.Name])
		}
		u.Packages = append(u.Packages, report.Package{Name: z.Name, Arch: z.Arch, Installed: inst, Candidate: z.Edition, Origin: z.Alias})
	}
	patches, err := c.zypperRun(ctx, append(c.zypperBase(), "list-patches", "--category", "security"), env, res)
	if err != nil {
		res.Errors = append(res.Errors, fmt.Errorf("security patches: %w", err))
		return u, nil
	}
	u.SecurityDataAvailable = !patches.NoUpdateRepos
	needed := map[string]bool{}
	for _, p := range patches.Updates {
		if strings.EqualFold(p.Category, "security") && (p.Status == "" || p.Status == "needed") {
			u.SecurityCount++
			needed[p.Name] = true
		}
	}
	c.zypperAdvisories(u, needed, res)
	return u, nil
}

// zypperAdvisories marks the pending packages that the needed security
// patches update, with their ids, highest severity and CVEs, from the
// updateinfo of each repository in libzypp's raw cache (a patch's name is
// its updateinfo id). Only patches zypper itself lists as needed count:
// zypper's answer stays the truth (SecurityCount is its count), the raw
// cache adds what each patch says. No raw cache, or no updateinfo in it:
// nothing is marked, as before. A repository whose updateinfo cannot be
// read is an error of the result; the others still count.
func (c *Collector) zypperAdvisories(u *report.Updates, needed map[string]bool, res *collectors.Result) {
	if len(needed) == 0 || len(u.Packages) == 0 {
		return
	}
	entries, err := c.deps.Root.ReadDir(repomd.ZyppRawCache)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			res.Notes = append(res.Notes, fmt.Sprintf("%s: %v: the security patches' packages are not marked", repomd.ZyppRawCache, err))
		}
		return // no raw cache: zypper's count alone
	}
	var advs []repomd.Advisory
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		a, _, err := repomd.ReadAdvisories(c.deps.Root, repomd.ZyppRawCache+"/"+e.Name(), func(id string) bool { return needed[id] })
		if err != nil {
			res.Errors = append(res.Errors, fmt.Errorf("zypper advisories of repository %s: %w", e.Name(), err))
			continue
		}
		advs = append(advs, a...)
	}
	if len(advs) == 0 {
		return
	}
	pending := make([]repomd.Pending, 0, len(u.Packages))
	for _, p := range u.Packages {
		pending = append(pending, repomd.Pending{Name: p.Name, Arch: p.Arch, Installed: p.Installed, Candidate: p.Candidate})
	}
	sec, err := repomd.MatchSecurity(advs, pending)
	if err != nil {
		res.Errors = append(res.Errors, fmt.Errorf("zypper advisories: %w", err))
		return
	}
	for i := range u.Packages {
		p := &u.Packages[i]
		if s, ok := sec[p.Name+"."+p.Arch]; ok {
			p.Security, p.Advisories, p.Severity, p.CVEs = true, s.Advisories, s.Severity, s.CVEs
		}
	}
}

// zypperRun runs one zypper command and parses its XML.
func (c *Collector) zypperRun(ctx context.Context, argv, env []string, res *collectors.Result) (*zypperOutput, error) {
	r, err := c.run(ctx, argv, env...)
	if err != nil {
		return nil, fmt.Errorf("zypper: %w", err)
	}
	out, perr := parseZypperXML(r.Stdout)
	if !zypperOK(r.ExitCode) {
		if perr == nil && len(out.Errors) > 0 {
			r.Stderr = []byte(out.Errors[0])
		}
		return nil, failed(argv, r)
	}
	if perr != nil {
		return nil, fmt.Errorf("zypper: %w", perr)
	}
	if !out.SawStatus {
		return nil, fmt.Errorf("zypper: %w: no <update-status> in the output", ErrUnexpectedOutput)
	}
	if r.ExitCode == 106 {
		res.Notes = append(res.Notes, "zypper skipped some repositories (exit 106): their pending updates may be missing or stale")
	}
	return out, nil
}

// collectApk lists upgradable packages with apk, offline. Alpine keeps no
// security metadata on the host, so SecurityDataAvailable stays false.
func (c *Collector) collectApk(ctx context.Context, res *collectors.Result, p *private) (*report.Updates, error) {
	base := []string{"apk", "--no-network"}
	if !c.deps.Root.IsSlash() {
		base = append(base, "--root", c.deps.Root.Dir())
	}
	argv := append(append([]string{}, base...), "list", "--upgradable")
	parse := parseApkUpgradable
	out, err := c.run(ctx, argv)
	if err != nil {
		return nil, fmt.Errorf("apk: %w", err)
	}
	if out.ExitCode != 0 { // apk before `list` (Alpine < 3.7)
		res.Notes = append(res.Notes, fmt.Sprintf("apk list failed (%s); read apk version -l '<' instead", firstLine(out.Stderr, out.Stdout)))
		argv = append(append([]string{}, base...), "version", "-l", "<")
		parse = parseApkVersion
		if out, err = c.run(ctx, argv); err != nil {
			return nil, fmt.Errorf("apk: %w", err)
		}
		if out.ExitCode != 0 {
			return nil, failed(argv, out)
		}
	}
	pkgs, err := parse(out.Stdout)
	if err != nil {
		return nil, fmt.Errorf("apk: %w", err)
	}
	u := newUpdates("apk", argv, p)
	u.Packages = append(u.Packages, pkgs...)
	return u, nil
}
