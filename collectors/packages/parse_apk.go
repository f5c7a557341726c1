package packages

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/demarc/demarc/report"
)

// apkListRE is one line of `apk list --upgradable`:
// "libcrypto3-3.3.2-r0 x86_64 {openssl} (Apache-2.0) [upgradable from: libcrypto3-3.3.0-r2]".
var apkListRE = regexp.MustCompile(`^(\S+) (\S+) \{([^}]*)\} \((.*)\) \[upgradable from: (\S+)\]$`)

// parseApkUpgradable parses `apk list --upgradable`. Origin is left empty:
// apk prints the source package in braces, not the repository.
func parseApkUpgradable(b []byte) ([]report.Package, error) {
	var out []report.Package
	sc := newScanner(b)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "WARNING:") {
			continue
		}
		m := apkListRE.FindStringSubmatch(line)
		if m == nil {
			return nil, malformed(n, line)
		}
		name, cand, ok1 := splitApkPkgver(m[1])
		oldName, inst, ok2 := splitApkPkgver(m[5])
		if !ok1 || !ok2 || name != oldName {
			return nil, malformed(n, line)
		}
		out = append(out, report.Package{Name: name, Arch: m[2], Installed: inst, Candidate: cand})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnexpectedOutput, err)
	}
	return out, nil
}

// apkVersionRE is a row of `apk version -l '<'`:
// "libcrypto1.0-1.0.1q-r0                  < 1.0.2m-r0".
var apkVersionRE = regexp.MustCompile(`^(\S+)\s+<\s+(\S+)$`)

// parseApkVersion parses `apk version -l '<'`, the fallback for apk
// without `list`. It prints no architecture.
func parseApkVersion(b []byte) ([]report.Package, error) {
	var out []report.Package
	sc := newScanner(b)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "Installed:") || strings.HasPrefix(line, "WARNING:") {
			continue
		}
		m := apkVersionRE.FindStringSubmatch(line)
		if m == nil {
			return nil, malformed(n, line)
		}
		name, inst, ok := splitApkPkgver(m[1])
		if !ok || !apkVersionLike(m[2]) {
			return nil, malformed(n, line)
		}
		out = append(out, report.Package{Name: name, Installed: inst, Candidate: m[2]})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnexpectedOutput, err)
	}
	return out, nil
}

// splitApkPkgver splits "libcrypto3-3.3.2-r0" into name and version: the
// last two dash-separated fields are the version and the "rN" release.
func splitApkPkgver(s string) (name, version string, ok bool) {
	r := strings.LastIndexByte(s, '-')
	if r <= 0 || !isApkRelease(s[r+1:]) {
		return "", "", false
	}
	v := strings.LastIndexByte(s[:r], '-')
	if v <= 0 || !apkVersionLike(s[v+1:]) {
		return "", "", false
	}
	return s[:v], s[v+1:], true
}

// isApkRelease reports whether s is "r" followed by digits.
func isApkRelease(s string) bool {
	if len(s) < 2 || s[0] != 'r' {
		return false
	}
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// apkVersionLike reports whether s starts with a digit, as every apk
// version does.
func apkVersionLike(s string) bool { return s != "" && s[0] >= '0' && s[0] <= '9' }
