package controlpanel

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

var (
	binaryInput = "\x00\x01\x02\x7fELF\xff\xfe\xfd"
	hugeInput   = strings.Repeat("1.2.3 ", 400000) // 2.4 MB, one line
)

func TestParseCPanelVersion(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in    string
		major int
		ok    bool
	}{
		{"11.120.0.16\n", 120, true},
		{"11.118.0.15", 118, true},
		{"  11.134.0.67 \r\n\x00", 134, true},
		{"120.0.16", 120, true}, // the API's 3-part form
		{"11.30.0.1", 30, true},
		{"11.28.0.1", 0, false}, // predates the scheme
		{"11.118.0", 0, false},  // 3-part starting with 11: truncated or ancient
		{"11.118", 0, false},
		{"11.x", 0, false},
		{"", 0, false},
		{"\n\n", 0, false},
		{"9999999999999999999", 0, false},
		{"11.99999.0.1", 0, false},
		{"11.118.0.15\n11.120.0.1\n", 0, false},
		{"v11.118.0.15", 0, false},
		{"11.118.0.15-beta", 0, false},
		{"11.-1.0.1", 0, false},
		{binaryInput, 0, false},
		{hugeInput, 0, false},
	}
	for _, c := range cases {
		v, err := ParseCPanelVersion([]byte(c.in))
		if c.ok != (err == nil) || v.Major != c.major {
			t.Errorf("%q: got %+v, %v", short(c.in), v, err)
		}
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: error is not ErrMalformed: %v", short(c.in), err)
		}
	}
	v, _ := ParseCPanelVersion([]byte("11.118.0.15\n"))
	if v != (CPanelVersion{Raw: "11.118.0.15", Major: 118, Minor: 0, Build: 15}) {
		t.Errorf("normalise: %+v", v)
	}
}

func TestParseCPUpdateConf(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		want CPUpdateConf
		err  bool
	}{
		{"docs example", "CPANEL=release\nRPMUP=daily\nSARULESUP=daily\nSTAGING_DIR=/usr/local/cpanel\nUPDATES=daily\n",
			CPUpdateConf{Tier: "release", Updates: "daily"}, false},
		{"pin major", "CPANEL=118\n", CPUpdateConf{Tier: "118", Pinned: true, PinMajor: 118}, false},
		{"pin parent major", "CPANEL=11.110\nUPDATES=never", CPUpdateConf{Tier: "11.110", Pinned: true, PinMajor: 110, Updates: "never"}, false},
		{"pin full", "CPANEL=11.118.0.15\n", CPUpdateConf{Tier: "11.118.0.15", Pinned: true, PinMajor: 118}, false},
		{"pin 3-part", "CPANEL=118.0.15\n", CPUpdateConf{Tier: "118.0.15", Pinned: true, PinMajor: 118}, false},
		{"uppercase and spaces", "  CPANEL = LTS \nupdates=Manual\n", CPUpdateConf{Tier: "lts", Updates: "manual"}, false},
		{"last wins", "CPANEL=edge\nCPANEL=stable\n", CPUpdateConf{Tier: "stable"}, false},
		{"unknown keys ignored", "FOO=bar\nCPANEL=current\n", CPUpdateConf{Tier: "current"}, false},
		{"junk lines", "# comment\nhello world\n=x\nCPANEL=release\n", CPUpdateConf{Tier: "release", Junk: 2}, false},
		{"bad values", "CPANEL=banana\nUPDATES=sometimes\n", CPUpdateConf{BadValues: []string{"CPANEL", "UPDATES"}}, false},
		{"bad pin", "CPANEL=118.0\n", CPUpdateConf{BadValues: []string{"CPANEL"}}, false},
		{"garbage pin", "CPANEL=9999999999999999999\n", CPUpdateConf{BadValues: []string{"CPANEL"}}, false},
		{"truncated", "CPANEL=rel", CPUpdateConf{BadValues: []string{"CPANEL"}}, false},
		{"empty", "", CPUpdateConf{}, false},
		{"binary", binaryInput, CPUpdateConf{}, true},
		{"huge line", hugeInput, CPUpdateConf{}, true},
	}
	for _, c := range cases {
		got, err := ParseCPUpdateConf([]byte(c.in))
		if (err != nil) != c.err || (err != nil && !errors.Is(err, ErrMalformed)) {
			t.Errorf("%s: err %v", c.name, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %+v want %+v", c.name, got, c.want)
		}
	}
}

