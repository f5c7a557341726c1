package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestAgentDefaults(t *testing.T) {
	for name, src := range map[string]string{"empty": "", "partial": "tier: iaas\n"} {
		c, err := Parse("agent.yaml", []byte(src))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if c.Schedule != DefaultSchedule || time.Duration(c.Splay) != DefaultSplay || c.RunOnStart == nil || !*c.RunOnStart ||
			time.Duration(c.Report.Timeout) != DefaultReportTimeout || c.Spool.Dir != DefaultSpoolDir || c.Spool.MaxReports != DefaultMaxReports {
			t.Errorf("%s: defaults not applied: %+v", name, c)
		}
	}
	c, err := Parse("agent.yaml", []byte("splay: 0s\nrun_on_start: false\nspool:\n  max_reports: 5\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Splay != 0 || *c.RunOnStart || c.Spool.MaxReports != 5 {
		t.Errorf("explicit values overridden: %+v", c)
	}
}

func TestAgentValuesNameKeyAndLine(t *testing.T) {
	cases := []struct {
		name, yaml, key string
		line            int
		is              error
	}{
		{"bad cron", "provider: x\nschedule: \"61 * * * *\"\n", "schedule", 2, nil},
		{"junk schedule", "schedule: sometimes\n", "schedule", 1, nil},
		{"every zero", "schedule: \"@every 0s\"\n", "schedule", 1, nil},
		{"every junk", "schedule: \"@every often\"\n", "schedule", 1, nil},
		{"splay too long", "splay: 25h\n", "splay", 1, nil},
		{"ftp url", "report:\n  url: ftp://demarc.example.net/\n  token_file: /t\n", "report.url", 2, nil},
		{"plain http", "report:\n  token_file: /t\n  url: http://demarc.example.net/api/v1/reports\n", "report.url", 3, ErrInsecureURL},
		{"credentials", "report:\n  url: https://u:p@demarc.example.net/\n  token_file: /t\n", "report.url", 2, nil},
		{"no host", "report:\n  url: https:///api\n  token_file: /t\n", "report.url", 2, nil},
		{"relative enroll secret", "report:\n  enroll_secret_file: enroll-secret\n", "report.enroll_secret_file", 2, nil},
		{"relative state dir", "state_dir: var/lib/demarc\n", "state_dir", 1, nil},
		{"cert without key", "report:\n  client_cert: /c.pem\n", "report.client_cert", 2, nil},
		{"timeout short", "report:\n  timeout: 500ms\n", "report.timeout", 2, nil},
		{"timeout long", "report:\n  timeout: 11m\n", "report.timeout", 2, nil},
		{"max reports huge", "spool:\n  max_reports: 2000000\n", "spool.max_reports", 2, nil},
		{"max reports negative", "spool:\n  max_reports: -1\n", "spool.max_reports", 2, nil},
		{"relative spool", "spool:\n  dir: spool\n", "spool.dir", 2, nil},
		{"relative token", "report:\n  url: https://demarc.example.net/\n  token_file: token\n", "report.token_file", 3, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("agent.yaml", []byte(tc.yaml))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse error = %v, want a *Error", err)
			}
			if e.Key != tc.key || e.Line != tc.line || e.File != "agent.yaml" {
				t.Fatalf("error at %s:%d key %q, want line %d key %q (%v)", e.File, e.Line, e.Key, tc.line, tc.key, err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("error %v is not %v", err, tc.is)
			}
		})
	}
}

func TestAgentValuesAccepted(t *testing.T) {
	for _, y := range []string{
		"schedule: \"@every 6h\"\n",
		"schedule: \"@daily\"\n",
		"schedule: \"CRON_TZ=Europe/Amsterdam 30 2 * * *\"\n",
		"report:\n  url: http://127.0.0.1:8080/api/v1/reports\n  token_file: /t\n",
		"report:\n  url: https://demarc.example.net/api/v1/reports\n", // enrolls with the default enroll secret file
		"report:\n  url: http://localhost/api/v1/reports\n  token_file: /t\n",
		"report:\n  url: http://[::1]/api/v1/reports\n  token_file: /t\n",
		"report:\n  url: http://demarc.lan/api/v1/reports\n  token_file: /t\n  allow_insecure_http: true\n",
		"report:\n  url: https://demarc.example.net/api/v1/reports?x=1\n  token_file: /t\n  client_cert: /c\n  client_key: /k\n",
	} {
		if _, err := Parse("agent.yaml", []byte(y)); err != nil {
			t.Errorf("Parse(%q) = %v", y, err)
		}
	}
}

