package controlpanel

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/demarc/demarc/collectors"
)

// HestiaCP: its installer (install/hst-install-debian.sh, -ubuntu.sh)
// writes KEY='value' lines, sorted, to hestia.conf, among them VERSION
// (the release installed, "1.10.3", or "1.10.0~beta" on a test channel)
// and RELEASE_BRANCH; each upgrade rewrites VERSION. The conf directory is
// mode 750, so an unprivileged scan falls back to the "hestia" Debian
// package (version "1.10.3-1+debian12", revision and distribution suffix
// dropped, as Hestia's own postinst does).
const (
	hestiaDir     = "/usr/local/hestia"
	hestiaConf    = "/usr/local/hestia/conf/hestia.conf"
	hestiaPackage = "hestia"
)

// hestia reports HestiaCP from hestia.conf, else from the package
// database, else (installed, version unreadable) with an empty version.
func (c *Collector) hestia(ctx context.Context, a *collectors.Recorder) {
	if !c.isDir(hestiaDir) {
		return
	}
	b, st := c.read(a, hestiaConf, configFileLimit, false)
	if st == collectors.Read {
		v, branch, err := ParseHestiaConf(b)
		if err == nil {
			add(a, "hestiacp", v, hestiaConf, map[string]string{"release_branch": branch})
			return
		}
		a.Fail(fmt.Errorf("parse %s: %w", hestiaConf, err))
	}
	if c.fromPackages(ctx, a, "hestiacp", hestiaUpstream, hestiaPackage) {
		return
	}
	if st == collectors.Absent {
		a.Note("HestiaCP: %s exists but %s does not; version unknown", hestiaDir, hestiaConf)
	}
	add(a, "hestiacp", "", hestiaConf, nil)
}

var (
	hestiaLineRE    = regexp.MustCompile(`^([A-Z_]{1,64})='([^']{0,256})'\s*$`)
	hestiaVersionRE = regexp.MustCompile(`^\d{1,2}\.\d{1,3}(\.\d{1,3})?(~[a-z0-9]{1,16})?$`)
)

// ParseHestiaConf returns VERSION and RELEASE_BRANCH from HestiaCP's
// hestia.conf (KEY='value' lines). VERSION is required and must be a
// version ("1.10.3", "1.9.0~beta"); RELEASE_BRANCH may be absent. Other
// keys are ignored and never kept.
func ParseHestiaConf(b []byte) (version, branch string, err error) {
	if bytes.IndexByte(b, 0) >= 0 {
		return "", "", fmt.Errorf("%w: binary data", ErrMalformed)
	}
	found := false
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for sc.Scan() {
		m := hestiaLineRE.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		switch m[1] {
		case "VERSION":
			version, found = m[2], true
		case "RELEASE_BRANCH":
			branch = m[2]
		}
	}
	if !found {
		return "", "", fmt.Errorf("%w: no VERSION='...' line", ErrMalformed)
	}
	if !hestiaVersionRE.MatchString(version) {
		return "", "", fmt.Errorf("%w: VERSION %s is not a HestiaCP version", ErrMalformed, quoteShort(version))
	}
	return version, branch, nil
}

// hestiaRevisionRE is the "-<revision>+<distribution>" the hestia package
// build (src/hst_autocompile.sh) appends to the release.
var hestiaRevisionRE = regexp.MustCompile(`-[0-9]+\+[a-z0-9.]+`)

// hestiaUpstream returns the HestiaCP release of a hestia package version:
// "1.10.3-1+debian12" → "1.10.3", "1.10.0-1+debian13~alpha" →
// "1.10.0~alpha". Any other shape falls back to upstreamVersion.
func hestiaUpstream(v string) (string, string) {
	if loc := hestiaRevisionRE.FindStringIndex(v); loc != nil {
		return v[:loc[0]] + v[loc[1]:], ""
	}
	return upstreamVersion(v)
}
