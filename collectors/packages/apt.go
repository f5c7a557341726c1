package packages

import (
	"context"
	"fmt"
	"strings"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/internal/pkgver"
	"github.com/demarc/demarc/report"
)

// aptOptions are the -o options of every apt command: no locks, no
// binary cache written (pkgcache.bin, srcpkgcache.bin: built in memory),
// no log written (the planner's eipp.log.xz, which apt writes on every
// simulation, history.log, term.log: empty names turn each off), and,
// under another root, apt's directories and dpkg status taken from that
// root. On the command line they outrank every configuration file. apt
// reads the scanning machine's apt.conf and apt.conf.d, never the root's:
// it has read them before it parses Dir=.
func (c *Collector) aptOptions() []string {
	opts := []string{
		"-o", "Debug::NoLocking=true",
		"-o", "Dir::Cache::pkgcache=", "-o", "Dir::Cache::srcpkgcache=",
		"-o", "Dir::Log::Planner=", "-o", "Dir::Log::History=", "-o", "Dir::Log::Terminal=",
	}
	if c.deps.Root.IsSlash() {
		return opts
	}
	status, err := c.deps.Root.Resolve("/var/lib/dpkg/status")
	if err != nil {
		status = c.deps.Root.Dir() + "/var/lib/dpkg/status"
	}
	return append([]string{"-o", "Dir=" + c.deps.Root.Dir(), "-o", "Dir::State::status=" + status}, opts...)
}

// aptEnv points APT_CONFIG at a private configuration that moves Dir::Log
// into the private directory: whatever log a newer apt adds lands there,
// never in the root's (or the live host's) /var/log/apt. APT_CONFIG is read
// before apt.conf.d, which could override it, so the known logs are also
// switched off on the command line (aptOptions).
func aptEnv(p *private) ([]string, error) {
	logDir, err := p.mkdir("apt/log")
	if err != nil {
		return nil, err
	}
	conf, err := p.write("apt/apt.conf", []byte(fmt.Sprintf("Dir::Log %q;\n", logDir+"/")))
	if err != nil {
		return nil, err
	}
	return []string{"APT_CONFIG=" + conf}, nil
}

// collectApt simulates a dist-upgrade; see doc.go for why the simulation
// and not `apt list --upgradable`.
func (c *Collector) collectApt(ctx context.Context, res *collectors.Result, p *private) (*report.Updates, error) {
	env, err := aptEnv(p)
	if err != nil {
		return nil, fmt.Errorf("apt: %w", err)
	}
	argv := append(append([]string{"apt-get"}, c.aptOptions()...),
		"-o", "APT::Get::Show-User-Simulation-Note=false", "-s", "-q", "-V", "dist-upgrade")
	out, err := c.run(ctx, argv, env...)
	if err != nil {
		return nil, fmt.Errorf("apt simulation: %w", err)
	}
	if out.ExitCode != 0 {
		// apt-get refuses to plan on broken dependencies; apt list still
		// answers which packages have a newer candidate.
		res.Notes = append(res.Notes, fmt.Sprintf("apt-get simulation exited %d (%s): pending updates come from apt list --upgradable instead, which shows archives but not labels or phasing",
			out.ExitCode, aptError(out.Stderr, out.Stdout)))
		return c.aptListAll(ctx, env, p)
	}
	sim, err := parseAptSimulation(out.Stdout)
	if err == nil {
		err = sim.verify()
	}
	if err != nil {
		return nil, fmt.Errorf("apt simulation: %w", err)
	}
	u := newUpdates("apt", argv, p)
	u.SecurityDataAvailable = c.aptHasSecuritySource()
	skipped := 0
	for _, p := range sim.Upgrades {
		if n, err := pkgver.Compare(pkgver.Deb, p.Candidate, p.Installed); err == nil && n <= 0 {
			skipped++ // a downgrade (pinning) or a reinstall: not an update
			continue
		}
		u.Packages = append(u.Packages, p)
	}
	if skipped > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("apt would also downgrade or reinstall %d package(s); they are not counted as updates", skipped))
	}
	u.Packages = append(u.Packages, c.aptHeld(ctx, sim, res, env)...)
	if len(sim.New)+len(sim.Removed) > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("apt-get dist-upgrade would also install %d new package(s) and remove %d%s; they are not counted as updates",
			len(sim.New), len(sim.Removed), listSuffix(sim.Removed)))
	}
	return u, nil
}

// verify checks the parsed lines against apt's own summary, so that a
// line the parser missed cannot turn into a wrong count.
func (s *aptSimulation) verify() error {
	if s.Summary == nil {
		return fmt.Errorf("%w: no summary line (output cut short?)", ErrUnexpectedOutput)
	}
	for _, c := range []struct {
		what      string
		got, want int
	}{
		{"upgrade lines", len(s.Upgrades), s.Summary.Upgraded + s.Summary.Downgraded + s.Summary.Reinstalled},
		{"new-install lines", len(s.New), s.Summary.New},
		{"removal lines", len(s.Removed), s.Summary.Removed},
		{"kept-back and phased packages", len(s.Kept) + len(s.Phased), s.Summary.NotUpgraded},
	} {
		if c.got != c.want {
			return fmt.Errorf("%w: %d %s but the summary says %d", ErrUnexpectedOutput, c.got, c.what, c.want)
		}
	}
	return nil
}

