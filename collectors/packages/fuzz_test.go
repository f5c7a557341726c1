package packages

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/demarc/demarc/report"
)

// seed adds inline seeds and every captured output matching glob under
// testdata.
func seed(f *testing.F, glob string, inline ...string) {
	for _, s := range inline {
		f.Add([]byte(s))
	}
	paths, _ := filepath.Glob(filepath.Join("testdata", glob))
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
}

// checkPackages holds for every package a parser returns without error.
func checkPackages(t *testing.T, pkgs []report.Package) {
	for _, p := range pkgs {
		if p.Name == "" || p.Candidate == "" {
			t.Fatalf("incomplete package %+v", p)
		}
	}
}

// parsed fails the fuzz run on an error that wraps no sentinel.
func parsed(t *testing.T, err error) bool {
	if err != nil && !errors.Is(err, ErrUnexpectedOutput) {
		t.Fatalf("error without the sentinel: %v", err)
	}
	return err == nil
}

func FuzzParseAptSimulation(f *testing.F) {
	seed(f, "*/cmd/apt-get.out", checkAptDebian3,
		"The following packages have been kept back:\n   bash (1 => 2)\n0 upgraded, 0 newly installed, 0 to remove and 1 not upgraded.\n",
		"Not upgrading yet due to phasing:\n  gzip\n\nSummary:\n  Upgrading: 0, Installing: 0, Removing: 0, Not Upgrading: 1\n",
		"Remv a [1]\nInst b (2 Debian:12/stable [amd64])\n")
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := parseAptSimulation(b)
		if !parsed(t, err) {
			return
		}
		checkPackages(t, s.Upgrades)
		checkPackages(t, s.New)
		for _, p := range s.Upgrades {
			if p.Installed == "" {
				t.Fatalf("upgrade without installed version: %+v", p)
			}
		}
		if err := s.verify(); err != nil && !errors.Is(err, ErrUnexpectedOutput) {
			t.Fatal(err)
		}
	})
}

func FuzzParseAptList(f *testing.F) {
	seed(f, "*/cmd/apt-list.out", "curl/focal-updates,focal-security 7.68.0-1ubuntu2.21 amd64 [upgradable from: 7.68.0-1ubuntu2.20]\n")
	f.Fuzz(func(t *testing.T, b []byte) {
		pkgs, err := parseAptList(b)
		if parsed(t, err) {
			checkPackages(t, pkgs)
		}
	})
}

func FuzzParseDnfCheckUpdate(f *testing.F) {
	seed(f, "*/cmd/check-update.out", "a.noarch\n   1-2 repo\nObsoleting Packages\nb.x86_64 1-2 r\n")
	f.Fuzz(func(t *testing.T, b []byte) {
		ups, err := parseDnfCheckUpdate(b)
		if !parsed(t, err) {
			return
		}
		for _, u := range ups {
			if u.Name == "" || u.Arch == "" || u.EVR == "" || u.Repo == "" {
				t.Fatalf("incomplete %+v", u)
			}
		}
	})
}

func FuzzParseDnf5JSON(f *testing.F) {
	seed(f, "*/cmd/check-upgrade.out", "{}", `{"upgrades":[{"name":"a","arch":"x","evr":"1-2"}]}`)
	f.Fuzz(func(t *testing.T, b []byte) {
		ups, err := parseDnf5JSON(b)
		if !parsed(t, err) {
			return
		}
		for _, u := range ups {
			if u.Name == "" || u.Arch == "" || u.EVR == "" {
				t.Fatalf("incomplete %+v", u)
			}
		}
	})
}

func FuzzParseUpdateinfo(f *testing.F) {
	seed(f, "*/cmd/updateinfo.out", "RHSA-2023:0334 Important/Sec. kernel-5.14.0-162.12.1.el9_1.x86_64\n")
	f.Fuzz(func(t *testing.T, b []byte) {
		sec, err := parseUpdateinfo(b)
		if !parsed(t, err) {
			return
		}
		for k := range sec {
			if k == "." {
				t.Fatalf("empty name.arch from %q", b)
			}
		}
	})
}

func FuzzParseZypperXML(f *testing.F) {
	seed(f, "*/cmd/list-*.out", "<stream><update-status><update-list><update name='a' edition='1' kind='package'/></update-list></update-status></stream>")
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := parseZypperXML(b)
		parsed(t, err)
	})
}

func FuzzParseApkUpgradable(f *testing.F) {
	seed(f, "*/cmd/apk-list.out")
	f.Fuzz(func(t *testing.T, b []byte) {
		pkgs, err := parseApkUpgradable(b)
		if parsed(t, err) {
			checkPackages(t, pkgs)
		}
	})
}

func FuzzParseApkVersion(f *testing.F) {
	seed(f, "none", "Installed:                                Available:\nlibcrypto1.0-1.0.1q-r0                  < 1.0.2m-r0\n")
	f.Fuzz(func(t *testing.T, b []byte) {
		pkgs, err := parseApkVersion(b)
		if parsed(t, err) {
			checkPackages(t, pkgs)
		}
	})
}
