package sqlstore

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/internal/reportgen"
)

// TestPruneBatches prunes in transactions of two rows: everything past the
// cutoff goes (but each host's latest report), the count is every row
// deleted, and the fleet aggregates still equal a recount.
func TestPruneBatches(t *testing.T) {
	defer func(n int) { pruneBatch = n }(pruneBatch)
	pruneBatch = 2
	db, s := migratedSQLite(t)
	t0 := time.Date(2026, 10, 1, 6, 0, 0, 0, time.UTC)
	for i := range 4 {
		h := reportgen.NewHost(uint64(900+i), i, "acme", 8, 0.9)
		for k := range 4 {
			at := t0.Add(time.Duration(k) * 24 * time.Hour)
			r := h.Next(at)
			if k == 2 {
				r.Findings = r.Findings[:3] // resolves the others
			}
			body, _ := json.Marshal(r)
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			zw.Write(body)
			zw.Close()
			in := store.Incoming{Tenant: "acme", Report: r, Gzip: buf.Bytes(), SHA256: sha256.Sum256(body), ReceivedAt: at}
			if _, err := s.SaveBatch(t.Context(), []store.Incoming{in}); err != nil {
				t.Fatal(err)
			}
		}
	}
	cutoff := t0.Add(3*24*time.Hour + time.Hour)
	count := func(q string) int64 {
		var n int64
		if err := db.QueryRow(q, cutoff.UnixMicro()).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	const oldReports = `SELECT COUNT(*) FROM reports r WHERE received_at < ? AND NOT EXISTS (SELECT 1 FROM hosts h WHERE h.latest_report_id = r.report_id AND h.host_id = r.host_id)`
	const oldFindings = `SELECT COUNT(*) FROM findings WHERE resolved_at < ?`
	want := count(oldReports) + count(oldFindings)
	if want <= 2*int64(pruneBatch) {
		t.Fatalf("only %d rows to prune: the test needs several batches", want)
	}
	n, err := s.Prune(t.Context(), cutoff)
	if err != nil {
		t.Fatal(err)
	}
	if n != want || count(oldReports) != 0 || count(oldFindings) != 0 {
		t.Errorf("pruned %d rows, want %d; left %d reports, %d findings", n, want, count(oldReports), count(oldFindings))
	}
	if err := s.CheckFleet(t.Context()); err != nil {
		t.Error(err)
	}
}
