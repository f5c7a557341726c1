package sqlite_test

import (
	"testing"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/ingest/store/storetest"
	"github.com/demarc/demarc/internal/reportgen"
)

// BenchmarkFirstReports stores first reports (every finding a new open
// row, every pending package a new row) into a store already holding
// 2,000 hosts, 100 a batch, with the schema as migrated ("indexes=4": the
// partial indexes of open findings since migration 22) and with the two
// indexes by opening that migration 22 dropped put back ("indexes=6"):
//
//	go test -run '^$' -bench FirstReports -count 6 ./ingest/store/sqlite
func BenchmarkFirstReports(b *testing.B) {
	for _, tc := range []struct {
		name  string
		extra []string
	}{
		{"indexes=4", nil},
		{"indexes=6", []string{
			`CREATE INDEX findings_open ON findings (tenant, opened_at, host_id, finding_id) WHERE resolved_at IS NULL`,
			`CREATE INDEX findings_open_all ON findings (opened_at, host_id, finding_id) WHERE resolved_at IS NULL`,
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s, exec := migratedRaw(b)
			for _, q := range tc.extra {
				if err := exec(q); err != nil {
					b.Fatal(err)
				}
			}
			at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
			seed := uint64(0)
			batch := func(n int) []store.Incoming {
				items := make([]store.Incoming, n)
				for i := range items {
					seed++
					tenant := []string{"acme", "globex", "initech"}[seed%3]
					h := reportgen.NewHost(seed, int(seed), tenant, 40, 0.2).WithUpdates(20, 40)
					items[i] = storetest.Incoming(b, tenant, h.Next(at))
					items[i].ReceivedAt = at.Add(time.Minute)
				}
				return items
			}
			for range 20 {
				if _, err := s.SaveBatch(b.Context(), batch(100)); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for b.Loop() {
				b.StopTimer()
				items := batch(100)
				b.StartTimer()
				if _, err := s.SaveBatch(b.Context(), items); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/report")
		})
	}
}
