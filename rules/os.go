package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/demarc/demarc/internal/pkgmgr"
	"github.com/demarc/demarc/internal/words"
	"github.com/demarc/demarc/report"
	"github.com/demarc/demarc/rules/lifecycle"
)

// operatingSystem judges the OS release: from the operating_system
// component, else Host.OS.
func (x *evaluation) operatingSystem() {
	c, ok := x.osComponent()
	if !ok {
		return
	}
	x.os.id, x.os.version = strings.ToLower(c.Product), c.Version
	x.os.name = firstNonEmpty(x.in.Host.OS.Name, detail(c, "pretty_name"), c.Product)
	p := x.osProduct()
	x.os.product = p
	if p != nil {
		x.os.name = p.Title
	}
	if product(x.os.id).Rolling { // no cycles: judged by pending updates only
		x.note("%s is a rolling release without release cycles: judged by its pending updates only", x.os.name)
		return
	}
	s := x.newSubject(c, p)
	s.layer = report.LayerOperatingSystem
	if p == nil {
		x.os.status = lifecycle.Status{State: lifecycle.StateUnknown, DaysLeft: -1,
			Why: fmt.Sprintf("no lifecycle data for the operating system %q", x.os.id)}
	} else {
		x.os.status = p.Evaluate(c.Version, x.at)
	}
	if x.os.status.State == lifecycle.StateUnknown && x.os.version == "" {
		x.os.status.Why = "the release has no VERSION_ID (a testing or unstable branch has no release cycle)"
	}
	o := x.osOwner()
	var g gap
	if x.os.status.State == lifecycle.StateUnknown {
		g = x.unknownGap(s, x.os.status)
	} else if sg, ok := x.stateGap(s, x.os.status); ok {
		g = sg
	} else if mg, ok := x.majorGap(s, x.os.status); ok {
		g = mg
	} else {
		return // current and newest; point releases are judged through pending updates
	}
	if g.kind == report.KindExtendedSupport {
		x.extendedChannel(&g)
	}
	x.os.findingKind = g.kind
	x.os.findingID = x.finish(g, o)
}

// extendedChannel says whether the host receives the paid extended window
// its OS release is in, where the catalogue names the channel that carries
// it and the scan could read which channels the host fetches: not
// attached, the window covers the release but no fix reaches this host,
// and the gap is as urgent as an end of life without one.
func (x *evaluation) extendedChannel(g *gap) {
	ch := product(x.os.id).ExtendedChannel
	h := x.in.Host.OS
	if ch == "" || !h.ChannelsKnown {
		return
	}
	if slices.Contains(h.Channels, ch) {
		g.what += fmt.Sprintf("; this host receives it (%s)", strings.Join(h.Channels, ", "))
		g.evidence = append(g.evidence, "extended-support channels: "+strings.Join(h.Channels, ", "))
		return
	}
	g.what += fmt.Sprintf(", which this host does not receive (no %s index among its package lists), so none of those fixes reach it", ch)
	g.severity = report.SeverityHigh
	g.remediation = fmt.Sprintf("Attach the host to the extended-support subscription (%s), or ", ch) + lowerFirst(g.remediation)
	g.evidence = append(g.evidence, "extended-support channels: none ("+ch+" not fetched)")
}

// osComponent returns the OS as a component: the collector's, else one
// made from Host.OS.
func (x *evaluation) osComponent() (report.Component, bool) {
	for _, c := range x.in.Components {
		if c.Layer == report.LayerOperatingSystem && c.Product != "" {
			return c, true
		}
	}
	h := x.in.Host.OS
	if h.ID == "" {
		return report.Component{}, false
	}
	return report.Component{Layer: report.LayerOperatingSystem, Product: h.ID, Version: h.VersionID,
		Source: firstNonEmpty(h.Source, "host.os"), Details: map[string]string{"pretty_name": h.PrettyName}}, true
}

// osProduct maps the os-release ID to lifecycle data: CentOS Stream
// shares ID "centos" with CentOS Linux and is told apart by its name.
func (x *evaluation) osProduct() *lifecycle.Product {
	id := x.os.id
	if id == "centos" {
		name := x.in.Host.OS.Name + " " + x.in.Host.OS.PrettyName
		for _, c := range x.in.Components {
			if c.Layer == report.LayerOperatingSystem {
				name += " " + detail(c, "pretty_name")
			}
		}
		if strings.Contains(strings.ToLower(name), "stream") {
			id = "centos-stream"
		}
	}
	return x.e.data.Product(id)
}

// osSubjectGap is the shared skeleton of the OS's updates and reboot gaps.
func (x *evaluation) osGap(kind report.Kind) gap {
	g := gap{kind: kind, layer: report.LayerOperatingSystem, product: firstNonEmpty(x.os.id, "os"),
		display: firstNonEmpty(x.os.name, "Operating system"), installed: x.os.version}
	if x.os.status.Cycle != nil {
		g.cycle = x.os.status.Cycle.Name
	}
	return g
}

