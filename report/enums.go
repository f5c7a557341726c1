package report

import (
	"fmt"
	"slices"
)

// Tier is a service tier of the shared responsibility model.
type Tier string

// The service tiers.
const (
	TierManaged    Tier = "managed"
	TierIaaS       Tier = "iaas"
	TierColocation Tier = "colocation"
)

// Tiers lists every tier in display order.
var Tiers = []Tier{TierManaged, TierIaaS, TierColocation}

// Valid reports whether t is a known tier.
func (t Tier) Valid() bool { return slices.Contains(Tiers, t) }

// DefaultMaintenanceAgreement is the maintenance agreement a profile of
// tier t has when nothing says otherwise: the seed's model puts one with
// Managed Services only.
func (t Tier) DefaultMaintenanceAgreement() bool { return t == TierManaged }

// ParseTier returns the tier named s, or an error listing the valid ones.
func ParseTier(s string) (Tier, error) {
	t := Tier(s)
	if !t.Valid() {
		return "", fmt.Errorf("unknown tier %q (want managed, iaas or colocation)", s)
	}
	return t, nil
}

// Layer is a row of the responsibility matrix.
type Layer string

// The matrix layers (docs/DESIGN.md "Tiers, layers and the matrix").
const (
	LayerData                   Layer = "data"
	LayerDevices                Layer = "devices"
	LayerAccounts               Layer = "accounts"
	LayerIdentityInfrastructure Layer = "identity_infrastructure"
	LayerApplications           Layer = "applications"
	LayerThirdPartyApps         Layer = "third_party_apps"
	LayerControlPanel           Layer = "control_panel"
	LayerOperatingSystem        Layer = "operating_system"
	LayerVirtualisation         Layer = "virtualisation"
	LayerPhysicalHost           Layer = "physical_host"
	LayerPhysicalNetwork        Layer = "physical_network"
	LayerDataCentre             Layer = "data_centre"
	LayerBackupPlatform         Layer = "backup_platform"
)

// Layers lists every layer.
var Layers = []Layer{
	LayerData, LayerDevices, LayerAccounts, LayerIdentityInfrastructure,
	LayerApplications, LayerThirdPartyApps, LayerControlPanel, LayerOperatingSystem,
	LayerVirtualisation, LayerPhysicalHost, LayerPhysicalNetwork, LayerDataCentre,
	LayerBackupPlatform,
}

// Valid reports whether l is a known layer.
func (l Layer) Valid() bool { return slices.Contains(Layers, l) }

// Kind is the sort of gap a finding describes.
type Kind string

// The finding kinds (docs/DESIGN.md "Findings").
const (
	KindEOL              Kind = "eol"
	KindExtendedSupport  Kind = "extended_support"
	KindEOLSoon          Kind = "eol_soon"
	KindMajorBehind      Kind = "major_behind"
	KindPatchBehind      Kind = "patch_behind"
	KindUpdatesPending   Kind = "updates_pending"
	KindRebootRequired   Kind = "reboot_required"
	KindUnknownLifecycle Kind = "unknown_lifecycle"
)

// Kinds lists every kind.
var Kinds = []Kind{
	KindEOL, KindExtendedSupport, KindEOLSoon, KindMajorBehind, KindPatchBehind,
	KindUpdatesPending, KindRebootRequired, KindUnknownLifecycle,
}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// Severity is how urgent a finding is.
type Severity string

// The severities, most urgent first.
const (
	SeverityCritical Severity = "critical"
	SeverityHigh     Severity = "high"
	SeverityMedium   Severity = "medium"
	SeverityLow      Severity = "low"
	SeverityInfo     Severity = "info"
)

// Severities lists every severity, most urgent first.
var Severities = []Severity{SeverityCritical, SeverityHigh, SeverityMedium, SeverityLow, SeverityInfo}

// Valid reports whether s is a known severity.
func (s Severity) Valid() bool { return slices.Contains(Severities, s) }

// Rank orders severities: critical is 0, info 4, an unknown value 5.
func (s Severity) Rank() int {
	if i := slices.Index(Severities, s); i >= 0 {
		return i
	}
	return len(Severities)
}

// AtLeast reports whether s is as urgent as min or more.
func (s Severity) AtLeast(min Severity) bool { return s.Rank() <= min.Rank() }

// ParseSeverity returns the severity named s, or an error listing the valid
// ones.
func ParseSeverity(s string) (Severity, error) {
	v := Severity(s)
	if !v.Valid() {
		return "", fmt.Errorf("unknown severity %q (want critical, high, medium, low or info)", s)
	}
	return v, nil
}

// Responsible is the party that owns a gap.
type Responsible string

// The responsible parties.
const (
	ResponsibleProvider Responsible = "provider"
	ResponsibleCustomer Responsible = "customer"
)

// Valid reports whether r is a known party.
func (r Responsible) Valid() bool { return r == ResponsibleProvider || r == ResponsibleCustomer }

// Add counts one finding of severity s.
func (c *Counts) Add(s Severity) {
	switch s {
	case SeverityCritical:
		c.Critical++
	case SeverityHigh:
		c.High++
	case SeverityMedium:
		c.Medium++
	case SeverityLow:
		c.Low++
	case SeverityInfo:
		c.Info++
	}
}

// Total is the sum over all severities.
func (c Counts) Total() int { return c.Critical + c.High + c.Medium + c.Low + c.Info }

// Summarize counts findings by responsible party and severity.
func Summarize(findings []Finding) Summary {
	var s Summary
	for _, f := range findings {
		switch f.Responsible {
		case ResponsibleProvider:
			s.Provider.Add(f.Severity)
		case ResponsibleCustomer:
			s.Customer.Add(f.Severity)
		}
	}
	return s
}

// CollectorStatus is how one collector of a scan ended.
type CollectorStatus string

// The collector statuses. Only CollectorOK means the collector saw everything
// it looks at: a finding of any other collector that is absent from the
// report may have been missed, not fixed.
const (
	// CollectorOK: the collector ran to its end without an error.
	CollectorOK CollectorStatus = "ok"
	// CollectorPartial: the collector returned its result but with errors
	// (one command of several failed, the package database could not be
	// read): what it reports is true, but it may have missed things.
	CollectorPartial CollectorStatus = "partial"
	// CollectorFailed: the collector returned an error or panicked.
	CollectorFailed CollectorStatus = "failed"
	// CollectorTimedOut: the collector ran out of its time.
	CollectorTimedOut CollectorStatus = "timed_out"
	// CollectorNotRun: the collector was left out (--only) or cannot work
	// on this scan (a live-only collector under another --root, a package
	// manager that cannot be asked about another root).
	CollectorNotRun CollectorStatus = "not_run"
)

// CollectorStatuses lists every collector status.
var CollectorStatuses = []CollectorStatus{CollectorOK, CollectorPartial, CollectorFailed, CollectorTimedOut, CollectorNotRun}

// Valid reports whether s is a known collector status.
func (s CollectorStatus) Valid() bool { return slices.Contains(CollectorStatuses, s) }