func TestAgentTypoIsAnError(t *testing.T) {
	for _, y := range []string{"schedul: \"@every 1h\"\n", "report:\n  urll: https://x/\n", "spool:\n  max_report: 3\n", "splay: soon\n"} {
		_, err := Parse("agent.yaml", []byte(y))
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Parse(%q) error = %v, want a *Error", y, err)
		}
	}
}

// agentFiles writes a token, and returns a config body using it.
func agentFiles(t *testing.T, tokenMode os.FileMode, token string) (dir, body string) {
	t.Helper()
	dir = t.TempDir()
	tok := filepath.Join(dir, "token")
	if err := os.WriteFile(tok, []byte(token), tokenMode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(tok, tokenMode); err != nil {
		t.Fatal(err)
	}
	// The spool is named so that the checks do not depend on whether this
	// machine has /var/lib/demarc/spool (see agentIdentity).
	return dir, "schedule: \"@every 1h\"\nspool:\n  dir: " + filepath.Join(dir, "spool") +
		"\nreport:\n  url: https://demarc.example.net/api/v1/reports\n  token_file: " + tok + "\n"
}

func checkAgent(t *testing.T, body string) ([]*Error, error) {
	t.Helper()
	c, err := Parse("agent.yaml", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return c.CheckAgent()
}

func TestCheckAgent(t *testing.T) {
	dir, good := agentFiles(t, 0o600, "abc123\n")
	if w, err := checkAgent(t, good); err != nil || len(w) != 0 {
		t.Fatalf("good config: warnings %v, error %v", w, err)
	}
	cases := []struct {
		name, body, key string
		is              error
	}{
		{"nothing to do", "tier: managed\n", "report.url", ErrNoOutput},
		{"token missing", strings.Replace(good, filepath.Join(dir, "token"), filepath.Join(dir, "gone"), 1), "report.token_file", fs.ErrNotExist},
		{"ca junk", good + "  ca_file: " + writeTemp(t, "ca.pem", "junk") + "\n", "report.ca_file", ErrNoCertificate},
		{"ca missing", good + "  ca_file: /nonexistent/ca.pem\n", "report.ca_file", fs.ErrNotExist},
		{"client cert missing", good + "  client_cert: /nonexistent/c.pem\n  client_key: /nonexistent/c.key\n", "report.client_cert", fs.ErrNotExist},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := checkAgent(t, tc.body)
			var e *Error
			if !errors.As(err, &e) || e.Key != tc.key || !errors.Is(err, tc.is) {
				t.Fatalf("CheckAgent error = %v, want %v at %s", err, tc.is, tc.key)
			}
		})
	}
	_, empty := agentFiles(t, 0o600, "  \n")
	if _, err := checkAgent(t, empty); !errors.Is(err, ErrEmptyToken) {
		t.Fatalf("empty token: %v", err)
	}
	_, two := agentFiles(t, 0o600, "abc\ndef\n")
	if _, err := checkAgent(t, two); !errors.Is(err, ErrBadToken) {
		t.Fatalf("two-line token: %v", err)
	}
}

func TestCheckAgentWarnings(t *testing.T) {
	w, err := checkAgent(t, "schedule: \"@every 1s\"\ntextfile_dir: /nonexistent/textfile\n")
	if err != nil || len(w) != 2 {
		t.Fatalf("warnings %v, error %v; want textfile_dir and schedule", w, err)
	}
}

func writeTemp(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{"@every 6h", "0 */6 * * *", "@every -1s", "CRON_TZ=X * * * * *", "@every 9999999999999999999h", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sched, err := ParseSchedule(s)
		if err == nil {
			sched.Next(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
		}
	})
}
