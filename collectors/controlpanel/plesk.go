package controlpanel

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/demarc/demarc/collectors"
)

// Plesk's version file: /usr/local/psa on RHEL-family hosts, /opt/psa on
// Debian-family hosts (where /usr/local/psa is usually a link to it).
var pleskVersionFiles = []string{"/usr/local/psa/version", "/opt/psa/version"}

var pleskDirs = []string{"/usr/local/psa", "/opt/psa"}

// plesk reports Plesk, then its subscriptions' domains as accounts.
func (c *Collector) plesk(_ context.Context, a *collectors.Recorder) {
	if !c.pleskVersion(a) {
		return
	}
	if accts := c.pleskAccounts(a); len(accts) > 0 {
		a.Host().Accounts = accts
	}
}

// pleskVersion reports Plesk from its version file (or its directory),
// false when it is not there.
func (c *Collector) pleskVersion(a *collectors.Recorder) bool {
	for _, p := range pleskVersionFiles {
		b, st := c.read(a, p, versionFileLimit, false)
		switch st {
		case collectors.Absent:
			continue
		case collectors.Read:
			v, err := ParsePleskVersion(b)
			if err != nil {
				a.Fail(fmt.Errorf("parse %s: %w", p, err))
				add(a, "plesk", "", p, nil)
				return true
			}
			add(a, "plesk", v.Version, p, map[string]string{
				"build": v.Build, "os_name": v.OSName, "os_version": v.OSVersion, "update": v.Update,
			})
		default:
			add(a, "plesk", "", p, nil)
		}
		return true
	}
	for _, d := range pleskDirs {
		if c.isDir(d) {
			a.Note("Plesk: %s exists but has no version file; version unknown", d)
			add(a, "plesk", "", d, nil)
			return true
		}
	}
	return false
}

// PleskVersion is a parsed Plesk version file.
type PleskVersion struct {
	// Version is field 1: "18.0.61" (or "18.0.61.2" when written with the
	// micro-update).
	Version string
	// Update is the micro-update number when Version has a fourth field.
	Update string
	// OSName and OSVersion are the operating system Plesk was built for
	// ("Ubuntu", "22.04"); empty when the line does not say.
	OSName, OSVersion string
	// Build is the build id, the last field ("1800240613.09").
	Build string
}

var (
	pleskVersionRE = regexp.MustCompile(`^\d{1,2}\.\d{1,3}\.\d{1,4}(\.\d{1,4})?$`)
	pleskBuildRE   = regexp.MustCompile(`^\d{1,12}(\.\d{1,6})?$`)
	pleskTokenRE   = regexp.MustCompile(`^[A-Za-z0-9._()+/-]{1,32}$`)
)

// ParsePleskVersion parses the one line of /usr/local/psa/version,
// "<version> <OS name> <OS version> <build>" ("17.8.11 CentOS 7
// 1708180920.15"). Only field 1 is required; the OS and build are read from
// the right, since an OS name may be several words, and dropped when they
// do not look like one.
func ParsePleskVersion(b []byte) (PleskVersion, error) {
	s := strings.Trim(string(b), " \t\r\n\x00")
	if s == "" {
		return PleskVersion{}, fmt.Errorf("%w: empty", ErrMalformed)
	}
	if len(s) > 256 || strings.ContainsAny(s, "\r\n\x00") {
		return PleskVersion{}, fmt.Errorf("%w: not a single short line", ErrMalformed)
	}
	f := strings.Fields(s)
	if len(f) == 0 {
		return PleskVersion{}, fmt.Errorf("%w: no fields", ErrMalformed)
	}
	if !pleskVersionRE.MatchString(f[0]) {
		return PleskVersion{}, fmt.Errorf("%w: %s is not a Plesk version", ErrMalformed, quoteShort(f[0]))
	}
	v := PleskVersion{Version: f[0]}
	if parts := strings.Split(f[0], "."); len(parts) == 4 {
		v.Update = parts[3]
	}
	rest := f[1:]
	if len(rest) == 0 || !pleskBuildRE.MatchString(rest[len(rest)-1]) {
		return v, nil
	}
	v.Build = rest[len(rest)-1]
	rest = rest[:len(rest)-1]
	for _, t := range rest {
		if !pleskTokenRE.MatchString(t) {
			return v, nil
		}
	}
	switch {
	case len(rest) == 1:
		v.OSName = rest[0]
	case len(rest) >= 2:
		v.OSName = strings.Join(rest[:len(rest)-1], " ")
		v.OSVersion = rest[len(rest)-1]
	}
	return v, nil
}
