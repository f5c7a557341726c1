package agent

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.yaml.in/yaml/v3"

	"github.com/demarc/demarc/agent/deliver"
	"github.com/demarc/demarc/collectors/all"
	"github.com/demarc/demarc/config"
	"github.com/demarc/demarc/ingest"
	"github.com/demarc/demarc/ingest/store/sqlite"
	"github.com/demarc/demarc/internal/fixture"
	"github.com/demarc/demarc/internal/hostfs"
	"github.com/demarc/demarc/report"
	"github.com/demarc/demarc/rules"
	"github.com/demarc/demarc/rules/lifecycle"
	"github.com/demarc/demarc/scan"
)

// lcRecorder records the lifecycle requests a real server answers.
type lcRecorder struct {
	h    http.Handler
	mu   sync.Mutex
	seen [][2]string // If-None-Match, status
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(s int) { w.status = s; w.ResponseWriter.WriteHeader(s) }

func (rc *lcRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	rc.h.ServeHTTP(sw, r)
	if r.URL.Path == "/api/v1/lifecycle" {
		rc.mu.Lock()
		rc.seen = append(rc.seen, [2]string{r.Header.Get("If-None-Match"), fmt.Sprint(sw.status)})
		rc.mu.Unlock()
	}
}

func (rc *lcRecorder) last() [2]string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.seen) == 0 {
		return [2]string{}
	}
	return rc.seen[len(rc.seen)-1]
}

