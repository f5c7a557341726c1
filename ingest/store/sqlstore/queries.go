package sqlstore

import (
	"slices"
	"strings"
)

// findingCols are the columns of a findings upsert, in VALUES order.
var findingCols = []string{
	"host_id", "finding_id", "tenant", "kind", "layer", "product", "product_key",
	"installed", "latest", "cycle", "eol_date", "severity", "sev_rank", "responsible",
	"rule", "rationale", "remediation", "evidence", "blocked_by", "content_hash",
	"first_seen", "opened_at", "last_seen", "reason", "reason_at",
}

// refreshCols are the columns of findings that no index holds and a
// report sets, in the order of a refresh's values (after the key).
var refreshCols = []string{"product", "installed", "latest", "eol_date", "rule", "rationale", "remediation", "evidence",
	"blocked_by", "content_hash", "last_seen", "reason", "reason_at"}

// hostCols are the columns written from a report into hosts (after
// host_id, which leads the insert).
var hostCols = []string{
	"tenant", "hostname", "os_id", "os_version_id", "os_name", "os_pretty_name", "os_family",
	"kernel_release", "arch", "virt_system", "virt_role", "provider", "tier", "maintenance",
	"customer_virt", "agent_version", "latest_report_id", "scanned_at", "received_at",
	"p_critical", "p_high", "p_medium", "p_low", "p_info",
	"c_critical", "c_high", "c_medium", "c_low", "c_info", "provider_weight", "findings_digest",
	"collector_failures", "claimed_tier", "claimed_maintenance", "claimed_virt",
}

// hostKeyCols are the columns of hosts that a report may change and that
// an index is keyed on (or, for hosts_failing, filtered by). The update of
// a host sets each only when its value changes: SQLite rewrites the entry
// of every index on a column an UPDATE sets, changed or not, and each is a
// leaf page at a random place — five of the seven pages a report's host
// update dirtied at 100k hosts (tenant never changes: the update is
// conditional on it; scanned_at always does).
var hostKeyCols = [...]string{"hostname", "provider_weight", "collector_failures"}

// hostKeysAll sets every column of hostKeyCols.
const hostKeysAll = 1<<len(hostKeyCols) - 1

// hostUpdateCols are the columns an update of a host sets when changed holds
// bit i for each hostKeyCols[i] that changes: hostCols without tenant and
// without the unchanged key columns.
func hostUpdateCols(changed int) []int {
	var out []int
	for i, c := range hostCols {
		if c == "tenant" {
			continue
		}
		if k := slices.Index(hostKeyCols[:], c); k >= 0 && changed&(1<<k) == 0 {
			continue
		}
		out = append(out, i)
	}
	return out
}

// queries are the fixed statements, rebound for the dialect once.
type queries struct {
	insertReport, reportByID, deleteReport string
	hostState, insertHost                  string
	// updateHost is the update of a host by the key columns it sets
	// (hostUpdateCols).
	updateHost                  [hostKeysAll + 1]string
	hostFindings, clampFindings string
	// refreshFindings (for chunkSizes rows) rewrites the columns of open
	// findings that no index holds (refreshCols), for findings whose
	// group, rank and open stretch stay: the upsert sets every column,
	// and SQLite rewrites the entries of every index on a column an
	// UPDATE sets (four partial indexes of open findings), changed or not.
	refreshFindings map[int]string
	upsertUsage     string
	// The statements of re-judging (rejudge.go).
	rejudgeState, rejudgeHost, rejudgeReport string
	// The statements of host keys (keys.go).
	postingKey, identityExists, lockIdentity, keyState         string
	keyUsed, retireState, promoteKey, insertKey, clearRotation string
	upsertFindingPrefix, upsertFindingTail                     string
	findingRow                                                 string
	resolvePrefix, unverifyPrefix                              string
	// The statements of the fleet aggregates (fleet.go).
	shareHost, shareOpen, upsertFleetHosts, upsertFleetFindings string
	shareTrend, upsertFleetTrend                                string
	upsertFleetAge, upsertFleetUpdates                          string
	// recordFor and enrolledMachine run for every report (the judge's
	// record lookup).
	recordFor       [3]string
	enrolledMachine string
	// u keeps host_updates (updates_sync.go).
	u updateQueries
	// upsertN, resolveN and unverifyN hold the statements for chunkSizes
	// rows.
	upsertN, resolveN, unverifyN map[int]string
}

