package main

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// TestDemo fills a small demo fleet, refuses to fill it twice, then serves
// it: the web UI answers and the printed viewer token signs in.
func TestDemo(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "demo.db")
	var out, errb bytesBuffer
	if code := execute([]string{"demo", "--db", db, "--hosts", "12", "--days", "3", "--fill-only"}, &out, &errb); code != 0 {
		t.Fatalf("demo: %d %s", code, errb.String())
	}
	var viewer string
	for _, line := range splitLines(out.String()) {
		if strings.Contains(line, "viewer of ") {
			f := fields(line)
			viewer = f[len(f)-1]
		}
	}
	if !strings.Contains(out.String(), "with 12 hosts") || !strings.HasPrefix(viewer, "dmc_") {
		t.Fatalf("demo output:\n%s", out.String())
	}
	out.Reset()
	errb.Reset()
	if code := execute([]string{"demo", "--db", db, "--fill-only"}, &out, &errb); code == 0 || !strings.Contains(errb.String(), "not empty") {
		t.Errorf("a second demo on the same database: %d %q", code, errb.String())
	}
	bin := buildServer(t)
	srv := startServerArgs(t, bin, "serve", "--listen", "127.0.0.1:0", "--db", db, "--log-level", "warn")
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(srv.base + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signin") {
		t.Errorf("GET /: %d %s, want the sign-in page", resp.StatusCode, resp.Header.Get("Location"))
	}
	req, _ := http.NewRequest(http.MethodGet, srv.base+"/api/v1/hosts", nil)
	req.Header.Set("Authorization", "Bearer "+viewer)
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("the demo's viewer token on the API: %d", resp.StatusCode)
	}
}
