package ingest_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/ingest/store/sqlite"
)

// gatedStore holds every SaveBatch until gate is closed.
type gatedStore struct {
	store.Store
	gate chan struct{}
}

func (g gatedStore) SaveBatch(ctx context.Context, items []store.Incoming) ([]store.Outcome, error) {
	<-g.gate
	return g.Store.SaveBatch(ctx, items)
}

// TestClientGoneIsNotAStoreFailure: an agent that gives up while its
// report waits for the commit (its timeout, a cut network) is counted as
// client_gone, not as a storage failure, and its report is still stored:
// the retry is answered 200. The fleet simulation's network cuts showed
// hundreds of "store report" errors for a healthy database.
func TestClientGoneIsNotAStoreFailure(t *testing.T) {
	t.Parallel()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "demarc.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	gs := gatedStore{Store: st, gate: make(chan struct{})}
	e := newEnvOn(t, gs, nil)
	r := host(7, "acme").Next(time.Now())
	body := gz(t, mustJSON(t, r))

	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.http.URL+"/api/v1/reports", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("Authorization", "Bearer "+e.tok["agentA"])
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("answered %d while the commit was held", resp.StatusCode)
	}
	close(gs.gate)

	// The report was queued before the client left: it is committed.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, reports := e.stored(); reports == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the report of the client that went away was never stored")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if status, _ := e.do(http.MethodPost, "/api/v1/reports", e.tok["agentA"], body, map[string]string{"Content-Encoding": "gzip", "Content-Type": "application/json"}); status != http.StatusOK {
		t.Fatalf("retry answered %d, want 200 (duplicate)", status)
	}
	resp, err := http.Get(e.http.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	metrics := string(b)
	for _, want := range []string{
		`demarc_ingest_rejects_total{reason="client_gone"} 1`,
		`demarc_ingest_rejects_total{reason="store"} 0`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