func buildQueries(rebind func(string) string, forUpdate string) queries {
	var q queries
	q.insertReport = rebind(`INSERT INTO reports (report_id, tenant, host_id, scanned_at, received_at, sha256, body, findings, summary)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (host_id, report_id) DO NOTHING`)
	q.reportByID = rebind(`SELECT tenant, sha256 FROM reports WHERE host_id = ? AND report_id = ?`)
	q.deleteReport = rebind(`DELETE FROM reports WHERE host_id = ? AND report_id = ?`)
	q.hostState = rebind(`SELECT tenant, received_at, scanned_at, latest_report_id, findings_digest, unverified, updates_digest,
tier, os_id, os_version_id, os_name, os_pretty_name, hostname, provider_weight, collector_failures FROM hosts WHERE host_id = ?` + forUpdate)
	q.u = buildUpdateQueries(rebind)
	q.insertHost = rebind(`INSERT INTO hosts (host_id, first_seen, ` + strings.Join(hostCols, ", ") +
		`) VALUES (?, ?, ` + placeholders(len(hostCols)) + `) ON CONFLICT (host_id) DO NOTHING`)
	// A host's state is the report received last (ties: the later scan,
	// then the greater report id): see latestOrder. first_seen moves back
	// when the new state was scanned before it (the first report was
	// dated ahead).
	for changed := range q.updateHost {
		var sets []string
		for _, i := range hostUpdateCols(changed) {
			sets = append(sets, hostCols[i]+" = ?")
		}
		q.updateHost[changed] = rebind(`UPDATE hosts SET ` + strings.Join(sets, ", ") +
			`, first_seen = CASE WHEN first_seen > ? THEN ? ELSE first_seen END` +
			` WHERE host_id = ? AND tenant = ? AND (received_at, scanned_at, latest_report_id) < (?, ?, ?)`)
	}
	q.hostFindings = rebind(`SELECT finding_id, content_hash, resolved_at IS NULL, unverified_since IS NOT NULL, kind, layer,
responsible, severity, sev_rank, product, product_key, cycle, opened_at, resolved_at FROM findings WHERE host_id = ?`)
	q.refreshFindings = refreshStatements(rebind, "findings", []string{"host_id", "finding_id"}, refreshCols,
		map[string]string{"content_hash": "BIGINT", "last_seen": "BIGINT", "reason_at": "BIGINT"})
	// clampFindings moves back the open stretch of a host's open findings
	// to the scan time of its new state when that is earlier: they are in
	// the report scanned then, so they were open then.
	q.clampFindings = rebind(`UPDATE findings SET opened_at = ?, first_seen = CASE WHEN first_seen > ? THEN ? ELSE first_seen END
WHERE host_id = ? AND resolved_at IS NULL AND opened_at > ?`)
	q.upsertUsage = rebind(upsertUsage)
	q.rejudgeState = rebind(`SELECT tenant, latest_report_id, scanned_at, findings_digest, provider, tier, maintenance,
customer_virt, collector_failures FROM hosts WHERE host_id = ?` + forUpdate)
	q.rejudgeHost = rebind(`UPDATE hosts SET provider = ?, tier = ?, maintenance = ?, customer_virt = ?,
findings_digest = ?, collector_failures = ? WHERE host_id = ?`)
	q.rejudgeReport = rebind(`UPDATE reports SET findings = ?, summary = ? WHERE host_id = ? AND report_id = ?`)
	q.postingKey = rebind(`SELECT k.host_id, i.tenant, i.revoked_at IS NOT NULL, k.state FROM host_keys k
JOIN host_identities i ON i.host_id = k.host_id WHERE k.key_id = ?`)
	q.identityExists = rebind(`SELECT COUNT(*) FROM host_identities WHERE host_id = ?`)
	q.lockIdentity = rebind(`SELECT rotate_requested FROM host_identities WHERE host_id = ?` + forUpdate)
	q.keyState = rebind(`SELECT state FROM host_keys WHERE key_id = ?`)
	q.keyUsed = rebind(`UPDATE host_keys SET last_used_at = ? WHERE key_id = ? AND (last_used_at IS NULL OR last_used_at < ?)`)
	q.retireState = rebind(`UPDATE host_keys SET state = 'retired' WHERE host_id = ? AND state = ?`)
	q.promoteKey = rebind(`UPDATE host_keys SET state = 'current' WHERE key_id = ? AND state = 'pending'`)
	q.insertKey = rebind(`INSERT INTO host_keys (key_id, host_id, hash, state, created_at) VALUES (?, ?, ?, ?, ?)`)
	q.clearRotation = rebind(`UPDATE host_identities SET rotate_requested = ? WHERE host_id = ?`)
	q.shareHost, q.shareOpen = rebind(readShareHost), rebind(readShareOpen)
	q.upsertFleetHosts, q.upsertFleetFindings = rebind(upsertFleetHosts), rebind(upsertFleetFindings)
	q.shareTrend, q.upsertFleetTrend = rebind(readShareTrend), rebind(upsertFleetTrend)
	q.upsertFleetAge = rebind(upsertFleetAge)
	q.upsertFleetUpdates = rebind(upsertFleetUpdates)
	for i, l := range recordLookups {
		q.recordFor[i] = rebind(l)
	}
	q.enrolledMachine = rebind(enrolledMachine)
	q.upsertFindingPrefix = `INSERT INTO findings (` + strings.Join(findingCols, ", ") + `) VALUES `
	q.findingRow = "(" + placeholders(len(findingCols)) + ")"
	up := make([]string, 0, len(findingCols))
	for _, c := range findingCols {
		switch c {
		case "host_id", "finding_id", "tenant", "first_seen", "opened_at":
			continue
		}
		up = append(up, c+" = excluded."+c)
	}
	q.upsertFindingTail = ` ON CONFLICT (host_id, finding_id) DO UPDATE SET ` + strings.Join(up, ", ") +
		`, opened_at = CASE WHEN findings.resolved_at IS NULL THEN findings.opened_at ELSE excluded.opened_at END, resolved_at = NULL, unverified_since = NULL`
	// An unverified finding was last seen before the reports that could
	// not check it: its last_seen stays.
	q.resolvePrefix = `UPDATE findings SET resolved_at = ?, last_seen = CASE WHEN unverified_since IS NULL THEN ? ELSE last_seen END, unverified_since = NULL,
reason = ?, reason_at = ? WHERE host_id = ? AND resolved_at IS NULL AND finding_id IN `
	q.unverifyPrefix = `UPDATE findings SET unverified_since = ?, last_seen = ?, reason = ?, reason_at = ? WHERE host_id = ? AND resolved_at IS NULL AND unverified_since IS NULL AND finding_id IN `
	return q
}

// placeholders is "?, ?, …" n times.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}