// updates judges pending OS package updates.
func (x *evaluation) updates() {
	u := x.in.Updates
	if u == nil {
		return
	}
	stale := ""
	if u.MetadataAgeSeconds > staleMetadataSeconds {
		stale = fmt.Sprintf(" (the package lists are %d days old, so there may be more)", u.MetadataAgeSeconds/86400)
	}
	if u.Count == 0 {
		if stale != "" {
			x.note("no pending %s updates found, but the package lists are %d days old: refresh them (%s)",
				u.Manager, u.MetadataAgeSeconds/86400, refreshCommand(u.Manager))
		}
		return
	}
	g := x.osGap(report.KindUpdatesPending)
	g.installed = u.PendingText()
	g.severity, g.what = pendingText(u)
	if sev, counts := advisorySeverity(u); counts != "" {
		g.severity = sev
		g.what += " (" + counts + ")"
	}
	g.what += stale
	g.remediation = upgradeCommand(u.Manager)
	if stale != "" {
		g.remediation = "Refresh the package lists (" + refreshCommand(u.Manager) + "), then " + lowerFirst(g.remediation)
	}
	g.evidence = updateEvidence(u)
	x.os.updatesID = x.finish(g, x.osOwner())
}

// pendingText is the severity and the fact of pending updates, in
// grammatical English for one update or many.
func pendingText(u *report.Updates) (report.Severity, string) {
	n, sec := u.Count, u.SecurityCount
	pending := fmt.Sprintf("%d %s updates are pending", n, u.Manager)
	if n == 1 {
		pending = fmt.Sprintf("1 %s update is pending", u.Manager)
	}
	switch {
	case sec > 0 && n == 1:
		return report.SeverityHigh, pending + ", a security fix"
	case sec > 0 && sec == n:
		return report.SeverityHigh, pending + ", all of them security fixes"
	case sec == 1:
		return report.SeverityHigh, pending + ", 1 of them a security fix"
	case sec > 0:
		return report.SeverityHigh, fmt.Sprintf("%s, %d of them security fixes", pending, sec)
	case !u.SecurityDataAvailable && n == 1:
		return report.SeverityMedium, pending + " and the repositories publish no security data, so it may be a security fix"
	case !u.SecurityDataAvailable:
		return report.SeverityMedium, pending + " and the repositories publish no security data, so some may be security fixes"
	case n == 1:
		return report.SeverityLow, pending + ", not marked as a security fix"
	}
	return report.SeverityLow, pending + ", none marked as a security fix"
}

// advisoryLevel is one rating of a repository's advisories.
type advisoryLevel struct {
	name string
	sev  report.Severity
}

// advisoryLevels map the severities repositories give their security
// advisories (Red Hat's and SUSE's scale: Critical, Important, Moderate,
// Low) to the finding's, most severe first.
var advisoryLevels = []advisoryLevel{
	{"critical", report.SeverityCritical},
	{"important", report.SeverityHigh},
	{"moderate", report.SeverityMedium},
	{"low", report.SeverityLow},
}

// advisorySeverity is the pending updates' severity by the advisories
// they fix, where the repositories rate them: the highest rating among the
// security updates (one whose advisory carries no rating counts as high,
// as any security fix does without ratings), and the counts by rating
// ("2 critical, 5 important, 1 unrated"). counts is "" when no update
// carries a rating: the severity then stays pendingText's. The counts are
// of packages; where SecurityCount counts something else (zypper's
// patches), they say so ("by package: …").
func advisorySeverity(u *report.Updates) (report.Severity, string) {
	n := make([]int, len(advisoryLevels))
	unrated, rated, security := 0, false, 0
	for _, p := range u.Packages {
		if !p.Security {
			continue
		}
		security++
		i := slices.IndexFunc(advisoryLevels, func(l advisoryLevel) bool { return strings.EqualFold(l.name, p.Severity) })
		if i < 0 {
			unrated++
			continue
		}
		n[i]++
		rated = true
	}
	if !rated {
		return "", ""
	}
	var parts []string
	sev := report.Severity("")
	for i, l := range advisoryLevels {
		if n[i] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[i], l.name))
			if sev == "" {
				sev = l.sev
			}
		}
	}
	if unrated > 0 {
		parts = append(parts, fmt.Sprintf("%d unrated", unrated))
		if sev != report.SeverityCritical {
			sev = report.SeverityHigh
		}
	}
	if security != u.SecurityCount {
		return sev, "by package: " + strings.Join(parts, ", ")
	}
	return sev, strings.Join(parts, ", ")
}

