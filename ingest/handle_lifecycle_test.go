package ingest_test

import (
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest"
	"github.com/demarc/demarc/rules/lifecycle"
)

// lcGet asks GET /api/v1/lifecycle with the token and extra headers and
// returns the status, the ETag and the body (decompressed when gzip).
func lcGet(t *testing.T, e *env, token string, hdr map[string]string) (int, string, []byte, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, e.http.URL+"/api/v1/lifecycle", nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Accept-Encoding", "identity")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r io.Reader = resp.Body
	enc := resp.Header.Get("Content-Encoding")
	if enc == "gzip" {
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("ETag"), b, enc
}

func hexSHA(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// TestLifecycleEndpoint: the embedded data until an import, then the
// newest version (within the reload interval); a strong ETag, 304 for
// If-None-Match, gzip on request; any valid credential, no invalid one.
func TestLifecycleEndpoint(t *testing.T) {
	var now atomic.Int64
	now.Store(t0.UnixNano())
	e := newEnv(t, func(c *ingest.Config) { c.Now = func() time.Time { return time.Unix(0, now.Load()) } })
	emb := lifecycle.Embedded()
	code, etag, body, _ := lcGet(t, e, e.tok["agentA"], nil)
	if code != http.StatusOK || etag != `"`+hexSHA(emb)+`"` || string(body) != string(emb) {
		t.Fatalf("embedded: %d %s (%d bytes), want 200 with the embedded data's sha256", code, etag, len(body))
	}
	for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
		if code, got, body, _ := lcGet(t, e, e.tok["agentA"], map[string]string{"If-None-Match": inm}); code != http.StatusNotModified || got != etag || len(body) != 0 {
			t.Errorf("If-None-Match %s: %d %s %d bytes, want 304", inm, code, got, len(body))
		}
	}
	for _, inm := range []string{`"other"`, "garbage", `"` + hexSHA(emb)[:10] + `"`, ""} {
		if code, _, _, _ := lcGet(t, e, e.tok["agentA"], map[string]string{"If-None-Match": inm}); code != http.StatusOK {
			t.Errorf("If-None-Match %q: %d, want 200", inm, code)
		}
	}
	code, _, body, enc := lcGet(t, e, e.tok["viewerB"], map[string]string{"Accept-Encoding": "br, gzip;q=0.8"})
	if code != http.StatusOK || enc != "gzip" || string(body) != string(emb) {
		t.Errorf("gzip: %d %q, %d bytes", code, enc, len(body))
	}
	if _, _, _, enc := lcGet(t, e, e.tok["admin"], map[string]string{"Accept-Encoding": "gzip;q=0"}); enc != "" {
		t.Errorf("gzip;q=0 answered with %q", enc)
	}
	for _, tok := range []string{"", e.tok["revoked"], "dmc_0123456789abcdef_" + "x", e.tok["agentA"] + "x"} {
		if code, _, _, _ := lcGet(t, e, tok, nil); code != http.StatusUnauthorized {
			t.Errorf("credential %q: %d, want 401", tok, code)
		}
	}
	if code, _ := e.do(http.MethodPost, "/api/v1/lifecycle", e.tok["admin"], []byte("{}"), nil); code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d, want 405", code)
	}

	// An import: served once the reload interval has passed.
	base, err := lifecycle.Default()
	if err != nil {
		t.Fatal(err)
	}
	d, err := lifecycle.Import(base, []lifecycle.ImportFile{{Name: "go.json", Data: readTestdata(t, "apiv1/go.json")}}, lifecycle.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	v, err := ingest.NewLifecycleVersion(d, 1, "admin", t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.PutLifecycle(t.Context(), v); err != nil {
		t.Fatal(err)
	}
	now.Add(int64(10 * time.Second))
	code, got, body, _ := lcGet(t, e, e.tok["agentA"], map[string]string{"If-None-Match": etag})
	if code != http.StatusOK || got != `"`+v.SHA256+`"` || hexSHA(body) != v.SHA256 {
		t.Fatalf("after the import: %d %s, want 200 with ETag %q", code, got, v.SHA256)
	}
	served, err := lifecycle.Parse(body)
	if err != nil || served.Product("go") == nil {
		t.Fatalf("served data: %v", err)
	}
	if code, _, _, _ := lcGet(t, e, e.tok["agentA"], map[string]string{"If-None-Match": got}); code != http.StatusNotModified {
		t.Errorf("new ETag: %d, want 304", code)
	}
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "rules", "lifecycle", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
