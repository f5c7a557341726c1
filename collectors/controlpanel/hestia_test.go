package controlpanel

import (
	"errors"
	"strings"
	"testing"
)

func TestParseHestiaConf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in, version, branch string
		err                       bool
	}{
		{name: "installer", in: "BACKEND_PORT='8083'\nRELEASE_BRANCH='release'\nVERSION='1.10.3'\n", version: "1.10.3", branch: "release"},
		{name: "beta channel", in: "VERSION='1.10.0~beta'\nRELEASE_BRANCH='beta'\n", version: "1.10.0~beta", branch: "beta"},
		{name: "no branch", in: "VERSION='1.8.12'\n", version: "1.8.12"},
		{name: "crlf and blanks", in: "\r\n  VERSION='1.9.4'\r\n", version: "1.9.4"},
		{name: "last wins", in: "VERSION='1.9.4'\nVERSION='1.10.3'\n", version: "1.10.3"},
		{name: "empty", in: "", err: true},
		{name: "no version", in: "RELEASE_BRANCH='release'\n", err: true},
		{name: "not a version", in: "VERSION='1.10.x'\n", err: true},
		{name: "empty version", in: "VERSION=''\n", err: true},
		{name: "unquoted", in: "VERSION=1.10.3\n", err: true},
		{name: "shell", in: "VERSION='$(id)'\n", err: true},
		{name: "binary", in: "VERSION='1.10.3'\n\x00\x01", err: true},
		{name: "huge line", in: "VERSION='" + strings.Repeat("9", 1<<17) + "'\n", err: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v, b, err := ParseHestiaConf([]byte(tc.in))
			if tc.err {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("want ErrMalformed, got %q %q %v", v, b, err)
				}
				return
			}
			if err != nil || v != tc.version || b != tc.branch {
				t.Fatalf("got %q %q %v, want %q %q", v, b, err, tc.version, tc.branch)
			}
		})
	}
}

func TestHestiaUpstream(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"1.10.3-1+debian12":       "1.10.3",
		"1.10.0-1+debian13~alpha": "1.10.0~alpha",
		"1.9.4-2+ubuntu24.04":     "1.9.4",
		"1.8.12":                  "1.8.12",
		"1.8.12-1":                "1.8.12",
	} {
		if got, _ := hestiaUpstream(in); got != want {
			t.Errorf("hestiaUpstream(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParseHestiaConf(f *testing.F) {
	for _, s := range []string{"VERSION='1.10.3'\nRELEASE_BRANCH='release'\n", "VERSION='1.10.x'\n", "", binaryInput} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, branch, err := ParseHestiaConf(b)
		checkErr(t, err)
		if err == nil {
			checkValue(t, "version", v)
			if strings.ContainsAny(branch, "\r\n\x00'") {
				t.Fatalf("bad branch %q", branch)
			}
		}
	})
}