// aptHeld returns the kept-back and phased packages: pending, with a newer
// candidate, but not in the Inst lines. apt prints their versions (-V) but
// not their origin, so one `apt list --upgradable <names>` supplies the
// archives (and so the security flag) and the architecture.
func (c *Collector) aptHeld(ctx context.Context, sim *aptSimulation, res *collectors.Result, env []string) []report.Package {
	var held []report.Package
	var names []string
	seen := map[string]bool{}
	for i, h := range append(append([]aptHeld{}, sim.Kept...), sim.Phased...) {
		held = append(held, report.Package{Name: h.Name, Arch: h.Arch, Installed: h.Installed, Candidate: h.Candidate, Phased: i >= len(sim.Kept)})
		if !seen[h.Name] {
			seen[h.Name] = true
			names = append(names, h.Name)
		}
	}
	if len(held) == 0 {
		return nil
	}
	argv := append(append(append([]string{"apt"}, c.aptOptions()...), "list", "--upgradable"), names...)
	listed, err := c.aptList(ctx, argv, env)
	if err != nil {
		res.Errors = append(res.Errors, fmt.Errorf("origin of kept-back packages: %w", err))
		return held
	}
	var missing []string
	for i := range held {
		h := &held[i]
		found := false
		for _, l := range listed {
			if l.Name == h.Name && (h.Arch == "" || h.Arch == l.Arch) {
				h.Arch, h.Origin, h.Security, found = l.Arch, l.Origin, l.Security, true
				h.Installed = firstNonEmpty(h.Installed, l.Installed)
				h.Candidate = firstNonEmpty(h.Candidate, l.Candidate)
				break
			}
		}
		if !found {
			missing = append(missing, h.Name)
		}
	}
	if len(missing) > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("apt list did not show the origin of %d kept-back package(s)%s", len(missing), listSuffix(missing)))
	}
	return held
}

// aptListAll is the fallback when the simulation cannot run.
func (c *Collector) aptListAll(ctx context.Context, env []string, p *private) (*report.Updates, error) {
	argv := append(append([]string{"apt"}, c.aptOptions()...), "list", "--upgradable")
	pkgs, err := c.aptList(ctx, argv, env)
	if err != nil {
		return nil, err
	}
	u := newUpdates("apt", argv, p)
	u.SecurityDataAvailable = c.aptHasSecuritySource()
	u.Packages = append(u.Packages, pkgs...)
	return u, nil
}

// aptList runs and parses one `apt list --upgradable`.
func (c *Collector) aptList(ctx context.Context, argv, env []string) ([]report.Package, error) {
	out, err := c.run(ctx, argv, env...)
	if err != nil {
		return nil, fmt.Errorf("apt list: %w", err)
	}
	if out.ExitCode != 0 {
		return nil, fmt.Errorf("%s: %w: exit %d: %s", strings.Join(argv, " "), ErrManagerFailed, out.ExitCode, aptError(out.Stderr, out.Stdout))
	}
	pkgs, err := parseAptList(out.Stdout)
	if err != nil {
		return nil, fmt.Errorf("apt list: %w", err)
	}
	return pkgs, nil
}

// aptHasSecuritySource reports whether apt has fetched the index of a
// security archive: every security archive's list file name says so
// (…_debian-security_dists_bookworm-security_InRelease,
// …_ubuntu_dists_noble-security_InRelease, …_dists_buster_updates_… from
// security.debian.org). Without one, "no security updates" means nothing.
func (c *Collector) aptHasSecuritySource() bool {
	for _, g := range []string{"/var/lib/apt/lists/*security*_InRelease", "/var/lib/apt/lists/*security*_Release"} {
		if paths, _ := c.deps.Root.Glob(g); len(paths) > 0 {
			return true
		}
	}
	return false
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// listSuffix renders up to five names as " (a, b, …)".
func listSuffix(names []string) string {
	if len(names) == 0 {
		return ""
	}
	if len(names) > 5 {
		return " (" + strings.Join(names[:5], ", ") + ", …)"
	}
	return " (" + strings.Join(names, ", ") + ")"
}

// aptStableCLIWarning starts the line apt (not apt-get) prints on stderr
// whenever its output is not a terminal; it never explains a failure.
const aptStableCLIWarning = "WARNING: apt does not have a stable CLI interface"

// aptError picks the line of apt's output that explains a failure: the
// first "E:" line, else the first "W:" line, else the first other line;
// never the stable-CLI warning.
func aptError(outs ...[]byte) string {
	var warn, other string
	for _, b := range outs {
		for _, l := range strings.Split(string(b), "\n") {
			l = strings.TrimSpace(l)
			switch {
			case l == "" || strings.HasPrefix(l, aptStableCLIWarning):
			case strings.HasPrefix(l, "E:"):
				return clip(l)
			case strings.HasPrefix(l, "W:"):
				if warn == "" {
					warn = l
				}
			case other == "":
				other = l
			}
		}
	}
	switch {
	case warn != "":
		return clip(warn)
	case other != "":
		return clip(other)
	}
	return "no output"
}
