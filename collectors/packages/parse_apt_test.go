package packages

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/demarc/demarc/report"
)

// Lines re-typed from monitoring-plugins' check_apt test inputs (GPL-3):
// debian3 (Debian 6, -qq, with the NOTE banner).
const checkAptDebian3 = `NOTE: This is only a simulation!
      apt-get needs root privileges for real execution.
      Keep also in mind that locking is deactivated,
      so don't depend on the relevance to the real current situation!
Inst base-files [6.0squeeze5] (6.0squeeze6 Debian:6.0.6/stable [amd64])
Conf base-files (6.0squeeze6 Debian:6.0.6/stable [amd64])
Inst xen-hypervisor-4.0-amd64 [4.0.1-5.3] (4.0.1-5.4 Debian:6.0.6/stable, Debian-Security:6.0/stable [amd64])
Inst xen-linux-system-2.6.32-5-xen-amd64 [2.6.32-45] (2.6.32-46 Debian:6.0.6/stable [amd64]) []
Inst libc-bin [2.11.3-3] (2.11.3-4 Debian:6.0.6/stable [amd64]) [libc6:amd64 ]
Conf libc-bin (2.11.3-4 Debian:6.0.6/stable [amd64]) [libc6:amd64 ]
Inst libgc1c2 [1:6.8-1.2] (1:6.8-2 Debian:6.0.6/stable [amd64])
`

func TestParseAptSimulationCheckApt(t *testing.T) {
	t.Parallel()
	s, err := parseAptSimulation([]byte(checkAptDebian3))
	if err != nil {
		t.Fatal(err)
	}
	want := []report.Package{
		{Name: "base-files", Arch: "amd64", Installed: "6.0squeeze5", Candidate: "6.0squeeze6", Origin: "Debian:6.0.6/stable"},
		{Name: "xen-hypervisor-4.0-amd64", Arch: "amd64", Installed: "4.0.1-5.3", Candidate: "4.0.1-5.4", Origin: "Debian:6.0.6/stable, Debian-Security:6.0/stable", Security: true},
		{Name: "xen-linux-system-2.6.32-5-xen-amd64", Arch: "amd64", Installed: "2.6.32-45", Candidate: "2.6.32-46", Origin: "Debian:6.0.6/stable"},
		{Name: "libc-bin", Arch: "amd64", Installed: "2.11.3-3", Candidate: "2.11.3-4", Origin: "Debian:6.0.6/stable"},
		{Name: "libgc1c2", Arch: "amd64", Installed: "1:6.8-1.2", Candidate: "1:6.8-2", Origin: "Debian:6.0.6/stable"},
	}
	if !reflect.DeepEqual(s.Upgrades, want) {
		t.Errorf("got %+v", s.Upgrades)
	}
	if s.Summary != nil || len(s.New) != 0 || len(s.Removed) != 0 {
		t.Errorf("unexpected %+v", s)
	}
	if err := s.verify(); !errors.Is(err, ErrUnexpectedOutput) {
		t.Errorf("-qq output has no summary, verify: %v", err)
	}
}

