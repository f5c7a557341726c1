package report

import (
	"fmt"
	"time"
)

// Schema is the identifier of the report format this package writes.
const Schema = "demarc.report/v1"

// Report is one scan of one host: what is installed, which gaps the rules
// found, and whose each gap is. It is the contract between the host binary
// and demarc-server; within v1 fields are only ever added, never renamed,
// removed or retyped.
type Report struct {
	// Schema is always "demarc.report/v1".
	Schema string `json:"schema"`
	// ReportID is unique per scan; the server dedupes on it. demarc's agent
	// writes a version 7 UUID (the scan's time, then random bits), which the
	// server's index of report ids takes at its end; any id is accepted.
	ReportID string `json:"report_id"`
	// Agent names the program that wrote the report.
	Agent Agent `json:"agent"`
	// ScannedAt is when the scan started, RFC 3339 UTC.
	ScannedAt time.Time `json:"scanned_at"`
	// EvaluatedAt is the date the lifecycle rules were evaluated for
	// (YYYY-MM-DD): the scan date, or --at.
	EvaluatedAt string `json:"evaluated_at,omitempty"`
	// DurationMS is the scan's wall time in milliseconds.
	DurationMS int64 `json:"duration_ms"`
	// Host is what the host is: name, stable id, OS, kernel, virtualization.
	Host Host `json:"host"`
	// Profile is the host's service profile, from configuration and flags.
	Profile Profile `json:"profile"`
	// Components is everything the collectors found installed.
	Components []Component `json:"components"`
	// Updates is the pending OS package updates, when a package manager
	// could be asked.
	Updates *Updates `json:"updates,omitempty"`
	// Findings is every gap the rules found.
	Findings []Finding `json:"findings"`
	// Summary counts findings by responsible party and severity.
	Summary Summary `json:"summary"`
	// Lifecycle describes the lifecycle data the rules used.
	Lifecycle *LifecycleData `json:"lifecycle,omitempty"`
	// Errors lists collectors that failed, wholly or in part.
	Errors []CollectorError `json:"errors"`
	// Collectors lists every collector of the scan and how it ended, so
	// that a reader can tell a gap that is gone from a gap that was not
	// looked for (a finding whose collector is not "ok" here may have been
	// missed, not fixed: see EvidenceCollectors). Written by the scan since
	// v1.1; absent from older reports (see OutcomesOf).
	Collectors []CollectorRun `json:"collectors,omitempty"`
	// Notes lists things worth knowing that are not failures: a permission
	// denied on one file, a bounded walk cut short.
	Notes []Note `json:"notes,omitempty"`
}

// Agent names the program that wrote a report.
type Agent struct {
	// Name is "demarc".
	Name string `json:"name"`
	// Version is the program's version (from the build).
	Version string `json:"version"`
}

// OSUnidentified reports whether the scan looked for the operating system
// and found none (no os-release or other release file under the root: a
// wrong --root, or a bare directory). Then the OS, its kernel and its
// packages were not judged, and a report without findings is not a clean
// one. A scan that left the OS's collector out (--only) did not look.
func (r *Report) OSUnidentified() bool {
	o := r.Host.OS
	return o.ID == "" && o.Name == "" && o.PrettyName == "" && OutcomesOf(r).Of(osCollector).Status != CollectorNotRun
}

// UnknownOSText is what the renderings say at the top of a report whose
// operating system is unknown.
const UnknownOSText = "operating system unknown: nothing under the scanned root identifies it, " +
	"so the OS, its kernel and its packages were not judged; \"nothing found\" means nothing could be checked"

// Host is the scanned host's identity and platform.
type Host struct {
	// Hostname is the kernel's hostname on a live scan, /etc/hostname under
	// another root.
	Hostname string `json:"hostname"`
	// HostID is stable across scans and reinstalls of demarc: an
	// application-specific hash of /etc/machine-id, or the configured id.
	HostID string `json:"host_id"`
	// OS is the operating system release, from os-release or its fallbacks.
	OS OS `json:"os"`
	// Kernel is the running kernel and what the package database holds.
	Kernel Kernel `json:"kernel"`
	// Virtualization says whether the host is a guest or a host, and of what.
	Virtualization Virtualization `json:"virtualization"`
	// UptimeSeconds is the live host's uptime; absent under another root.
	UptimeSeconds int64 `json:"uptime_seconds,omitempty"`
	// Accounts are the hosting accounts a control panel keeps on a shared
	// server, with their domains' document roots and PHP versions; absent
	// when no panel lists any (or the lists are unreadable).
	Accounts []Account `json:"accounts,omitempty"`
}

