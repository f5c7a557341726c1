package deliver

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

const (
	testHostID  = "0123456789abcdef0123456789abcdef"
	testHostKey = "dmh_00112233aabbccdd_c2VjcmV0LXBhcnQtb2YtdGhlLWhvc3Qta2V5LWZvci10ZXN0"
)

func TestEnrollURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://demarc.example.net/api/v1/reports":   "https://demarc.example.net/api/v1/enroll",
		"https://example.net/demarc/api/v1/reports?x": "https://example.net/demarc/api/v1/enroll",
	} {
		if got, err := EnrollURL(in); err != nil || got != want {
			t.Errorf("EnrollURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// The enrollment request carries the secret as the bearer and the facts
// as JSON; each answer maps to one outcome.
func TestEnroll(t *testing.T) {
	good := `{"host_id":"` + testHostID + `","host_key":"` + testHostKey + `","tenant":"acme"}`
	cases := []struct {
		name   string
		status int
		body   string
		is     error
		retry  bool
	}{
		{"created", 201, good, nil, false},
		{"legacy token", 201, `{"host_id":"` + testHostID + `","host_key":"` + testHostKey + `","tenant":"acme","warning":"agent tokens are deprecated"}`, nil, false},
		{"bad secret", 401, `{"error":"invalid, expired, used-up or revoked enroll secret","code":"unauthenticated"}`, ErrAuth, true},
		{"throttled", 429, `{"code":"auth_throttled"}`, ErrServer, true},
		{"older server", 404, "404 page not found", ErrNoEnroll, false},
		{"no host id", 201, `{"host_key":"` + testHostKey + `"}`, ErrBadEnrollAnswer, false},
		{"not a host key", 201, `{"host_id":"` + testHostID + `","host_key":"dmc_x_y"}`, ErrBadEnrollAnswer, false},
		{"host id not hex", 201, `{"host_id":"../../../../etc/passwd0000000000000","host_key":"` + testHostKey + `"}`, ErrBadEnrollAnswer, false},
		{"catch-all page", 200, "<html>welcome</html>", ErrBadEnrollAnswer, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got Facts
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/api/v1/enroll" || r.Method != http.MethodPost || r.Header.Get("Authorization") != "Bearer dme_secret" {
					http.NotFound(w, r)
					return
				}
				b, _ := io.ReadAll(r.Body)
				json.Unmarshal(b, &got)
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			facts := Facts{Hostname: "web01", MachineID: "m", OS: FactsOS{ID: "debian", VersionID: "12"}, AgentVersion: "1.2.3"}
			e, err := newClient(t, Options{URL: srv.URL + "/api/v1/reports"}).Enroll(context.Background(), "dme_secret", facts)
			var re *RetryError
			switch {
			case tc.is == nil:
				if err != nil || e.HostID != testHostID || e.HostKey != testHostKey || e.Tenant != "acme" || got != facts {
					t.Fatalf("Enroll = %+v, %v; server saw %+v", e, err, got)
				}
			case !errors.Is(err, tc.is) || errors.As(err, &re) != tc.retry:
				t.Fatalf("Enroll error = %#v, want %v (retry %v)", err, tc.is, tc.retry)
			}
		})
	}
}

// A rotation answer's host key comes back in the Receipt; anything that
// is not a host key is ignored.
func TestReceiptHostKey(t *testing.T) {
	for body, want := range map[string]string{
		`{"report_id":"r1","status":"created","host_key":"` + testHostKey + `"}`: testHostKey,
		`{"report_id":"r1","status":"created"}`:                                  "",
		`{"host_key":"dmh_with space"}`:                                          "",
		`{"host_key":"dmc_0011_notahostkey"}`:                                    "",
		`not json`:                                                               "",
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer dmh_current" {
				w.WriteHeader(401)
				return
			}
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, body)
		}))
		rc, err := newClient(t, Options{URL: srv.URL}).SendAs(context.Background(), "dmh_current", []byte(testReport))
		srv.Close()
		if err != nil || rc.HostKey != want {
			t.Errorf("body %s: receipt %+v, %v; want host key %q", body, rc, err, want)
		}
	}
}

func TestEnrollmentCodes(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
		cred   bool
	}{
		{401, `{"error":"host revoked","code":"host_revoked"}`, true},
		{403, `{"error":"enroll first","code":"enroll_first"}`, true},
		{403, `{"error":"this credential may not post this report","code":"forbidden_report"}`, false},
	} {
		if got := AboutCredential(tc.status, parseAnswer([]byte(tc.body)).code); got != tc.cred {
			t.Errorf("AboutCredential(%d, %s) = %v, want %v", tc.status, tc.body, got, tc.cred)
		}
	}
}
