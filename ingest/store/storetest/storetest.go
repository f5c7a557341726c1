// Package storetest is the conformance suite every store.Store passes: the
// SQLite and PostgreSQL stores run the same tests.
package storetest

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/internal/reportgen"
	"github.com/demarc/demarc/report"
)

// Opener returns a fresh, migrated, empty store for one test; it registers
// its own cleanup.
type Opener func(t *testing.T) store.Store

// Run runs the whole suite against stores made by open.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, store.Store)
	}{
		{"CreateDuplicateConflict", testCreateDuplicateConflict},
		{"ForeignHostForbidden", testForeignHost},
		{"OutOfOrder", testOutOfOrder},
		{"FutureDated", testFutureDated},
		{"SameInstant", testSameInstant},
		{"FindingLifecycle", testFindingLifecycle},
		{"FailedCheckIsNotAFix", testFailedCheckIsNotAFix},
		{"FailedCheckOlderAgent", testFailedCheckOlderAgent},
		{"TenantIsolation", testTenantIsolation},
		{"HostPagination", testHostPagination},
		{"FindingPagination", testFindingPagination},
		{"Filters", testFilters},
		{"Summary", testSummary},
		{"Trend", testTrend},
		{"CountHosts", testCountHosts},
		{"Facets", testFacets},
		{"FindingGroups", testFindingGroups},
		{"FleetAggregates", testFleetAggregates},
		{"SLAWindows", testSLAWindows},
		{"Acks", testAcks},
		{"Sessions", testSessions},
		{"Metacharacters", testMetacharacters},
		{"Tokens", testTokens},
		{"Prune", testPrune},
		{"TenantUsage", testTenantUsage},
		{"ConcurrentSameReport", testConcurrentSameReport},
		{"MigrateTwice", testMigrateTwice},
		{"EnrollSecrets", testEnrollSecrets},
		{"EnrollRefused", testEnrollRefused},
		{"EnrollConcurrent", testEnrollConcurrent},
		{"EnrollIdentity", testEnrollIdentity},
		{"KeyRotation", testKeyRotation},
		{"KeyBinding", testKeyBinding},
		{"LegacyPost", testLegacyPost},
		{"ReportIDPerHost", testReportIDPerHost},
		{"HostEnrollment", testHostEnrollment},
		{"ConcurrentKeyPosts", testConcurrentKeyPosts},
		{"RecordPutRead", testRecordPutRead},
		{"RecordMatching", testRecordMatching},
		{"ServerState", testServerState},
		{"HostClaim", testHostClaim},
		{"RecordImportMatching", testRecordImportMatching},
		{"RecordConcurrentPuts", testRecordConcurrentPuts},
		{"RecordBatch", testRecordBatch},
		{"LifecycleVersions", testLifecycleVersions},
		{"RejudgeTier", testRejudgeTier},
		{"RejudgeOpensAndResolves", testRejudgeOpensAndResolves},
		{"RejudgeStale", testRejudgeStale},
		{"RejudgeUnchanged", testRejudgeUnchanged},
		{"RejudgeQuarantineLifted", testRejudgeQuarantineLifted},
		{"RejudgeFleet", testRejudgeFleet},
		{"RejudgeFleetConcurrent", testRejudgeFleetConcurrent},
		{"LatestReports", testLatestReports},
		{"PendingUpdates", testPendingUpdates},
		{"PendingUpdatesFleet", testPendingUpdatesFleet},
		{"PendingUpdatesFutureDated", testPendingUpdatesFutureDated},
		{"PendingPackages", testPendingPackages},
		{"Derived", testDerived},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, open(t))
		})
	}
}

// Incoming wraps a report for SaveBatch the way the server does: its JSON,
// gzip-compressed, and the hash of the JSON.
func Incoming(t testing.TB, tenant string, r *report.Report) store.Incoming {
	t.Helper()
	body, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(body); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return store.Incoming{Tenant: tenant, Report: r, Gzip: buf.Bytes(), SHA256: sha256.Sum256(body),
		ReceivedAt: time.Now().UTC()}
}

// save stores reports one batch and checks the results.
func save(t *testing.T, s store.Store, want []store.Result, items ...store.Incoming) []store.Outcome {
	t.Helper()
	out, err := s.SaveBatch(t.Context(), items)
	if err != nil {
		t.Fatalf("SaveBatch: %v", err)
	}
	if len(out) != len(items) {
		t.Fatalf("SaveBatch returned %d outcomes for %d items", len(out), len(items))
	}
	for i, o := range out {
		if want != nil && o.Result != want[i] {
			t.Errorf("item %d (%s): result %v, want %v", i, items[i].Report.ReportID, o.Result, want[i])
		}
	}
	return out
}

var t0 = time.Date(2026, 10, 1, 6, 0, 0, 0, time.UTC)

func newHost(seed uint64, tenant string) *reportgen.Host {
	return reportgen.NewHost(seed, int(seed), tenant, 40, -1)
}

func mustHost(t *testing.T, s store.Store, sc store.Scope, id string) store.Host {
	t.Helper()
	h, err := s.Host(t.Context(), sc, id)
	if err != nil {
		t.Fatalf("Host(%s): %v", id, err)
	}
	return h
}

func allFindings(t *testing.T, s store.Store, sc store.Scope, f store.FindingFilter) []store.Finding {
	t.Helper()
	var out []store.Finding
	p := store.Page{Limit: 7}
	for range 1000 {
		page, err := s.Findings(t.Context(), sc, f, p)
		if err != nil {
			t.Fatalf("Findings: %v", err)
		}
		out = append(out, page.Findings...)
		if page.Next == "" {
			return out
		}
		p.Cursor = page.Next
	}
	t.Fatal("Findings: pagination does not end")
	return nil
}

func allHosts(t *testing.T, s store.Store, sc store.Scope, f store.HostFilter, limit int) []store.Host {
	t.Helper()
	var out []store.Host
	p := store.Page{Limit: limit}
	for range 1000 {
		page, err := s.Hosts(t.Context(), sc, f, p)
		if err != nil {
			t.Fatalf("Hosts: %v", err)
		}
		out = append(out, page.Hosts...)
		if page.Next == "" {
			return out
		}
		p.Cursor = page.Next
	}
	t.Fatal("Hosts: pagination does not end")
	return nil
}