// Account is one hosting account of a control panel: a customer's system
// user and the sites it serves.
type Account struct {
	// Panel is the control panel's product id ("cpanel").
	Panel string `json:"panel"`
	// User is the account's system user name.
	User string `json:"user"`
	// Owner is the reseller (or "root") that owns the account, where the
	// panel says.
	Owner string `json:"owner,omitempty"`
	// Domains are the account's sites, by name.
	Domains []AccountDomain `json:"domains"`
}

// AccountDomain is one site of an account.
type AccountDomain struct {
	// Name is the domain ("example.com").
	Name string `json:"name"`
	// DocumentRoot is the site's directory on the host.
	DocumentRoot string `json:"document_root,omitempty"`
	// PHP is the PHP the site runs, as the panel names it ("ea-php74");
	// empty when the panel does not say.
	PHP string `json:"php,omitempty"`
	// PHPInherited is true when the site sets no PHP of its own and runs
	// the server's default (PHP is then that default).
	PHPInherited bool `json:"php_inherited,omitempty"`
}

// OS is an operating system release as os-release spells it.
type OS struct {
	// ID is os-release ID: "ubuntu", "rhel", "almalinux", "rocky", "ol",
	// "cloudlinux", "amzn", "sles", "opensuse-leap", "debian", "alpine"...
	ID string `json:"id"`
	// Name is os-release NAME.
	Name string `json:"name"`
	// VersionID is os-release VERSION_ID: "22.04", "9.4", "12".
	VersionID string `json:"version_id"`
	// PrettyName is os-release PRETTY_NAME.
	PrettyName string `json:"pretty_name"`
	// Family is the broad family: "debian", "rhel", "suse", "alpine",
	// "fedora", "arch", "gentoo" or "" when unknown.
	Family string `json:"family"`
	// IDLike is os-release ID_LIKE, split.
	IDLike []string `json:"id_like,omitempty"`
	// Codename is os-release VERSION_CODENAME (or the codename in VERSION).
	Codename string `json:"codename,omitempty"`
	// Source is the file the release was read from.
	Source string `json:"source,omitempty"`
	// Channels lists the extended-support channels the host fetches
	// updates from ("esm-infra", "esm-apps" for Ubuntu Pro), from the
	// package manager's fetched indexes; a paid extended window covers
	// only a host that receives it.
	Channels []string `json:"channels,omitempty"`
	// ChannelsKnown is true when the indexes could be read, so that an
	// empty Channels means none is attached.
	ChannelsKnown bool `json:"channels_known,omitempty"`
}

// Kernel is the host's kernel: what runs and what is installed.
type Kernel struct {
	// Release is the running kernel's release (uname -r); empty when the
	// scan is not of the live root.
	Release string `json:"release"`
	// Arch is the machine architecture (uname -m), e.g. "x86_64".
	Arch string `json:"arch"`
	// NewestInstalled is the release of the newest kernel in the package
	// database, by the package manager's version order.
	NewestInstalled string `json:"newest_installed,omitempty"`
	// NewerInstalled is true when NewestInstalled sorts after the running
	// kernel's package: a reboot would change the kernel.
	NewerInstalled bool `json:"newer_installed,omitempty"`
	// RebootFlag is true when the OS itself says a reboot is pending
	// (/var/run/reboot-required, needs-restarting, zypper).
	RebootFlag bool `json:"reboot_flag,omitempty"`
	// RebootPackages lists the packages that asked for the reboot
	// (/var/run/reboot-required.pkgs).
	RebootPackages []string `json:"reboot_packages,omitempty"`
	// Source says where the installed kernels were read from.
	Source string `json:"source,omitempty"`
	// Built is the running kernel's build date (YYYY-MM-DD) where uname -v
	// carries one; empty otherwise.
	Built string `json:"built,omitempty"`
	// LivePatch is the live patching active on the running kernel; absent
	// when none is, or when the scan is not of a running host.
	LivePatch *LivePatch `json:"live_patch,omitempty"`
}

// LivePatch is live patching of the running kernel: fixes applied to it in
// memory, without a reboot.
type LivePatch struct {
	// System is what applied them: "kernelcare", "ksplice",
	// "canonical-livepatch", "kpatch", or "livepatch" (the kernel's own
	// interface, by a patch whose name says no more).
	System string `json:"system"`
	// Patches are the enabled patches the kernel lists
	// (/sys/kernel/livepatch), by name.
	Patches []string `json:"patches,omitempty"`
	// EffectiveRelease is the kernel release the patches bring the running
	// kernel to, where the system says (KernelCare, Ksplice).
	EffectiveRelease string `json:"effective_release,omitempty"`
	// CVEs is how many vulnerabilities the applied patches say they fix,
	// where the system lists them (KernelCare); 0 when not listed.
	CVEs int `json:"cves,omitempty"`
	// CoversNewest is true when EffectiveRelease sorts at or after the
	// newest installed kernel (Kernel.NewestInstalled), by the package
	// manager's version order: the patches carry the installed kernel's
	// fixes, and a reboot adds none.
	CoversNewest bool `json:"covers_newest_installed,omitempty"`
	// Evidence lists the files and commands the facts come from.
	Evidence []string `json:"evidence,omitempty"`
}

