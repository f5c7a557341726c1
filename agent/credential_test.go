package agent

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/demarc/demarc/agent/textfile"
)

// credentialMetric reads demarc_agent_credential_rejected from the
// textfile: its value and the labels it carries.
func credentialMetric(t *testing.T, dir string) (labels string, v string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, textfile.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if name, rest, ok := strings.Cut(line, " "); ok && strings.HasPrefix(name, "demarc_agent_credential_rejected") {
			return strings.TrimPrefix(name, "demarc_agent_credential_rejected"), rest
		}
	}
	t.Fatalf("no demarc_agent_credential_rejected in\n%s", b)
	return "", ""
}

// A viewer's token (403 forbidden_role) is the agent's configuration
// problem, not the report's: the report stays in the spool, the metric
// says the credential is refused, one error is logged however many runs
// fail, and the report goes out once the server accepts the token.
func TestWrongRoleTokenKeepsReportsAndSaysSo(t *testing.T) {
	for name, body := range map[string]string{
		"coded":  `{"error":"forbidden_role","message":"this token's role may not do this"}`,
		"legacy": `{"error":"this token's role may not do this","request_id":"r-1"}`, // a server that puts only the message in "error"
	} {
		t.Run(name, func(t *testing.T) {
			rv, srv := newReceiver(t)
			st := newSetup(t, srv.URL, &scanner{})
			st.TextfileDir = t.TempDir()
			a, logs := newAgent(t, st)
			rv.set(modeCode, 403, "", body)
			for range 3 {
				a.run(context.Background(), st)
			}
			a.drainNow(context.Background(), st)
			if got := pendingIDs(t, st.Spool); !slices.Equal(got, ids(3)) {
				t.Fatalf("spool = %v, want %v kept", got, ids(3))
			}
			if rej, _ := st.Spool.ListRejected(); len(rej) != 0 {
				t.Fatalf("rejected = %+v, want none: the reports were not judged", rej)
			}
			if l, v := credentialMetric(t, st.TextfileDir); v != "1" || l != `{reason="forbidden_role",status="403"}` {
				t.Fatalf("metric%s = %s, want {reason=\"forbidden_role\",status=\"403\"} 1", l, v)
			}
			if n := errorLines(logs.String()); n != 1 {
				t.Fatalf("%d error lines over 4 refused attempts, want one", n)
			}
			rv.set(modeUp, 0, "", "")
			a.drainNow(context.Background(), st)
			if s, _, _ := rv.snapshot(); !slices.Equal(s, ids(3)) {
				t.Fatalf("stored %v, want %v", s, ids(3))
			}
			if l, v := credentialMetric(t, st.TextfileDir); v != "0" || l != "" {
				t.Fatalf("metric%s = %s after delivery, want 0", l, v)
			}
		})
	}
}

// A 403 about the report (it names another tenant) is still the report's
// problem: rejected, not retried, and the credential is not blamed.
func TestForbiddenReportIsStillRejected(t *testing.T) {
	rv, srv := newReceiver(t)
	st := newSetup(t, srv.URL, &scanner{})
	st.TextfileDir = t.TempDir()
	a, _ := newAgent(t, st)
	rv.set(modeCode, 403, "", `{"error":"tenant","message":"report names another tenant than the token's"}`)
	a.run(context.Background(), st)
	if rej, _ := st.Spool.ListRejected(); len(rej) != 1 {
		t.Fatalf("rejected = %+v, want the report", rej)
	}
	if _, v := credentialMetric(t, st.TextfileDir); v != "0" {
		t.Fatalf("credential metric = %s, want 0", v)
	}
}

func errorLines(log string) int {
	n := 0
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, `"level":"error"`) {
			n++
		}
	}
	return n
}
