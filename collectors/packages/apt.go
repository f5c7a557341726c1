package packages

import (
	"context"
	"fmt"
	"strings"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/internal/pkgver"
	"github.com/demarc/demarc/report"
)

// aptOptions are the -o options of every apt command: no locks and, under
// another root, apt's directories and dpkg status taken from that root,
// with the binary cache kept in memory so that nothing is written there.
func (c *Collector) aptOptions() []string {
	opts := []string{"-o", "Debug::NoLocking=true"}
	if c.deps.Root.IsLive() {
		return opts
	}
	status, err := c.deps.Root.Resolve("/var/lib/dpkg/status")
	if err != nil {
		status = c.deps.Root.Dir() + "/var/lib/dpkg/status"
	}
	return append([]string{
		"-o", "Dir=" + c.deps.Root.Dir(), "-o", "Dir::State::status=" + status,
		"-o", "Dir::Cache::pkgcache=", "-o", "Dir::Cache::srcpkgcache=",
	}, opts...)
}

// collectApt simulates a dist-upgrade; see doc.go for why the simulation
// and not `apt list --upgradable`.
func (c *Collector) collectApt(ctx context.Context, res *collectors.Result) (*report.Updates, error) {
	argv := append(append([]string{"apt-get"}, c.aptOptions()...),
		"-o", "APT::Get::Show-User-Simulation-Note=false", "-s", "-q", "-V", "dist-upgrade")
	out, err := c.run(ctx, argv)
	if err != nil {
		return nil, fmt.Errorf("apt simulation: %w", err)
	}
	if out.ExitCode != 0 {
		// apt-get refuses to plan on broken dependencies; apt list still
		// answers which packages have a newer candidate.
		res.Notes = append(res.Notes, fmt.Sprintf("apt-get simulation exited %d (%s): pending updates come from apt list --upgradable instead, which shows archives but not labels or phasing",
			out.ExitCode, firstLine(out.Stderr, out.Stdout)))
		return c.aptListAll(ctx)
	}
	sim, err := parseAptSimulation(out.Stdout)
	if err == nil {
		err = sim.verify()
	}
	if err != nil {
		return nil, fmt.Errorf("apt simulation: %w", err)
	}
	u := newUpdates("apt", argv)
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
	u.Packages = append(u.Packages, c.aptHeld(ctx, sim, res)...)
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
func (c *Collector) aptHeld(ctx context.Context, sim *aptSimulation, res *collectors.Result) []report.Package {
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
	listed, err := c.aptList(ctx, argv)
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
func (c *Collector) aptListAll(ctx context.Context) (*report.Updates, error) {
	argv := append(append([]string{"apt"}, c.aptOptions()...), "list", "--upgradable")
	pkgs, err := c.aptList(ctx, argv)
	if err != nil {
		return nil, err
	}
	u := newUpdates("apt", argv)
	u.SecurityDataAvailable = c.aptHasSecuritySource()
	u.Packages = append(u.Packages, pkgs...)
	return u, nil
}

// aptList runs and parses one `apt list --upgradable`.
func (c *Collector) aptList(ctx context.Context, argv []string) ([]report.Package, error) {
	out, err := c.run(ctx, argv)
	if err != nil {
		return nil, fmt.Errorf("apt list: %w", err)
	}
	if out.ExitCode != 0 {
		return nil, failed(argv, out)
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
