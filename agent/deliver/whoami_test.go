package deliver

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestWhoAmIURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://demarc.example.net/api/v1/reports":          "https://demarc.example.net/api/v1/whoami",
		"https://demarc.example.net:8443/api/v1/reports?x=1": "https://demarc.example.net:8443/api/v1/whoami",
		"https://example.net/demarc/api/v1/reports":          "https://example.net/demarc/api/v1/whoami",
		"http://127.0.0.1:8080":                              "http://127.0.0.1:8080/api/v1/whoami",
		"http://[::1]/ingest":                                "http://[::1]/ingest/api/v1/whoami",
	} {
		if got, err := WhoAmIURL(in); err != nil || got != want {
			t.Errorf("WhoAmIURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// whoamiServer mimics demarc-server's GET /api/v1/whoami.
func whoamiServer(t *testing.T, status int, body string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/whoami" || r.Method != http.MethodGet || r.Header.Get("Authorization") != "Bearer s3cret-token" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/api/v1/reports"
}

func TestWhoAmI(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		role   string
		is     error
	}{
		{"agent", 200, `{"token_id":"t1","tenant":"acme","role":"agent"}`, "agent", nil},
		{"viewer", 200, `{"token_id":"t2","tenant":"acme","role":"viewer"}`, "viewer", nil},
		{"bad token", 401, `{"error":"unauthenticated","message":"invalid or revoked token"}`, "", ErrAuth},
		{"older server", 404, "404 page not found", "", ErrNoWhoAmI},
		{"catch-all page", 200, "<html>welcome</html>", "", ErrNoWhoAmI},
		{"down", 503, "", "", ErrServer},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id, err := newClient(t, Options{URL: whoamiServer(t, tc.status, tc.body)}).WhoAmI(context.Background())
			if tc.is != nil {
				if !errors.Is(err, tc.is) {
					t.Fatalf("WhoAmI error = %v, want %v", err, tc.is)
				}
				return
			}
			if err != nil || id.Role != tc.role || id.Tenant != "acme" || id.TokenID == "" {
				t.Fatalf("WhoAmI = %+v, %v", id, err)
			}
		})
	}
}

func TestWhoAmIUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/api/v1/reports"
	ln.Close()
	_, err = newClient(t, Options{URL: url}).WhoAmI(context.Background())
	var re *RetryError
	if !errors.As(err, &re) {
		t.Fatalf("WhoAmI error = %v, want a RetryError", err)
	}
}