// livePatchNames are the display names of LivePatch.System.
var livePatchNames = map[string]string{
	"kernelcare":          "KernelCare",
	"ksplice":             "Ksplice",
	"canonical-livepatch": "Canonical Livepatch",
	"kpatch":              "kpatch",
	"livepatch":           "kernel live patches",
}

// Name is the live-patch system's display name ("KernelCare").
func (lp *LivePatch) Name() string {
	if n, ok := livePatchNames[lp.System]; ok {
		return n
	}
	return lp.System
}

// Virtualization says whether the host is itself virtualized.
type Virtualization struct {
	// System is the virtualization technology: "kvm", "xen", "vmware",
	// "microsoft", "openvz", "lxc", "docker"... or "" (bare metal).
	System string `json:"system"`
	// Role is "guest", "host" or "" when neither was detected.
	Role string `json:"role"`
	// Evidence lists the signals the decision was based on.
	Evidence []string `json:"evidence,omitempty"`
}

// Profile is the host's place in the provider's shared responsibility
// model.
type Profile struct {
	// Provider is the hosting provider's name, shown in rationales.
	Provider string `json:"provider"`
	// Tier is the service tier.
	Tier Tier `json:"tier"`
	// MaintenanceAgreement is true when the provider patches the OS and the
	// control panel for this host.
	MaintenanceAgreement bool `json:"maintenance_agreement"`
	// CustomerManagedVirtualisation is true when the customer runs their own
	// virtualisation layer on this host.
	CustomerManagedVirtualisation bool `json:"customer_managed_virtualisation"`
	// Tenant is the customer account the host belongs to, when configured.
	Tenant string `json:"tenant,omitempty"`
}

// Component is one piece of software or firmware a collector observed.
type Component struct {
	// Layer is the responsibility-matrix layer it belongs to.
	Layer Layer `json:"layer"`
	// Product is a stable product id ("cpanel", "php", "proxmox-ve"; for the
	// OS itself the os-release ID).
	Product string `json:"product"`
	// Version is the version as observed, normalised only where the
	// collector's doc says so.
	Version string `json:"version"`
	// Source is the file or command the version came from.
	Source string `json:"source"`
	// Details holds product-specific facts (update tier, package version,
	// instance name, path).
	Details map[string]string `json:"details,omitempty"`
}

// Updates is the pending OS package updates.
type Updates struct {
	// Manager is the package manager asked: "apt", "dnf", "yum", "zypper",
	// "apk".
	Manager string `json:"manager"`
	// Count is the number of packages with a newer version available.
	Count int `json:"count"`
	// SecurityCount is how many of them fix security issues.
	SecurityCount int `json:"security_count"`
	// SecurityDataAvailable is false when the repositories publish no
	// security metadata (so SecurityCount 0 means nothing).
	SecurityDataAvailable bool `json:"security_data_available"`
	// MetadataAgeSeconds is the age of the package manager's repository
	// metadata: pending updates are only as fresh as it is. -1 if unknown.
	MetadataAgeSeconds int64 `json:"metadata_age_seconds"`
	// Source is the command that produced the list.
	Source string `json:"source"`
	// Packages lists each pending update.
	Packages []Package `json:"packages"`
}

// PendingText says how many updates are pending and how many of them are
// security fixes: "126 pending (75 security)", or "2 pending (security
// unknown)" when the repositories publish no security data (a count of
// zero would read as none).
func (u *Updates) PendingText() string {
	return fmt.Sprintf("%d pending (%s)", u.Count, u.SecurityText())
}

// SecurityText is "75 security", or "security unknown" without security
// data.
func (u *Updates) SecurityText() string {
	if !u.SecurityDataAvailable {
		return "security unknown"
	}
	return fmt.Sprintf("%d security", u.SecurityCount)
}