// TestLifecycleFromTheServer: an enrolled agent asks the real server for
// its lifecycle data before each scan (If-None-Match: 304 while it is
// unchanged), and after an import in which PHP 8.2 reached its end of
// life, its next scan of the cpanel-alma9 fixture host says so.
func TestLifecycleFromTheServer(t *testing.T) {
	ctx := t.Context()
	t.Setenv("TMPDIR", t.TempDir()) // the rpm collector's private copy
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "d.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var now atomic.Int64
	now.Store(time.Now().UnixNano())
	srv, err := ingest.New(ingest.Config{Store: db, Log: zerolog.Nop(), TokenCacheTTL: -1, Retention: -1,
		Now: func() time.Time { return time.Unix(0, now.Load()) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	rec := &lcRecorder{h: srv.Handler()}
	hs := httptest.NewServer(rec)
	t.Cleanup(hs.Close)

	secret, es, err := ingest.NewEnrollSecret("acme", "test", time.Now(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateEnrollSecret(ctx, es); err != nil {
		t.Fatal(err)
	}
	secretFile := filepath.Join(dir, "enroll-secret")
	if err := os.WriteFile(secretFile, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	hostDir := filepath.Join("..", "scan", "testdata", "hosts", "cpanel-alma9")
	var st *Setup
	scanHost := fixtureScan(t, hostDir, func() *lifecycle.Dataset { return st.Lifecycle.Dataset() })
	y := fmt.Sprintf("state_dir: %s\nreport:\n  url: %s/api/v1/reports\n  enroll_secret_file: %s\n  timeout: 5s\nspool:\n  dir: %s\n",
		filepath.Join(dir, "state"), hs.URL, secretFile, filepath.Join(dir, "spool"))
	cfg, err := config.Parse("agent.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	if st, err = FromConfigRoot(cfg, scanHost, "1.2.3", hostfs.Live()); err != nil {
		t.Fatal(err)
	}
	if _, err := Enroll(ctx, st, "", zerolog.Nop()); err != nil {
		t.Fatal(err)
	}
	a := New(Options{Log: zerolog.Nop(), ReleaseMemory: func() {}})
	a.prepare(st, "test", true)

	php82 := func() report.Finding {
		t.Helper()
		a.run(ctx, st)
		r := a.stats.Report
		if r == nil {
			t.Fatal("no scan")
		}
		for _, f := range r.Findings {
			if f.Product == "PHP" && f.Installed == "8.2.29" && (f.Kind == report.KindEOL || f.Kind == report.KindEOLSoon) {
				return f
			}
		}
		t.Fatalf("no end-of-life finding for PHP 8.2.29 in %d findings", len(r.Findings))
		return report.Finding{}
	}

	emb := sha256Hex(lifecycle.Embedded())
	if f := php82(); f.Kind != report.KindEOLSoon {
		t.Errorf("before the import: PHP 8.2 %s, want eol_soon", f.Kind)
	}
	if got := rec.last(); got != [2]string{"", "200"} {
		t.Errorf("first fetch %q, want 200 without If-None-Match", got)
	}
	cached, err := os.ReadFile(st.Lifecycle.Path())
	if err != nil || sha256Hex(cached) != emb {
		t.Fatalf("cache after the first fetch: %v", err)
	}
	if fi, err := os.Stat(st.Lifecycle.Path()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("cache mode %v %v, want 0600", fi.Mode(), err)
	}
	php82()
	if got := rec.last(); got != [2]string{`"` + emb + `"`, "304"} {
		t.Errorf("unchanged data: %q, want 304 to If-None-Match", got)
	}

	// The import: PHP 8.2 ended on 2026-11-15.
	b, err := os.ReadFile(filepath.Join("..", "rules", "lifecycle", "testdata", "apiv1", "php-8.2-eol.json"))
	if err != nil {
		t.Fatal(err)
	}
	base, _ := lifecycle.Default()
	d, err := lifecycle.Import(base, []lifecycle.ImportFile{{Name: "php.json", Data: b}}, lifecycle.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	v, err := ingest.NewLifecycleVersion(d, 1, "admin", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PutLifecycle(ctx, v); err != nil {
		t.Fatal(err)
	}
	now.Add(int64(time.Minute)) // past the server's reload interval
	f := php82()
	if got := rec.last(); got != [2]string{`"` + emb + `"`, "200"} {
		t.Errorf("after the import: %q, want 200 (new ETag)", got)
	}
	if f.Kind != report.KindEOL {
		t.Errorf("after the import: PHP 8.2 %s (%s), want eol", f.Kind, f.Rationale)
	}
	if cached, _ := os.ReadFile(st.Lifecycle.Path()); sha256Hex(cached) != v.SHA256 {
		t.Error("the cache does not hold the imported version")
	}
	php82()
	if got := rec.last(); got != [2]string{`"` + v.SHA256 + `"`, "304"} {
		t.Errorf("unchanged again: %q, want 304", got)
	}

	// A damaged cache is the built-in data (and the next fetch repairs it).
	if err := os.WriteFile(st.Lifecycle.Path(), []byte(`{"schema":`), 0o600); err != nil {
		t.Fatal(err)
	}
	if st.Lifecycle.Dataset() != nil {
		t.Error("a damaged cache was used")
	}
}

// fixtureScan scans a fixture host under scan/testdata/hosts as of
// 2026-11-28 on the managed tier, judging with data() (nil: built in).
func fixtureScan(t *testing.T, hostDir string, data func() *lifecycle.Dataset) ScanFunc {
	t.Helper()
	root, err := hostfs.New(filepath.Join(hostDir, "rootfs"))
	if err != nil {
		t.Fatal(err)
	}
	runner, err := fixture.Runner(hostDir, root)
	if err != nil {
		t.Fatal(err)
	}
	var sim all.Simulated
	lb, err := os.ReadFile(filepath.Join(hostDir, "live.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(lb, &sim); err != nil {
		t.Fatal(err)
	}
	def, err := rules.NewEngine(rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return func(ctx context.Context) (*report.Report, error) {
		eng := def
		if d := data(); d != nil {
			if eng, err = rules.NewEngine(rules.Options{Lifecycle: d}); err != nil {
				return nil, err
			}
		}
		return scan.Run(ctx, scan.Options{Root: root, Runner: runner, Log: zerolog.Nop(),
			Now: func() time.Time { return time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC) },
			At:  time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC), Profile: report.Profile{Tier: report.TierManaged, MaintenanceAgreement: true},
			Engine: eng, AgentName: "demarc", AgentVersion: "test", Live: sim.Facts()})
	}
}

// TestLifecycleOlderServer: a server without the endpoint (404) means the
// built-in data, quietly: a cache from before is removed.
func TestLifecycleOlderServer(t *testing.T) {
	hs := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(hs.Close)
	c, err := deliverClient(hs.URL + "/api/v1/reports")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	l := newLifecycleCache(dir, c, func() (string, bool) { return "dmh_x", true })
	if err := l.write(lifecycle.Embedded()); err != nil {
		t.Fatal(err)
	}
	if l.Dataset() == nil {
		t.Fatal("a good cache was not used")
	}
	l.Refresh(t.Context())
	if _, err := os.Stat(l.Path()); !os.IsNotExist(err) || l.Dataset() != nil {
		t.Errorf("after a 404: cache %v, want removed and the built-in data", err)
	}
	// Nothing to ask with: no request, no cache.
	none := newLifecycleCache(t.TempDir(), c, func() (string, bool) { return "", false })
	none.Refresh(t.Context())
	if none.Dataset() != nil {
		t.Error("data without a fetch")
	}
}

func deliverClient(url string) (*deliver.Client, error) {
	return deliver.New(deliver.Options{URL: url, UserAgent: "test"})
}
