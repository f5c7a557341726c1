package deliver

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/demarc/demarc/rules/lifecycle"
)

func TestLifecycleURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://demarc.example.net/api/v1/reports": "https://demarc.example.net/api/v1/lifecycle",
		"https://example.net/demarc/api/v1/reports": "https://example.net/demarc/api/v1/lifecycle",
	} {
		if got, err := LifecycleURL(in); err != nil || got != want {
			t.Errorf("LifecycleURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// TestFetchLifecycle: the answers the server may give, including hostile
// ones (a body over the limit, an error page).
func TestFetchLifecycle(t *testing.T) {
	big := strings.Repeat(" ", lifecycle.MaxDatasetBytes+1)
	cases := []struct {
		name   string
		status int
		body   string
		want   error
		ok     bool
	}{
		{"ok", 200, `{"schema":"x"}`, nil, true},
		{"not modified", 304, "", ErrNotModified, false},
		{"older server", 404, `{"error":"no such API endpoint","code":"not_found"}`, ErrNoLifecycle, false},
		{"method", 405, "", ErrNoLifecycle, false},
		{"refused", 401, `{"error":"unauthorized"}`, ErrAuth, false},
		{"forbidden", 403, `<html>no</html>`, ErrAuth, false},
		{"down", 503, "", ErrServer, false},
		{"teapot", 418, "", nil, false},
		{"over the limit", 200, big, nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var inm, auth string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/api/v1/lifecycle" {
					http.NotFound(w, r)
					return
				}
				inm, auth = r.Header.Get("If-None-Match"), r.Header.Get("Authorization")
				w.Header().Set("ETag", `"abc"`)
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			c, err := New(Options{URL: srv.URL + "/api/v1/reports", UserAgent: "test"})
			if err != nil {
				t.Fatal(err)
			}
			b, etag, err := c.FetchLifecycle(t.Context(), "dmh_key", "old")
			if inm != `"old"` || auth != "Bearer dmh_key" {
				t.Errorf("asked with If-None-Match %q, Authorization %q", inm, auth)
			}
			if tc.ok {
				if err != nil || string(b) != tc.body || etag != "abc" {
					t.Errorf("got %q %q %v", b, etag, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, body %d bytes", len(b))
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("err %v, want %v", err, tc.want)
			}
		})
	}
}
