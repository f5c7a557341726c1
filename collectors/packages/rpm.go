package packages

import (
	"bytes"
	"context"
	"fmt"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/report"
)

// rpmFlavor is one of the RPM-family front ends.
type rpmFlavor int

const (
	dnf4 rpmFlavor = iota
	dnf5
	yum
)

// rpmCache globs each flavor's cached repomd.xml files.
var rpmCache = map[rpmFlavor]string{
	dnf4: "/var/cache/dnf/*/repodata/repomd.xml",
	dnf5: "/var/cache/libdnf5/*/repodata/repomd.xml",
	yum:  "/var/cache/yum/*/*/*/repomd.xml",
}

func rpmCollect(f rpmFlavor) func(*Collector, context.Context, *collectors.Result, *private) (*report.Updates, error) {
	return func(c *Collector, ctx context.Context, res *collectors.Result, p *private) (*report.Updates, error) {
		return c.collectRPM(ctx, res, f, p)
	}
}

// rpmBase is the command and the global options of every call: quiet,
// cache-only (no network; a regular user may read the system cache), and
// --installroot under another root.
func (c *Collector) rpmBase(f rpmFlavor) []string {
	bin := "dnf"
	if f == yum {
		bin = "yum"
	}
	argv := []string{bin, "-q", "-C"}
	if !c.deps.Root.IsLive() {
		argv = append(argv, "--installroot="+c.deps.Root.Dir())
	}
	return argv
}

// collectRPM lists pending updates with dnf or yum, joins the installed
// versions from the package database, and marks the packages that
// security advisories (updateinfo) update.
func (c *Collector) collectRPM(ctx context.Context, res *collectors.Result, f rpmFlavor, p *private) (*report.Updates, error) {
	ups, argv, err := c.rpmCheckUpdate(ctx, res, f)
	if err != nil {
		return nil, err
	}
	u := newUpdates(argv[0], argv, p)
	installed := map[string]string{}
	if len(ups) > 0 {
		installed = c.installedVersions(ctx, res)
	}
	for _, r := range ups {
		inst := installed[r.Name+"."+r.Arch]
		if inst == "" {
			inst = installed[r.Name]
		}
		u.Packages = append(u.Packages, report.Package{Name: r.Name, Arch: r.Arch, Installed: inst, Candidate: r.EVR, Origin: r.Repo})
	}
	if !c.hasUpdateinfo(f) {
		return u, nil // CentOS 7 and old mirrors: no security metadata at all
	}
	sec, err := c.rpmSecurity(ctx, f)
	if err != nil {
		res.Errors = append(res.Errors, err)
		return u, nil
	}
	u.SecurityDataAvailable = true
	for i := range u.Packages {
		p := &u.Packages[i]
		p.Security = sec[p.Name+"."+p.Arch]
	}
	return u, nil
}

// rpmCheckUpdate runs check-update (dnf4, yum) or check-upgrade --json
// (dnf5, falling back to its text form when the JSON option is missing).
// Exit 100 means updates, 0 none, anything else failure.
func (c *Collector) rpmCheckUpdate(ctx context.Context, res *collectors.Result, f rpmFlavor) ([]rpmUpdate, []string, error) {
	base := c.rpmBase(f)
	argv := append(append([]string{}, base...), "check-update")
	parse := parseDnfCheckUpdate
	if f == dnf5 {
		argv = append(append([]string{}, base...), "check-upgrade", "--json")
		parse = parseDnf5JSON
	}
	out, err := c.run(ctx, argv)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", argv[0], err)
	}
	if f == dnf5 && out.ExitCode != 0 && out.ExitCode != 100 && !bytes.HasPrefix(bytes.TrimSpace(out.Stdout), []byte("{")) {
		res.Notes = append(res.Notes, fmt.Sprintf("dnf check-upgrade --json failed (%s); read the text output instead", firstLine(out.Stderr, out.Stdout)))
		argv = append(append([]string{}, base...), "check-upgrade")
		parse = parseDnfCheckUpdate
		if out, err = c.run(ctx, argv); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", argv[0], err)
		}
	}
	if out.ExitCode != 0 && out.ExitCode != 100 {
		return nil, nil, failed(argv, out)
	}
	ups, err := parse(out.Stdout)
	if err != nil {
		return nil, nil, fmt.Errorf("%s check-update: %w", argv[0], err)
	}
	text := argv[len(argv)-1] != "--json"
	if text && (out.ExitCode == 0 && len(ups) > 0 || out.ExitCode == 100 && len(ups) == 0) {
		return nil, nil, fmt.Errorf("%s: %w: exit %d contradicts %d update rows", argv[0], ErrUnexpectedOutput, out.ExitCode, len(ups))
	}
	return ups, argv, nil
}

// hasUpdateinfo reports whether any cached repository metadata lists an
// updateinfo file (security advisories).
func (c *Collector) hasUpdateinfo(f rpmFlavor) bool {
	paths, _ := c.deps.Root.Glob(rpmCache[f])
	for _, p := range paths {
		if b, err := c.deps.Root.ReadFile(p); err == nil && bytes.Contains(b, []byte(`type="updateinfo"`)) {
			return true
		}
	}
	return false
}

// rpmSecurity lists the packages security advisories update.
func (c *Collector) rpmSecurity(ctx context.Context, f rpmFlavor) (map[string]bool, error) {
	argv := append(c.rpmBase(f), "updateinfo", "list", "--security")
	if f == yum {
		argv = append(c.rpmBase(f), "updateinfo", "list", "security")
	}
	out, err := c.run(ctx, argv)
	if err != nil {
		return nil, fmt.Errorf("security advisories: %w", err)
	}
	if out.ExitCode != 0 {
		return nil, fmt.Errorf("security advisories: %w", failed(argv, out))
	}
	sec, err := parseUpdateinfo(out.Stdout)
	if err != nil {
		return nil, fmt.Errorf("security advisories: %w", err)
	}
	return sec, nil
}