// staleMetadataSeconds is the repository metadata age past which pending
// updates are said to be incomplete: a week.
const staleMetadataSeconds = 7 * 86400

func updateEvidence(u *report.Updates) []string {
	ev := []string{fmt.Sprintf("%s: %d upgradable, %s", firstNonEmpty(u.Source, u.Manager), u.Count, u.SecurityText())}
	n := 0
	for _, p := range u.Packages {
		if !p.Security {
			continue
		}
		if n == 10 {
			ev = append(ev, "…")
			break
		}
		ev = append(ev, fmt.Sprintf("%s %s → %s (security)", p.Name, p.Installed, p.Candidate))
		n++
	}
	return ev
}

// upgradeCommand is the remediation of pending updates: the manager's
// own command from its descriptor (what the server knows of a manager,
// never a command text a host sent).
func upgradeCommand(manager string) string {
	if m, ok := pkgmgr.Get(manager); ok {
		return "Install them (" + m.Upgrade + ")"
	}
	return "Install them with the OS package manager"
}

func refreshCommand(manager string) string {
	if m, ok := pkgmgr.Get(manager); ok {
		return m.Refresh
	}
	return "the package manager's refresh"
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// reboot judges a pending reboot: a newer kernel installed than running,
// or the OS's own flag.
func (x *evaluation) reboot() {
	k := x.in.Host.Kernel
	if !k.NewerInstalled && !k.RebootFlag {
		return
	}
	g := x.osGap(report.KindRebootRequired)
	g.product = firstNonEmpty(x.os.id, "os") + "/kernel"
	g.display = firstNonEmpty(x.platform(), x.os.name, "Operating system") + " kernel" // Proxmox VE ships its own
	g.installed = k.Release
	lp := k.LivePatch
	switch {
	case k.NewerInstalled && lp != nil && lp.CoversNewest:
		g.latest = k.NewestInstalled
		g.severity = report.SeverityLow
		g.what = fmt.Sprintf("the running kernel %s is older than the installed %s, but %s brings it to %s: the installed kernel's fixes are active without a reboot, which is still due to boot it",
			firstNonEmpty(k.Release, "(unknown)"), k.NewestInstalled, lp.Name(), lp.EffectiveRelease)
	case k.NewerInstalled && lp != nil:
		g.latest = k.NewestInstalled
		g.severity = report.SeverityMedium
		g.what = fmt.Sprintf("the running kernel %s is older than the installed %s; live patches (%s) are applied to it and may carry some of its fixes, not all of them, so the rest wait for a reboot",
			firstNonEmpty(k.Release, "(unknown)"), k.NewestInstalled, livePatchWhat(lp))
	case k.NewerInstalled:
		g.latest = k.NewestInstalled
		g.severity = report.SeverityMedium
		g.what = fmt.Sprintf("the running kernel %s is older than the installed %s, so its fixes are not active until a reboot",
			firstNonEmpty(k.Release, "(unknown)"), firstNonEmpty(k.NewestInstalled, "newer kernel"))
	default:
		g.severity = report.SeverityLow
		g.what = "the operating system says a reboot is required to finish installing updates"
	}
	g.remediation = "Reboot the server in a maintenance window"
	ev := []string{}
	if k.Source != "" {
		ev = append(ev, "kernels: "+k.Source)
	}
	if k.RebootFlag {
		ev = append(ev, "reboot flag set")
	}
	if len(k.RebootPackages) > 0 {
		ev = append(ev, "reboot requested by: "+strings.Join(k.RebootPackages, ", "))
	}
	if up := x.in.Host.UptimeSeconds; up >= 86400 {
		ev = append(ev, "up "+words.Count(int(up/86400), "day", "days")+" since the last boot")
	} else if up > 0 {
		ev = append(ev, "up less than a day since the last boot")
	}
	if k.Built != "" {
		ev = append(ev, "running kernel built "+k.Built)
	}
	if lp != nil {
		ev = append(ev, "live patching: "+livePatchWhat(lp))
		ev = append(ev, lp.Evidence...)
	}
	g.evidence = ev
	x.finish(g, x.osOwner())
}

// livePatchWhat says which live patches run: "KernelCare, effective
// 4.18.0-553.16.1.lve.el8.x86_64, 3 CVEs", "kpatch, 1 patch".
func livePatchWhat(lp *report.LivePatch) string {
	parts := []string{lp.Name()}
	if lp.EffectiveRelease != "" {
		parts = append(parts, "effective "+lp.EffectiveRelease)
	}
	if lp.CVEs > 0 {
		parts = append(parts, words.Count(lp.CVEs, "CVE", "CVEs"))
	}
	if len(lp.Patches) > 0 {
		parts = append(parts, words.Count(len(lp.Patches), "patch", "patches"))
	}
	return strings.Join(parts, ", ")
}