func TestParsePleskVersion(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want PleskVersion
		ok   bool
	}{
		{"17.8.11 CentOS 7 1708180920.15\n", PleskVersion{Version: "17.8.11", OSName: "CentOS", OSVersion: "7", Build: "1708180920.15"}, true},
		{"8.1.0 Debian 3.1 81061120.18", PleskVersion{Version: "8.1.0", OSName: "Debian", OSVersion: "3.1", Build: "81061120.18"}, true},
		{"18.0.61 Ubuntu 22.04 1800240613.09", PleskVersion{Version: "18.0.61", OSName: "Ubuntu", OSVersion: "22.04", Build: "1800240613.09"}, true},
		{"18.0.66.1 CloudLinux OS 8.10 1800241211.08", PleskVersion{Version: "18.0.66.1", Update: "1", OSName: "CloudLinux OS", OSVersion: "8.10", Build: "1800241211.08"}, true},
		{"18.0.61", PleskVersion{Version: "18.0.61"}, true},
		{"18.0.61 Ubuntu 1800240613.09", PleskVersion{Version: "18.0.61", OSName: "Ubuntu", Build: "1800240613.09"}, true},
		{"18.0.61 Ubuntu 22.04 notabuild", PleskVersion{Version: "18.0.61"}, true},
		{"18.0.61 \x01\x02 22.04 1800240613.09", PleskVersion{Version: "18.0.61", Build: "1800240613.09"}, true},
		{"Plesk 18.0.61", PleskVersion{}, false},
		{"18.x", PleskVersion{}, false},
		{"9999999999999999999", PleskVersion{}, false},
		{"", PleskVersion{}, false},
		{"18.0.61\n18.0.62\n", PleskVersion{}, false},
		{binaryInput, PleskVersion{}, false},
		{hugeInput, PleskVersion{}, false},
	}
	for _, c := range cases {
		got, err := ParsePleskVersion([]byte(c.in))
		if c.ok != (err == nil) || got != c.want {
			t.Errorf("%q: got %+v, %v", short(c.in), got, err)
		}
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: not ErrMalformed: %v", short(c.in), err)
		}
	}
}

func TestParseDirectAdminVersion(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want DirectAdminVersion
		ok   bool
	}{
		{"Version: DirectAdmin v.1.62.4\n", DirectAdminVersion{Version: "1.62.4"}, true},
		{"DirectAdmin v.1.703 0d3c5a1e\n", DirectAdminVersion{Version: "1.703", Commit: "0d3c5a1e"}, true},
		{"1.703 0D3C5A1E9F\n", DirectAdminVersion{Version: "1.703", Commit: "0d3c5a1e9f"}, true},
		{"v1.703\n", DirectAdminVersion{Version: "1.703"}, true},
		{"Version: DirectAdmin v.1.703\nCommit: 55ab8d0e3f\n", DirectAdminVersion{Version: "1.703", Commit: "55ab8d0e3f"}, true},
		{"\n\nDirectAdmin 1.662\nBuilt 2024.05 on host 10.0.0.1\n", DirectAdminVersion{Version: "1.662"}, true},
		{"License: 12345\n1.703\n", DirectAdminVersion{}, false}, // a bare number off the first line
		{"Usage: directadmin [c|s|d|v]\n", DirectAdminVersion{}, false},
		{"DirectAdmin v.x.y\n", DirectAdminVersion{}, false},
		{"9999999999999999999", DirectAdminVersion{}, false},
		{"", DirectAdminVersion{}, false},
		{binaryInput, DirectAdminVersion{}, false},
		{hugeInput, DirectAdminVersion{}, false},
	}
	for _, c := range cases {
		got, err := ParseDirectAdminVersion([]byte(c.in))
		if c.ok != (err == nil) || got != c.want {
			t.Errorf("%q: got %+v, %v", short(c.in), got, err)
		}
	}
}

