package controlpanel

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/internal/pkgdb"
)

// Webmin's version files: the program directory of the deb and rpm
// packages first (what is installed), then /etc/webmin (what setup wrote;
// also the only record of a tarball install, and left behind by a package
// removal).
var webminVersionFiles = []string{
	"/usr/share/webmin/version",
	"/usr/libexec/webmin/version",
	"/etc/webmin/version",
}

var webminDirs = []string{"/etc/webmin", "/usr/share/webmin", "/usr/libexec/webmin"}

var virtualminModuleInfo = []string{
	"/usr/share/webmin/virtual-server/module.info",
	"/usr/libexec/webmin/virtual-server/module.info",
}

const virtualminConfDir = "/etc/webmin/virtual-server"

func (c *Collector) webmin(ctx context.Context, a *collectors.Recorder) {
	parse := func(b []byte) (string, map[string]string, error) {
		v, err := ParseWebminVersion(b)
		return v, nil, err
	}
	found, unreadable := c.versionFromFiles(a, "webmin", webminVersionFiles, parse)
	if found {
		return
	}
	if !unreadable && !c.anyDir(webminDirs) {
		return
	}
	if c.fromPackages(ctx, a, "webmin", upstreamVersion, "webmin") {
		return
	}
	if unreadable {
		add(a, "webmin", "", webminVersionFiles[len(webminVersionFiles)-1], nil)
	}
}

func (c *Collector) virtualmin(ctx context.Context, a *collectors.Recorder) {
	parse := func(b []byte) (string, map[string]string, error) {
		v, ed, err := ParseModuleInfo(b)
		return v, map[string]string{"edition": ed}, err
	}
	found, unreadable := c.versionFromFiles(a, "virtualmin", virtualminModuleInfo, parse)
	if found {
		return
	}
	if !unreadable && !c.isDir(virtualminConfDir) {
		return
	}
	if c.fromPackages(ctx, a, "virtualmin", upstreamVersion, "webmin-virtual-server", "wbm-virtual-server") {
		return
	}
	if unreadable {
		add(a, "virtualmin", "", virtualminModuleInfo[0], nil)
	}
}

// versionFromFiles adds product from the first candidate file that parses.
// A file that does not parse is an error and the next one is tried.
func (c *Collector) versionFromFiles(a *collectors.Recorder, product string, files []string,
	parse func([]byte) (string, map[string]string, error)) (found, unreadable bool) {
	for _, p := range files {
		b, st := c.read(a, p, versionFileLimit, false)
		if st == collectors.Denied {
			unreadable = true
		}
		if st != collectors.Read {
			continue
		}
		v, details, err := parse(b)
		if err != nil {
			a.Fail(fmt.Errorf("parse %s: %w", p, err))
			unreadable = true
			continue
		}
		add(a, product, v, p, details)
		return true, false
	}
	return false, unreadable
}

// fromPackages adds product from the first of names installed in the
// package database, with the version upstream gives for its package
// version (and the edition, when upstream names one) and package_version.
// upstream is the product's rule: upstreamVersion for most, a panel's own
// where its packages append more than a Debian revision.
func (c *Collector) fromPackages(ctx context.Context, a *collectors.Recorder, product string,
	upstream func(string) (string, string), names ...string) bool {
	db, err := c.deps.InstalledPackages(ctx)
	if errors.Is(err, pkgdb.ErrNoDatabase) {
		return false
	}
	if err != nil {
		a.Fail(fmt.Errorf("%s: package database: %w", product, err))
		return false
	}
	for _, n := range names {
		pkgs := db.Get(n)
		if len(pkgs) == 0 {
			continue
		}
		p := pkgs[len(pkgs)-1]
		up, edition := upstream(p.Version)
		add(a, product, up, fmt.Sprintf("%s (package %s)", db.Source, n), map[string]string{
			"package_version": p.Version, "edition": edition,
		})
		return true
	}
	return false
}

func (c *Collector) anyDir(dirs []string) bool {
	for _, d := range dirs {
		if c.isDir(d) {
			return true
		}
	}
	return false
}

var (
	webminVersionRE = regexp.MustCompile(`^\d{1,2}\.\d{1,4}(\.\d{1,4})?$`)
	moduleVersionRE = regexp.MustCompile(`(?i)^(\d{1,2}(?:\.\d{1,4}){1,3})(?:[.-](gpl|pro))?$`)
)

// ParseWebminVersion parses Webmin's version file, one line such as
// "2.105".
func ParseWebminVersion(b []byte) (string, error) {
	s := strings.Trim(string(b), " \t\r\n\x00")
	if !webminVersionRE.MatchString(s) {
		return "", fmt.Errorf("%w: %s is not a Webmin version", ErrMalformed, quoteShort(s))
	}
	return s, nil
}

// ParseModuleInfo returns version= of a Webmin module.info (key=value
// lines) and the edition ("gpl" or "pro") when the version carries one as
// a suffix ("7.30.4.gpl").
func ParseModuleInfo(b []byte) (version, edition string, err error) {
	if strings.IndexByte(string(b), 0) >= 0 {
		return "", "", fmt.Errorf("%w: binary data", ErrMalformed)
	}
	raw := ""
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if ok && k == "version" {
			raw = strings.TrimSpace(v)
		}
	}
	m := moduleVersionRE.FindStringSubmatch(raw)
	if m == nil {
		return "", "", fmt.Errorf("%w: no valid version= line", ErrMalformed)
	}
	return m[1], strings.ToLower(m[2]), nil
}

// upstreamVersion strips the epoch and package release from a package
// version ("1:2.105-1" → "2.105") and splits off an edition suffix
// ("7.30.4.gpl" → "7.30.4", "gpl").
func upstreamVersion(v string) (string, string) {
	if _, after, ok := strings.Cut(v, ":"); ok {
		v = after
	}
	if i := strings.LastIndexByte(v, '-'); i > 0 {
		v = v[:i]
	}
	if m := moduleVersionRE.FindStringSubmatch(v); m != nil {
		return m[1], strings.ToLower(m[2])
	}
	return v, ""
}
