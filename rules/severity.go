package rules

import "github.com/demarc/demarc/report"

// lifecycleSeverity is the severity policy for lifecycle findings, by
// layer; the table in doc.go is the same policy in words. Updates,
// reboots and firmware age are decided where they are judged.
var lifecycleSeverity = map[report.Kind]map[report.Layer]report.Severity{
	report.KindEOL: {
		report.LayerOperatingSystem: report.SeverityCritical,
		report.LayerControlPanel:    report.SeverityCritical,
		report.LayerVirtualisation:  report.SeverityCritical,
		report.LayerApplications:    report.SeverityHigh,
		report.LayerThirdPartyApps:  report.SeverityHigh,
	},
	report.KindExtendedSupport: {
		report.LayerOperatingSystem: report.SeverityMedium,
		report.LayerControlPanel:    report.SeverityMedium,
		report.LayerVirtualisation:  report.SeverityMedium,
		report.LayerApplications:    report.SeverityMedium,
		report.LayerThirdPartyApps:  report.SeverityMedium,
	},
	report.KindEOLSoon: {
		report.LayerOperatingSystem: report.SeverityMedium,
		report.LayerControlPanel:    report.SeverityMedium,
		report.LayerVirtualisation:  report.SeverityMedium,
		report.LayerApplications:    report.SeverityMedium,
		report.LayerThirdPartyApps:  report.SeverityMedium,
	},
	report.KindMajorBehind: {
		report.LayerOperatingSystem: report.SeverityInfo,
		report.LayerControlPanel:    report.SeverityLow,
		report.LayerVirtualisation:  report.SeverityLow,
		report.LayerApplications:    report.SeverityInfo,
		report.LayerThirdPartyApps:  report.SeverityLow,
	},
	report.KindPatchBehind: {
		report.LayerControlPanel:   report.SeverityMedium,
		report.LayerVirtualisation: report.SeverityMedium,
		report.LayerApplications:   report.SeverityMedium,
		report.LayerThirdPartyApps: report.SeverityMedium,
		report.LayerPhysicalHost:   report.SeverityLow,
	},
}

// severityOf returns the policy's severity for kind on layer; unknown
// lifecycle is always info.
func severityOf(kind report.Kind, layer report.Layer) report.Severity {
	if kind == report.KindUnknownLifecycle {
		return report.SeverityInfo
	}
	if s, ok := lifecycleSeverity[kind][layer]; ok {
		return s
	}
	return report.SeverityInfo
}

// adjust applies the policy's modifiers to a lifecycle severity:
//   - an extended window ending within 90 days is high;
//   - regular support ending soon with an extended window after it is low;
//   - an end of life that a routine update fixes (Plesk Obsidian's
//     12-week updates) is high, not critical.
func adjust(s report.Severity, kind report.Kind, daysLeft int, extendedFollows, routine bool) report.Severity {
	switch {
	case kind == report.KindExtendedSupport && daysLeft >= 0 && daysLeft <= soonDays:
		return report.SeverityHigh
	case kind == report.KindEOLSoon && extendedFollows:
		return report.SeverityLow
	case kind == report.KindEOL && routine && s == report.SeverityCritical:
		return report.SeverityHigh
	}
	return s
}

// soonDays mirrors lifecycle.SoonDays for the policy's "within 90 days".
const soonDays = 90
