package sqlstore

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/demarc/demarc/ingest/store"
)

// reportSort is the order of a host's history: the order in which reports
// become its state (latestOrder), the latest first.
var reportSort = sortSpec{cols: []string{"received_at", "scanned_at", "report_id"}, ints: []bool{true, true, false}, desc: true}

// maxStoredBody caps the decompression of a stored body (the server never
// stores more than its ingest limit; this guards a tampered database).
const maxStoredBody = 64 << 20

// Reports lists a host's reports in scope, the latest received first.
func (s *Store) Reports(ctx context.Context, sc store.Scope, hostID string, p store.Page) (store.ReportPage, error) {
	p = p.Clamp()
	var w where
	cond, args := scopeWhere(sc, "tenant")
	w.add(cond, args...)
	w.add("host_id = ?", hostID)
	cond, args, err := reportSort.after(p.Cursor)
	if err != nil {
		return store.ReportPage{}, err
	}
	if cond != "" {
		w.add(cond, args...)
	}
	q := s.rebind(`SELECT report_id, host_id, scanned_at, received_at, findings, summary, body IS NOT NULL FROM reports` +
		w.sql() + reportSort.orderBy() + " LIMIT ?")
	rows, err := s.r.QueryContext(ctx, q, append(w.args, p.Limit+1)...)
	if err != nil {
		return store.ReportPage{}, fmt.Errorf("list reports: %w", err)
	}
	defer rows.Close()
	page := store.ReportPage{Reports: []store.ReportMeta{}}
	for rows.Next() {
		var m store.ReportMeta
		var scanned, received int64
		var sum string
		if err := rows.Scan(&m.ReportID, &m.HostID, &scanned, &received, &m.Findings, &sum, &m.BodyKept); err != nil {
			return store.ReportPage{}, fmt.Errorf("list reports: %w", err)
		}
		m.ScannedAt, m.ReceivedAt = fromMicros(scanned), fromMicros(received)
		if err := json.Unmarshal([]byte(sum), &m.Summary); err != nil {
			return store.ReportPage{}, fmt.Errorf("decode report summary: %w", err)
		}
		page.Reports = append(page.Reports, m)
	}
	if err := rows.Err(); err != nil {
		return store.ReportPage{}, fmt.Errorf("list reports: %w", err)
	}
	if len(page.Reports) > p.Limit {
		page.Reports = page.Reports[:p.Limit]
		l := page.Reports[p.Limit-1]
		page.Next = encodeCursor(micros(l.ReceivedAt), micros(l.ScannedAt), l.ReportID)
	}
	return page, nil
}

// ReportBody returns a stored report's JSON: when several hosts in scope
// have a report with this id, the body received last (then by host id).
func (s *Store) ReportBody(ctx context.Context, sc store.Scope, reportID string) ([]byte, error) {
	cond, args := scopeWhere(sc, "tenant")
	q := s.rebind(`SELECT body FROM reports WHERE report_id = ? AND body IS NOT NULL AND ` + cond +
		` ORDER BY received_at DESC, host_id DESC LIMIT 1`)
	return s.reportBody(ctx, q, reportID, append([]any{reportID}, args...))
}

// HostReportBody returns one host's stored report's JSON.
func (s *Store) HostReportBody(ctx context.Context, sc store.Scope, hostID, reportID string) ([]byte, error) {
	cond, args := scopeWhere(sc, "tenant")
	q := s.rebind(`SELECT body FROM reports WHERE host_id = ? AND report_id = ? AND body IS NOT NULL AND ` + cond)
	return s.reportBody(ctx, q, reportID, append([]any{hostID, reportID}, args...))
}

func (s *Store) reportBody(ctx context.Context, q, reportID string, args []any) ([]byte, error) {
	var gz []byte
	err := s.r.QueryRowContext(ctx, q, args...).Scan(&gz)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("report %q: %w", reportID, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read report: %w", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("report %s body: %w", reportID, err)
	}
	body, err := io.ReadAll(io.LimitReader(zr, maxStoredBody))
	if err != nil {
		return nil, fmt.Errorf("report %s body: %w", reportID, err)
	}
	return body, nil
}
