package controlpanel

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

// Each fuzz target checks that its parser never panics, fails only with
// ErrMalformed, and returns only short, single-line, validated values.

func checkValue(t *testing.T, what, v string) {
	t.Helper()
	if v == "" || len(v) > 64 || strings.ContainsAny(v, "\r\n\x00 ") {
		t.Fatalf("%s: bad value %q", what, v)
	}
}

func checkErr(t *testing.T, err error) {
	t.Helper()
	if err != nil && !errors.Is(err, ErrMalformed) {
		t.Fatalf("error is not ErrMalformed: %v", err)
	}
}

func FuzzParseCPanelVersion(f *testing.F) {
	for _, s := range []string{"11.120.0.16\n", "120.0.16", "11.x", "", binaryInput} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := ParseCPanelVersion(b)
		checkErr(t, err)
		if err == nil {
			checkValue(t, "version", v.Raw)
			if v.Major < cpanelMinMajor || !strings.Contains(v.Raw, strconv.Itoa(v.Major)) {
				t.Fatalf("major %d of %q", v.Major, v.Raw)
			}
		}
	})
}

func FuzzParseCPUpdateConf(f *testing.F) {
	for _, s := range []string{"CPANEL=release\nUPDATES=daily\n", "CPANEL=11.110\n", "junk\n=x\nCPANEL=banana", binaryInput} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCPUpdateConf(b)
		checkErr(t, err)
		if c.Pinned && c.PinMajor < cpanelMinMajor {
			t.Fatalf("pin %q major %d", c.Tier, c.PinMajor)
		}
		if c.Tier != "" {
			checkValue(t, "tier", c.Tier)
		}
	})
}

func FuzzParsePleskVersion(f *testing.F) {
	for _, s := range []string{"17.8.11 CentOS 7 1708180920.15\n", "18.0.66.1 CloudLinux OS 8.10 1800241211.08", "x", binaryInput} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := ParsePleskVersion(b)
		checkErr(t, err)
		if err == nil {
			checkValue(t, "version", v.Version)
			if strings.ContainsAny(v.OSName+v.OSVersion+v.Build, "\r\n\x00") {
				t.Fatalf("control characters in %+v", v)
			}
		}
	})
}

func FuzzParseDirectAdminVersion(f *testing.F) {
	for _, s := range []string{"Version: DirectAdmin v.1.62.4\n", "DirectAdmin v.1.703 0d3c5a1e\n", "1.703\nCommit: abcdef0\n", binaryInput} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := ParseDirectAdminVersion(b)
		checkErr(t, err)
		if err == nil {
			checkValue(t, "version", v.Version)
		}
	})
}

func FuzzParseDirectAdminConf(f *testing.F) {
	f.Add([]byte("update_channel=stable\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ch, err := ParseDirectAdminConf(b)
		checkErr(t, err)
		if ch != "" {
			checkValue(t, "channel", ch)
		}
	})
}

func FuzzParseWebminVersion(f *testing.F) {
	f.Add([]byte("2.105\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := ParseWebminVersion(b)
		checkErr(t, err)
		if err == nil {
			checkValue(t, "version", v)
		}
	})
}

func FuzzParseModuleInfo(f *testing.F) {
	f.Add([]byte("desc=Virtualmin\nversion=7.30.4.gpl\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, _, err := ParseModuleInfo(b)
		checkErr(t, err)
		if err == nil {
			checkValue(t, "version", v)
		}
	})
}

func FuzzParseCyberPanelViews(f *testing.F) {
	f.Add([]byte("VERSION = '2.4'\nBUILD = 4\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, _, err := ParseCyberPanelViews(b)
		checkErr(t, err)
		if err == nil {
			checkValue(t, "version", v)
		}
	})
}

func FuzzParseISPConfigVersion(f *testing.F) {
	f.Add([]byte("<?php\ndefine('ISPC_APP_VERSION', '3.2.11p1');\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := ParseISPConfigVersion(b)
		checkErr(t, err)
		if err == nil {
			checkValue(t, "version", v)
		} else {
			// The file holds credentials: errors are fixed texts.
			_, e1 := ParseISPConfigVersion(nil)
			_, e2 := ParseISPConfigVersion([]byte(`define('ISPC_APP_VERSION', 'x y');`))
			if err.Error() != e1.Error() && err.Error() != e2.Error() {
				t.Fatalf("error depends on the input: %v", err)
			}
		}
	})
}

func FuzzParseInterWorxRelease(f *testing.F) {
	f.Add([]byte("[iworx]\nrpm.release=\"7.13.2\"\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := ParseInterWorxRelease(b)
		checkErr(t, err)
		if err == nil {
			checkValue(t, "version", v)
		} else {
			// The file holds credentials: errors are fixed texts.
			_, e1 := ParseInterWorxRelease(nil)
			_, e2 := ParseInterWorxRelease([]byte(`rpm.release="x y"`))
			if err.Error() != e1.Error() && err.Error() != e2.Error() {
				t.Fatalf("error depends on the input: %v", err)
			}
		}
	})
}
