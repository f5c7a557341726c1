package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest"
)

// TestSignInPageSaysWhichToken: the sign-in page says which token to paste
// (a viewer's or an admin's, dmc_…) and how an admin gets one.
func TestSignInPageSaysWhichToken(t *testing.T) {
	e := newEnv(t, 1, 1)
	code, body := e.get(e.client(), "/signin")
	if code != http.StatusOK {
		t.Fatalf("sign-in page: %d", code)
	}
	help := between(body, `id="token-help"`, "</form>")
	for _, want := range []string{"<strong>viewer</strong>", "<strong>admin</strong>", "<code>dmc_</code>", "dme_…", "dmh_…",
		"demarc-server token create --tenant NAME --role viewer", "demarc-server token create --role admin", "bootstrap-admin-token"} {
		if !strings.Contains(help, want) {
			t.Errorf("sign-in help lacks %q:\n%s", want, help)
		}
	}
}

// TestSignInWithOtherCredentials: an enroll secret and a host key are
// genuine credentials that do not read: each gets its own explanation (not
// "agent token"); a revoked host's key is an invalid token (it was a 503
// "the database did not answer").
func TestSignInWithOtherCredentials(t *testing.T) {
	e := newEnv(t, 1, 1)
	secret, rec, err := ingest.NewEnrollSecret("acme", "test", *e.clock, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.CreateEnrollSecret(t.Context(), rec); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"hostname": "web9", "machine_id": "0f0e0d0c0b0a09080706050403020100",
		"os": map[string]string{"id": "debian", "version_id": "12"}, "agent_version": "test"})
	req, _ := http.NewRequest(http.MethodPost, e.http.URL+"/api/v1/enroll", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var enrolled struct{ HostID, HostKey string }
	err = json.NewDecoder(resp.Body).Decode(&struct {
		HostID  *string `json:"host_id"`
		HostKey *string `json:"host_key"`
	}{&enrolled.HostID, &enrolled.HostKey})
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusCreated || enrolled.HostKey == "" {
		t.Fatalf("enroll: %d %v %+v", resp.StatusCode, err, enrolled)
	}

	try := func(token string) (int, string) {
		c := e.client()
		_, form := e.get(c, "/signin")
		m := csrfRE.FindStringSubmatch(form)
		resp, err := c.PostForm(e.http.URL+"/signin", url.Values{"csrf": {m[1]}, "token": {token}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, between(string(b), `id="signin-error">`, "</p>")
	}
	for name, tc := range map[string]struct {
		token string
		want  int
		msg   string
	}{
		"enroll secret": {secret, http.StatusForbidden, "This is an enroll secret (dme_…)"},
		"host key":      {enrolled.HostKey, http.StatusForbidden, "This is a host key (dmh_…)"},
		"agent token":   {e.tok["agentA"], http.StatusForbidden, "This is an agent token"},
	} {
		if code, msg := try(tc.token); code != tc.want || !strings.Contains(msg, tc.msg) || !strings.Contains(msg, "viewer or admin token") {
			t.Errorf("%s: %d %q, want %d %q", name, code, msg, tc.want, tc.msg)
		}
	}
	if err := e.st.RevokeHost(t.Context(), enrolled.HostID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if code, msg := try(enrolled.HostKey); code != http.StatusUnauthorized || !strings.Contains(msg, "not valid") {
		t.Errorf("a revoked host's key: %d %q, want 401 not valid", code, msg)
	}
}
