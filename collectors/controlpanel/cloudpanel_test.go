package controlpanel

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseCloudPanelEnv(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in, want string
	}{
		{name: "package .env", in: "APP_ENV=prod\nAPP_SECRET=FAKE-x\nAPP_VERSION='2.5.3'\n", want: "2.5.3"},
		{name: "double quotes", in: "APP_VERSION=\"2.4.2\"\n", want: "2.4.2"},
		{name: "bare", in: "APP_VERSION=2.0.0\r\n", want: "2.0.0"},
		{name: "empty"},
		{name: "no version", in: "APP_ENV=prod\nAPP_SECRET=FAKE-x\n"},
		{name: "not a version", in: "APP_VERSION='FAKE-secret'\n"},
		{name: "two parts", in: "APP_VERSION='2.5'\n"},
		{name: "binary", in: "\x00\x01APP_VERSION\x02"},
		{name: "huge line", in: "APP_SECRET=" + strings.Repeat("x", 1<<17) + "\nAPP_VERSION='2.5.3'\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseCloudPanelEnv([]byte(tc.in))
			if tc.want == "" {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("want ErrMalformed, got %q %v", got, err)
				}
				if err != nil && strings.Contains(err.Error(), "FAKE") {
					t.Fatalf("error quotes the file: %v", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q %v, want %q", got, err, tc.want)
			}
		})
	}
}

func TestCloudPanelUpstream(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"2.5.3-1+clp-bookworm": "2.5.3",
		"2.5.3-1+clp-trixie":   "2.5.3",
		"1:2.4.2-1+clp-jammy":  "2.4.2",
		"2.5.3":                "2.5.3",
	} {
		if got, _ := cloudPanelUpstream(in); got != want {
			t.Errorf("cloudPanelUpstream(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCloudPanelSecretNeverReported: the .env of the fixtures holds a
// (fake) APP_SECRET, and the malformed one a FAKE- value as APP_VERSION;
// neither reaches the result.
func TestCloudPanelSecretNeverReported(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"cloudpanel", "cloudpanel-pkgdb", "cloudpanel-malformed"} {
		c, _ := newCase(t, filepath.Join("testdata", name))
		res, err := c.Collect(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(res)
		s := string(b)
		for _, e := range res.Errors {
			s += e.Error()
		}
		if strings.Contains(s, "FAKE-") || strings.Contains(s, "APP_SECRET") {
			t.Errorf("%s: secret material in the result: %s", name, s)
		}
	}
}

func FuzzParseCloudPanelEnv(f *testing.F) {
	for _, s := range []string{"APP_SECRET=FAKE-x\nAPP_VERSION='2.5.3'\n", "APP_VERSION=x\n", "", binaryInput} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := ParseCloudPanelEnv(b)
		checkErr(t, err)
		if err == nil {
			checkValue(t, "version", v)
		}
	})
}
