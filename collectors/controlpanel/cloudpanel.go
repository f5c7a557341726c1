package controlpanel

import (
	"context"
	"fmt"
	"regexp"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/internal/pkgver"
)

// CloudPanel (CE v2): its installer (installer.cloudpanel.io/ce/v2/install.sh)
// adds CloudPanel's apt repository and runs "apt install cloudpanel"; the
// package (version "2.5.3-1+clp-bookworm") lays the Symfony application
// down in /home/clp/htdocs/app/files, whose .env sets APP_VERSION='2.5.3',
// the version the panel shows and compares with the latest release, and
// installs /usr/bin/clpctl. That .env also holds APP_SECRET: only the
// APP_VERSION line is kept. The package's postinst makes /home/clp mode 770
// for user clp, so an unprivileged scan falls back to the package database.
const (
	cloudPanelDir     = "/home/clp/htdocs/app/files"
	cloudPanelEnv     = "/home/clp/htdocs/app/files/.env"
	cloudPanelBinary  = "/usr/bin/clpctl"
	cloudPanelPackage = "cloudpanel"
)

// cloudPanel reports CloudPanel from the application's .env, else from the
// package database, else (installed, version unreadable) with an empty
// version.
func (c *Collector) cloudPanel(ctx context.Context, a *collectors.Recorder) {
	if !c.isDir(cloudPanelDir) && !c.exists(cloudPanelBinary) {
		return
	}
	b, st := c.read(a, cloudPanelEnv, configFileLimit, false)
	if st == collectors.Read {
		v, err := ParseCloudPanelEnv(b)
		clear(b)
		if err == nil {
			add(a, "cloudpanel", v, cloudPanelEnv, nil)
			return
		}
		a.Fail(fmt.Errorf("parse %s: %w", cloudPanelEnv, err))
	}
	if c.fromPackages(ctx, a, "cloudpanel", cloudPanelUpstream, cloudPanelPackage) {
		return
	}
	if st == collectors.Absent {
		a.Note("CloudPanel: installed but %s does not exist; version unknown", cloudPanelEnv)
	}
	add(a, "cloudpanel", "", cloudPanelEnv, nil)
}

var (
	clpLineRE    = regexp.MustCompile(`^\s*APP_VERSION\s*=\s*['"]?([^'"\s]{1,32})['"]?\s*$`)
	clpVersionRE = regexp.MustCompile(`^\d{1,2}\.\d{1,3}\.\d{1,3}$`)
)

// ParseCloudPanelEnv returns APP_VERSION ("2.5.3") from CloudPanel's
// application .env. The file holds APP_SECRET: nothing else is kept, and
// errors never quote it.
func ParseCloudPanelEnv(b []byte) (string, error) {
	v, ok := matchLine(b, clpLineRE)
	if !ok {
		return "", fmt.Errorf("%w: no APP_VERSION line", ErrMalformed)
	}
	if !clpVersionRE.MatchString(v) {
		return "", fmt.Errorf("%w: APP_VERSION is not a version", ErrMalformed)
	}
	return v, nil
}

// cloudPanelUpstream returns the release of a cloudpanel package version,
// "<release>-<revision>+clp-<codename>" ("2.5.3-1+clp-bookworm" →
// "2.5.3"): the release ends at the first hyphen, as pkgver.FromPackage
// reads package versions (the last-hyphen rule of upstreamVersion would
// keep "2.5.3-1+clp"); anything else goes by upstreamVersion.
func cloudPanelUpstream(v string) (string, string) {
	if up, err := pkgver.FromPackage(v); err == nil {
		return up, ""
	}
	return upstreamVersion(v)
}