// Package is one pending package update.
type Package struct {
	// Name is the package name (binary package, with arch suffix where the
	// manager prints one separately in Arch).
	Name string `json:"name"`
	// Arch is the package architecture, when known.
	Arch string `json:"arch,omitempty"`
	// Installed is the installed version; empty for a new install pulled in
	// by the upgrade.
	Installed string `json:"installed"`
	// Candidate is the version the upgrade would install.
	Candidate string `json:"candidate"`
	// Security is true when the candidate comes from a security source.
	Security bool `json:"security"`
	// Origin is the repository, pocket or archive offering the candidate.
	Origin string `json:"origin,omitempty"`
	// Phased is true when apt holds the update back for phasing.
	Phased bool `json:"phased,omitempty"`
	// Advisories are the ids of the security advisories the candidate
	// fixes ("RHSA-2024:1234", SUSE's patch names
	// "SUSE-SLE-Module-Basesystem-15-SP6-2024-1234"), where the manager's
	// metadata names them (dnf's updateinfo, and zypper's needed patches'
	// updateinfo in libzypp's raw cache, read natively).
	Advisories []string `json:"advisories,omitempty"`
	// Severity is the highest severity among Advisories, as the
	// repository writes it ("Important", "Moderate"; SUSE's "important").
	Severity string `json:"severity,omitempty"`
	// CVEs are the CVE ids the Advisories reference, sorted, where the
	// metadata lists them (updateinfo's references).
	CVEs []string `json:"cves,omitempty"`
}

// Finding is one gap: something behind or past its end of life, with whose
// it is to fix and why.
type Finding struct {
	// ID is stable across scans of the same host for the same gap.
	ID string `json:"id"`
	// Kind is what sort of gap it is.
	Kind Kind `json:"kind"`
	// Layer is the responsibility-matrix layer.
	Layer Layer `json:"layer"`
	// Product is the product the gap is in (a display name: "Ubuntu",
	// "cPanel & WHM", "PHP").
	Product string `json:"product"`
	// Installed is the installed version.
	Installed string `json:"installed"`
	// Latest is the version that closes the gap, when known.
	Latest string `json:"latest,omitempty"`
	// Cycle is the release cycle the installed version belongs to.
	Cycle string `json:"cycle,omitempty"`
	// EOLDate is the end of all support of that cycle (YYYY-MM-DD).
	EOLDate string `json:"eol_date,omitempty"`
	// Severity is how urgent the gap is.
	Severity Severity `json:"severity"`
	// Responsible is whose it is to fix.
	Responsible Responsible `json:"responsible"`
	// Rule names the matrix cell or refinement that decided Responsible.
	Rule string `json:"rule"`
	// Rationale is one sentence a customer understands.
	Rationale string `json:"rationale"`
	// Remediation says what to do.
	Remediation string `json:"remediation"`
	// Evidence lists the observations the finding rests on.
	Evidence []string `json:"evidence,omitempty"`
	// BlockedBy is the id of another finding that must be fixed first (an
	// OS too old for a supported control-panel major).
	BlockedBy string `json:"blocked_by,omitempty"`
}

// Counts is a number of findings per severity.
type Counts struct {
	Critical int `json:"critical"`
	High     int `json:"high"`
	Medium   int `json:"medium"`
	Low      int `json:"low"`
	Info     int `json:"info"`
}

// Summary counts findings per responsible party.
type Summary struct {
	Provider Counts `json:"provider"`
	Customer Counts `json:"customer"`
}

// LifecycleData describes the embedded lifecycle data a report was judged
// with.
type LifecycleData struct {
	// SnapshotDate is the date of the data snapshot (YYYY-MM-DD).
	SnapshotDate string `json:"snapshot_date"`
	// AgeDays is the snapshot's age on the evaluation date.
	AgeDays int `json:"age_days"`
	// Stale is true when the data is older than 180 days: recent releases
	// and end-of-life changes may be missing.
	Stale bool `json:"stale"`
}

// CollectorError is a collector that failed, wholly or in part.
type CollectorError struct {
	// Collector is the collector's name.
	Collector string `json:"collector"`
	// Error says what went wrong.
	Error string `json:"error"`
}

// CollectorRun is one collector of a scan and how it ended.
type CollectorRun struct {
	// Name is the collector's name (as --only spells it).
	Name string `json:"name"`
	// Status is how the collector ended: ok, partial, failed, timed_out or
	// not_run.
	Status CollectorStatus `json:"status"`
	// DurationMS is the collector's wall time in milliseconds (0 when it
	// did not run).
	DurationMS int64 `json:"duration_ms,omitempty"`
}

// Note is something a collector or rule wants the reader to know that is
// not a failure.
type Note struct {
	// Collector is the collector's (or "rules") name.
	Collector string `json:"collector"`
	// Message is the note.
	Message string `json:"message"`
}