func TestParseAptSimulation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want aptSimulation
	}{
		{"empty", "", aptSimulation{}},
		{"nothing to do (real, Debian 12)", "Reading package lists...\nBuilding dependency tree...\nCalculating upgrade...\n0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n",
			aptSimulation{Summary: &aptSummary{}}},
		{"two trailing bracket groups (real, Debian 12)",
			"Inst libpam-modules-bin [1.5.2-6+deb12u1] (1.5.2-6+deb12u3 Debian-Security:12/oldstable-security [amd64]) [libpam-modules:amd64 on libpam-modules-bin:amd64] [libpam-modules:amd64 ]\n",
			aptSimulation{Upgrades: []report.Package{{Name: "libpam-modules-bin", Arch: "amd64", Installed: "1.5.2-6+deb12u1", Candidate: "1.5.2-6+deb12u3", Origin: "Debian-Security:12/oldstable-security", Security: true}}}},
		{"new install and a Remv printed twice (real, Debian 12)",
			"Remv local-jq-wrapper [1.0]\nRemv local-jq-wrapper [1.0]\nInst libjq1 (1.6-2.1+deb12u3 Debian-Security:12/oldstable-security [amd64])\n1 upgraded, 1 newly installed, 1 to remove and 0 not upgraded.\n",
			aptSimulation{
				New:     []report.Package{{Name: "libjq1", Arch: "amd64", Candidate: "1.6-2.1+deb12u3", Origin: "Debian-Security:12/oldstable-security", Security: true}},
				Removed: []string{"local-jq-wrapper"}, Summary: &aptSummary{Upgraded: 1, New: 1, Removed: 1}}},
		{"foreign architecture",
			"Inst libc6:i386 [2.36-9] (2.36-9+deb12u1 Debian:12.1/stable [i386])\nInst libc6 [2.36-9] (2.36-9+deb12u1 Debian:12.1/stable [amd64])\n",
			aptSimulation{Upgrades: []report.Package{
				{Name: "libc6", Arch: "i386", Installed: "2.36-9", Candidate: "2.36-9+deb12u1", Origin: "Debian:12.1/stable"},
				{Name: "libc6", Arch: "amd64", Installed: "2.36-9", Candidate: "2.36-9+deb12u1", Origin: "Debian:12.1/stable"}}}},
		{"kept back with -V (real, Debian 12, apt 2.6)",
			"The following packages have been kept back:\n   bash (5.2.15-2+b8 => 5.2.15-2+b13)\n   libsystemd0:i386 (252.38-1~deb12u1 => 252.39-1~deb12u2)\nThe following packages will be upgraded:\n   apt (2.6.1 => 2.6.2)\n0 upgraded, 0 newly installed, 0 to remove and 2 not upgraded.\n",
			aptSimulation{Kept: []aptHeld{{Name: "bash", Installed: "5.2.15-2+b8", Candidate: "5.2.15-2+b13"}, {Name: "libsystemd0", Arch: "i386", Installed: "252.38-1~deb12u1", Candidate: "252.39-1~deb12u2"}},
				Summary: &aptSummary{NotUpgraded: 2}}},
		{"apt 2 phasing without -V (Ubuntu 24.04 wording)",
			"The following upgrades have been deferred due to phasing:\n  gir1.2-gtk-3.0 gtk-update-icon-cache libgtk-3-0t64\n0 upgraded, 0 newly installed, 0 to remove and 3 not upgraded.\n",
			aptSimulation{Phased: []aptHeld{{Name: "gir1.2-gtk-3.0"}, {Name: "gtk-update-icon-cache"}, {Name: "libgtk-3-0t64"}}, Summary: &aptSummary{NotUpgraded: 3}}},
		{"apt 3 wording",
			"Not upgrading yet due to phasing:\n  gzip\n\nSummary:\n  Upgrading: 71, Installing: 6, Removing: 0, Not Upgrading: 1\n  Download size: 172 MB\n",
			aptSimulation{Phased: []aptHeld{{Name: "gzip"}}, Summary: &aptSummary{Upgraded: 71, New: 6, NotUpgraded: 1}}},
		{"downgrades in the summary",
			"3 upgraded, 0 newly installed, 1 downgraded, 2 reinstalled, 0 to remove and 0 not upgraded.\n",
			aptSimulation{Summary: &aptSummary{Upgraded: 3, Downgraded: 1, Reinstalled: 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseAptSimulation([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", *got, tt.want)
			}
		})
	}
}

func TestParseAptSimulationBad(t *testing.T) {
	t.Parallel()
	for name, in := range map[string]string{
		"Inst without parenthesis":  "Inst foo\n",
		"truncated Inst":            "Inst foo [1] (2 Debian:12/stable [amd64]\n",
		"Inst without architecture": "Inst foo [1] (2 Debian:12/stable)\n",
		"arch suffix contradicts":   "Inst libc6:i386 [1] (2 Debian:12/stable [amd64])\n",
		"bad Remv":                  "Remv  [1.0]\n",
		"binary":                    "Inst \x00\x01\xff (((\n\x7fELF\x02\x01",
		"huge line":                 "Inst " + strings.Repeat("a", maxLine+10) + "\n",
		"bad verbose list item":     "The following packages have been kept back:\n   bash (5.2 =>\n",
	} {
		if _, err := parseAptSimulation([]byte(in)); !errors.Is(err, ErrUnexpectedOutput) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestAptVerify(t *testing.T) {
	t.Parallel()
	up := []report.Package{{Name: "a", Installed: "1", Candidate: "2"}}
	for name, s := range map[string]aptSimulation{
		"no summary":         {Upgrades: up},
		"upgrade lost":       {Summary: &aptSummary{Upgraded: 2}, Upgrades: up},
		"new install lost":   {Summary: &aptSummary{Upgraded: 1, New: 1}, Upgrades: up},
		"removal lost":       {Summary: &aptSummary{Upgraded: 1, Removed: 1}, Upgrades: up},
		"kept list lost":     {Summary: &aptSummary{Upgraded: 1, NotUpgraded: 1}, Upgrades: up},
		"summary overflowed": {Summary: &aptSummary{}, Upgrades: up},
	} {
		if err := s.verify(); !errors.Is(err, ErrUnexpectedOutput) {
			t.Errorf("%s: %v", name, err)
		}
	}
	ok := aptSimulation{Upgrades: up, Kept: []aptHeld{{Name: "b"}}, Summary: &aptSummary{Upgraded: 1, NotUpgraded: 1}}
	if err := ok.verify(); err != nil {
		t.Error(err)
	}
}

func TestAptSecurityOrigin(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{
		"Debian-Security:12/oldstable-security":                   true,
		"Debian:12.15/oldstable":                                  false,
		"Debian:6.0.6/stable, Debian-Security:6.0/stable":         true, // label, archive "stable"
		"Debian-Security:10/oldoldstable":                         true, // Debian ≤ 10
		"Ubuntu:24.04/noble-security":                             true,
		"Ubuntu:24.04/noble-updates":                              false,
		"Ubuntu:24.04/noble-updates, Ubuntu:24.04/noble-security": true,
		"UbuntuESM:22.04/jammy-infra-security":                    true, // label as Pro prints it is unverified
		"UbuntuESMApps:22.04/jammy-apps-security":                 true,
		"UbuntuESMApps:22.04/jammy-apps-updates":                  false,
		"12/stable-security":                                      true, // no label
		"security-tools:1/stable":                                 false,
		"Tailscale:/noble":                                        false,
		"localhost":                                               false,
		"":                                                        false,
	} {
		if got := aptSecurityOrigin(in); got != want {
			t.Errorf("%q: %v", in, got)
		}
	}
}

func TestParseAptList(t *testing.T) {
	t.Parallel()
	// Real: this machine (Debian 12) and CloudLinux's documentation (Ubuntu 20.04).
	in := "Listing...\n" +
		"libgcrypt20/oldstable,oldstable-security 1.10.1-3+deb12u1 amd64 [upgradable from: 1.10.1-3]\n" +
		"curl/focal-updates,focal-security 7.68.0-1ubuntu2.21 amd64 [upgradable from: 7.68.0-1ubuntu2.20]\n" +
		"alt-python27-cllib/unknown 3.3.9-1 amd64 [upgradable from: 3.3.8-1]\n\n"
	got, err := parseAptList([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []report.Package{
		{Name: "libgcrypt20", Arch: "amd64", Installed: "1.10.1-3", Candidate: "1.10.1-3+deb12u1", Origin: "oldstable,oldstable-security", Security: true},
		{Name: "curl", Arch: "amd64", Installed: "7.68.0-1ubuntu2.20", Candidate: "7.68.0-1ubuntu2.21", Origin: "focal-updates,focal-security", Security: true},
		{Name: "alt-python27-cllib", Arch: "amd64", Installed: "3.3.8-1", Candidate: "3.3.9-1", Origin: "unknown"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v", got)
	}
	for _, bad := range []string{"curl 7.68", "curl/focal 1 amd64 [installed]", "\x00\xff", strings.Repeat("x", maxLine+1)} {
		if _, err := parseAptList([]byte(bad)); !errors.Is(err, ErrUnexpectedOutput) {
			t.Errorf("%q: %v", clip(bad), err)
		}
	}
	if got, err := parseAptList(nil); err != nil || len(got) != 0 {
		t.Errorf("empty: %v %v", got, err)
	}
}
