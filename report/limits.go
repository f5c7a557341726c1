package report

import "time"

// The limits of schema v1. They belong to the contract: the scan checks
// its own report against them before it emits it (Validate), the server
// refuses a report that breaks them, and the JSON Schema carries them
// (maxLength, maxItems, minimum, maximum), so that every producer knows
// them before sending.
const (
	// MaxIDLen bounds report_id and host_id.
	MaxIDLen = 128
	// MaxFindingIDLen bounds a finding's id and blocked_by.
	MaxFindingIDLen = 256
	// MaxShort bounds names, versions, products and rules.
	MaxShort = 256
	// MaxText bounds free text: rationale, remediation, evidence, sources,
	// collector errors and notes. Longer texts are clipped by the producer
	// (ClipText), never refused for length at the source.
	MaxText = 4096
	// MaxFindings bounds the findings of one report.
	MaxFindings = 5000
	// MaxComponents bounds the components of one report.
	MaxComponents = 5000
	// MaxPackages bounds the pending packages of one report.
	MaxPackages = 50000
	// MaxAccounts bounds the hosting accounts of one report, and
	// MaxAccountDomains the domains of one account.
	MaxAccounts       = 20000
	MaxAccountDomains = 1000
	// MaxListSmall bounds errors, notes and reboot packages.
	MaxListSmall = 1000
	// MaxCollectors bounds the collectors of one report.
	MaxCollectors = 64
	// MaxCollectorName bounds a collector's name.
	MaxCollectorName = 64
	// MaxEvidence bounds the evidence lines of a finding.
	MaxEvidence = 100
	// MaxDetails bounds the keys of a component's details.
	MaxDetails = 64
	// MaxDurationMS bounds duration_ms (a week).
	MaxDurationMS = int64(7 * 24 * time.Hour / time.Millisecond)
	// MaxUptime bounds uptime_seconds (a century).
	MaxUptime = int64(100 * 365 * 24 * 3600)
	// MaxCount bounds every count.
	MaxCount = 10_000_000
	// MaxFutureSkew is how far scanned_at may be ahead of the reader's
	// clock: a few minutes of clock drift, never a report dated tomorrow.
	MaxFutureSkew = 10 * time.Minute
	// OldestScanYear is the earliest plausible year of scanned_at.
	OldestScanYear = 2000

	// MaxNesting bounds how deeply objects and arrays nest in a report's
	// JSON (a real report nests 4 deep). Readers check it in a streaming
	// pre-scan before any recursive decode (Prescan).
	MaxNesting = 64
	// MaxUnknownBytes bounds the bytes of the members a reader does not
	// know (fields of a newer minor version, or padding): readers ignore
	// them, but a server that keeps the report verbatim must not keep
	// megabytes of them.
	MaxUnknownBytes = 256 << 10
)
