package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// findingsPerStatement caps the rows of one multi-row upsert (23 columns:
// well inside both databases' parameter limits).
const findingsPerStatement = 200

type storedFinding struct {
	hash int64
	open bool
}

// syncFindings brings the host's findings in line with its newest report:
// new, changed and reappearing findings are upserted, unchanged open ones
// are left alone (their last_seen is the host's scanned_at), and open ones
// absent from the report are resolved at its scan time. prevScanned is the
// host's previous latest scan (the last time the resolved ones were seen).
func (s *Store) syncFindings(ctx context.Context, tx *sql.Tx, it *store.Incoming, scanned, prevScanned int64) error {
	hostID := it.Report.Host.HostID
	existing, err := s.storedFindings(ctx, tx, hostID)
	if err != nil {
		return err
	}
	var changed []*report.Finding
	var hashes []int64
	present := make(map[string]bool, len(it.Report.Findings))
	for i := range it.Report.Findings {
		f := &it.Report.Findings[i]
		present[f.ID] = true
		h := findingHash(f)
		if e, ok := existing[f.ID]; ok && e.open && e.hash == h {
			continue
		}
		changed = append(changed, f)
		hashes = append(hashes, h)
	}
	for start := 0; start < len(changed); start += findingsPerStatement {
		end := min(start+findingsPerStatement, len(changed))
		if err := s.upsertFindings(ctx, tx, it, changed[start:end], hashes[start:end], scanned); err != nil {
			return err
		}
	}
	var gone []any
	for id, e := range existing {
		if e.open && !present[id] {
			gone = append(gone, id)
		}
	}
	for start := 0; start < len(gone); start += findingsPerStatement {
		end := min(start+findingsPerStatement, len(gone))
		args := append([]any{scanned, prevScanned, hostID}, gone[start:end]...)
		q := s.rebind(s.q.resolvePrefix + "(" + placeholders(end-start) + ")")
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("resolve findings: %w", err)
		}
	}
	return nil
}

func (s *Store) storedFindings(ctx context.Context, tx *sql.Tx, hostID string) (map[string]storedFinding, error) {
	rows, err := tx.QueryContext(ctx, s.q.hostFindings, hostID)
	if err != nil {
		return nil, fmt.Errorf("read host findings: %w", err)
	}
	defer rows.Close()
	out := make(map[string]storedFinding)
	for rows.Next() {
		var id string
		var f storedFinding
		if err := rows.Scan(&id, &f.hash, &f.open); err != nil {
			return nil, fmt.Errorf("read host findings: %w", err)
		}
		out[id] = f
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read host findings: %w", err)
	}
	return out, nil
}

func (s *Store) upsertFindings(ctx context.Context, tx *sql.Tx, it *store.Incoming, fs []*report.Finding, hashes []int64, scanned int64) error {
	var b strings.Builder
	b.WriteString(s.q.upsertFindingPrefix)
	args := make([]any, 0, len(fs)*len(findingCols))
	for i, f := range fs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(s.q.findingRow)
		ev, err := json.Marshal(nonNil(f.Evidence))
		if err != nil {
			return fmt.Errorf("encode evidence: %w", err)
		}
		args = append(args, it.Report.Host.HostID, f.ID, it.Tenant, string(f.Kind), string(f.Layer),
			f.Product, strings.ToLower(f.Product), f.Installed, f.Latest, f.Cycle, f.EOLDate,
			string(f.Severity), f.Severity.Rank(), string(f.Responsible), f.Rule, f.Rationale,
			f.Remediation, string(ev), f.BlockedBy, hashes[i], scanned, scanned, scanned)
	}
	b.WriteString(s.q.upsertFindingTail)
	if _, err := tx.ExecContext(ctx, s.rebind(b.String()), args...); err != nil {
		return fmt.Errorf("upsert findings: %w", err)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// findingHash fingerprints every stored field of a finding (strings cannot
// hold NUL after validation, so NUL separates them unambiguously).
func findingHash(f *report.Finding) int64 {
	h := fnv.New64a()
	for _, s := range []string{
		string(f.Kind), string(f.Layer), f.Product, f.Installed, f.Latest, f.Cycle, f.EOLDate,
		string(f.Severity), string(f.Responsible), f.Rule, f.Rationale, f.Remediation, f.BlockedBy,
	} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	for _, e := range f.Evidence {
		h.Write([]byte(e))
		h.Write([]byte{1})
	}
	return int64(h.Sum64())
}
