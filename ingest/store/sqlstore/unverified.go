package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// unverify marks open findings of a host unverified since v.at: absent
// from the verdict, whose collectors they rest on did not run cleanly in
// its report. They were last seen at v.prevSeen.
func (s *Store) unverify(ctx context.Context, tx *sql.Tx, v *verdict, ids []any) error {
	if err := s.inChunks(ctx, tx, s.q.unverifyN, []any{v.at, v.prevSeen, v.reason, v.reasonAt, v.hostID}, ids, len(ids), 1); err != nil {
		return fmt.Errorf("mark findings unverified: %w", err)
	}
	return nil
}

// recountHost sets a host's open counts, provider weight and unverified
// count from its open findings: the latest report's summary leaves out the
// findings kept open unverified.
func (s *Store) recountHost(ctx context.Context, tx *sql.Tx, hostID string) error {
	rows, err := tx.QueryContext(ctx, s.rebind(`SELECT responsible, severity, COUNT(*),
SUM(CASE WHEN unverified_since IS NULL THEN 0 ELSE 1 END) FROM findings
WHERE host_id = ? AND resolved_at IS NULL GROUP BY responsible, severity`), hostID)
	if err != nil {
		return fmt.Errorf("recount host: %w", err)
	}
	defer rows.Close()
	var sum report.Summary
	unverified := 0
	for rows.Next() {
		var resp, sev string
		var n, u int
		if err := rows.Scan(&resp, &sev, &n, &u); err != nil {
			return fmt.Errorf("recount host: %w", err)
		}
		c := &sum.Customer
		if report.Responsible(resp) == report.ResponsibleProvider {
			c = &sum.Provider
		}
		for range n {
			c.Add(report.Severity(sev))
		}
		unverified += u
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("recount host: %w", err)
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("recount host: %w", err)
	}
	p, c := sum.Provider, sum.Customer
	_, err = s.exec(ctx, tx, s.rebind(`UPDATE hosts SET p_critical = ?, p_high = ?, p_medium = ?, p_low = ?, p_info = ?,
c_critical = ?, c_high = ?, c_medium = ?, c_low = ?, c_info = ?, provider_weight = ?, unverified = ? WHERE host_id = ?`),
		p.Critical, p.High, p.Medium, p.Low, p.Info, c.Critical, c.High, c.Medium, c.Low, c.Info,
		weight(p), unverified, hostID)
	if err != nil {
		return fmt.Errorf("recount host: %w", err)
	}
	return nil
}

// collectorFailures is the hosts.collector_failures of a report: its
// collectors that did not run cleanly as JSON, "" when all did.
func collectorFailures(r *report.Report) string {
	o := report.OutcomesOf(r)
	failing := o.Failing()
	if len(failing) == 0 {
		return ""
	}
	out := make([]store.CollectorIssue, len(failing))
	for i, n := range failing {
		oc := o.Of(n)
		out[i] = store.CollectorIssue{Collector: n, Status: oc.Status, Error: oc.Error}
	}
	b, _ := json.Marshal(out) // strings and a string type only: cannot fail
	return string(b)
}

// decodeFailures reads hosts.collector_failures; a value this version
// cannot read counts as one unnamed failure rather than none.
func decodeFailures(s string) []store.CollectorIssue {
	out := []store.CollectorIssue{}
	if s == "" {
		return out
	}
	if err := json.Unmarshal([]byte(s), &out); err != nil || len(out) == 0 {
		return []store.CollectorIssue{{Collector: "unknown", Status: report.CollectorFailed}}
	}
	return out
}