func TestParseDirectAdminConf(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"ethernet_dev=eth0\nupdate_channel=stable\n": "stable",
		"update_channel = Beta\n":                    "beta",
		"update_channel=rhel6":                       "rhel6",
		"servername=x\n":                             "",
		"":                                           "",
	} {
		if got, err := ParseDirectAdminConf([]byte(in)); err != nil || got != want {
			t.Errorf("%q: got %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"update_channel=a b\n", "update_channel=" + strings.Repeat("x", 40), binaryInput} {
		if _, err := ParseDirectAdminConf([]byte(in)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: got %v", short(in), err)
		}
	}
}

func TestParseWebminAndModuleInfo(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"1.580\n": "1.580", "2.105": "2.105", " 2.660 \n": "2.660"} {
		if got, err := ParseWebminVersion([]byte(in)); err != nil || got != want {
			t.Errorf("webmin %q: %q %v", in, got, err)
		}
	}
	for _, in := range []string{"", "2.x", "9999999999999999999", "2.105\n2.106", binaryInput, hugeInput} {
		if _, err := ParseWebminVersion([]byte(in)); !errors.Is(err, ErrMalformed) {
			t.Errorf("webmin %q: %v", short(in), err)
		}
	}
	mods := []struct{ in, version, edition string }{
		{"desc=Virtualmin\nversion=4.06\n", "4.06", ""},
		{"version=7.30.4.gpl\n", "7.30.4", "gpl"},
		{"version=7.30.4-PRO\ndesc_de=Virtuelle Server\n", "7.30.4", "pro"},
	}
	for _, m := range mods {
		v, ed, err := ParseModuleInfo([]byte(m.in))
		if err != nil || v != m.version || ed != m.edition {
			t.Errorf("module.info %q: %q %q %v", m.in, v, ed, err)
		}
	}
	for _, in := range []string{"", "desc=x\n", "version=seven\n", "version=7.30.4.beta", binaryInput} {
		if _, _, err := ParseModuleInfo([]byte(in)); !errors.Is(err, ErrMalformed) {
			t.Errorf("module.info %q: %v", short(in), err)
		}
	}
	pkgs := map[string][2]string{"2.105": {"2.105", ""}, "1:2.105-1": {"2.105", ""}, "7.30.4.gpl-1": {"7.30.4", "gpl"}, "7.30.4.gpl": {"7.30.4", "gpl"}}
	for in, want := range pkgs {
		if v, ed := upstreamVersion(in); v != want[0] || ed != want[1] {
			t.Errorf("upstream %q: %q %q", in, v, ed)
		}
	}
}

func TestParseCyberPanelViews(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, version, build string }{
		{"import os\nVERSION = '2.4'\nBUILD = 4\n", "2.4.4", "4"},
		{"VERSION = \"2.3\"\r\nBUILD = 2\r\n", "2.3.2", "2"},
		{"VERSION='2.4'\n", "2.4", ""},
		{"# VERSION = '9.9'\n    VERSION = '9.9'\nVERSION = '2.4'\nBUILD = 4\n", "2.4.4", "4"},
	}
	for _, c := range cases {
		v, b, err := ParseCyberPanelViews([]byte(c.in))
		if err != nil || v != c.version || b != c.build {
			t.Errorf("%q: %q %q %v", c.in, v, b, err)
		}
	}
	for _, in := range []string{"", "BUILD = 4\n", "VERSION = 'two'\n", "VERSION = '9999999999999999999'", binaryInput, hugeInput} {
		if _, _, err := ParseCyberPanelViews([]byte(in)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: %v", short(in), err)
		}
	}
}

func TestParseISPConfigAndInterWorx(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"<?php\ndefine('ISPC_APP_VERSION', '3.2.11p1');\n":                                 "3.2.11p1",
		"define(\"ISPC_APP_VERSION\",\"3.2dev\");":                                         "3.2dev",
		"$x=1;\n  define( 'ISPC_APP_VERSION' , '3.3.0' ) ;\n":                              "3.3.0",
		"// define('ISPC_APP_VERSION', '1.0');\ndefine('ISPC_APP_VERSION', '3.1.15p3');\n": "3.1.15p3",
	} {
		if got, err := ParseISPConfigVersion([]byte(in)); err != nil || got != want {
			t.Errorf("ispconfig %q: %q %v", in, got, err)
		}
	}
	secret := "define('ISPC_APP_VERSION', 'FAKE-secret');\n$conf['db_password'] = 'FAKE-secret';\n"
	for _, in := range []string{"", secret, "define('ISPC_APP_VERSION', '9999999999999999999');", binaryInput, hugeInput} {
		_, err := ParseISPConfigVersion([]byte(in))
		if !errors.Is(err, ErrMalformed) || strings.Contains(err.Error(), "FAKE") {
			t.Errorf("ispconfig %q: %v", short(in), err)
		}
	}
	for in, want := range map[string]string{
		"[iworx]\nrpm.release=\"7.13.2\"\n":        "7.13.2",
		"  rpm.release = \"6.14.4-1.iworx.el7\"\n": "6.14.4-1.iworx.el7",
	} {
		if got, err := ParseInterWorxRelease([]byte(in)); err != nil || got != want {
			t.Errorf("interworx %q: %q %v", in, got, err)
		}
	}
	for _, in := range []string{"", "rootdsn=\"mysql://u:FAKE@h/db\"\n", "rpm.release=\"FAKE pass\"", binaryInput, hugeInput} {
		_, err := ParseInterWorxRelease([]byte(in))
		if !errors.Is(err, ErrMalformed) || strings.Contains(err.Error(), "FAKE") {
			t.Errorf("interworx %q: %v", short(in), err)
		}
	}
}

func short(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
