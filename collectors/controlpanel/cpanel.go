package controlpanel

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/demarc/demarc/collectors"
)

// cPanel's files.
const (
	cpanelDir         = "/usr/local/cpanel"
	cpanelVersionFile = "/usr/local/cpanel/version"
	cpupdateConf      = "/etc/cpupdate.conf"
	tiersJSON         = "/etc/cpanel/TIERS.json"
)

func (c *Collector) cpanel(_ context.Context, a *collectors.Recorder) {
	b, st := c.read(a, cpanelVersionFile, versionFileLimit, false)
	if st == collectors.Absent {
		if !c.isDir(cpanelDir) {
			return
		}
		a.Note("cPanel: %s exists but %s does not; version unknown", cpanelDir, cpanelVersionFile)
	}
	details := map[string]string{}
	version := ""
	if st == collectors.Read {
		v, err := ParseCPanelVersion(b)
		if err != nil {
			a.Fail(fmt.Errorf("parse %s: %w", cpanelVersionFile, err))
		} else {
			version = v.Raw
			details["major"] = strconv.Itoa(v.Major)
		}
	}
	c.cpanelUpdateConf(a, details)
	c.cpanelTiers(a, details)
	add(a, "cpanel", version, cpanelVersionFile, details)
	if accts := c.cpanelAccounts(a); len(accts) > 0 {
		a.Host().Accounts = accts
	}
}

// cpanelUpdateConf adds tier, pinned, pin_major and updates from
// /etc/cpupdate.conf.
func (c *Collector) cpanelUpdateConf(a *collectors.Recorder, details map[string]string) {
	b, st := c.read(a, cpupdateConf, configFileLimit, false)
	if st != collectors.Read {
		return
	}
	conf, err := ParseCPUpdateConf(b)
	if err != nil {
		a.Fail(fmt.Errorf("parse %s: %w", cpupdateConf, err))
		return
	}
	if conf.Tier != "" {
		details["tier"] = conf.Tier
		details["pinned"] = strconv.FormatBool(conf.Pinned)
		if conf.Pinned {
			details["pin_major"] = strconv.Itoa(conf.PinMajor)
		}
	}
	if conf.Updates != "" {
		details["updates"] = conf.Updates
	}
	if conf.Junk > 0 {
		a.Note("%s: %d line(s) are not KEY=value and were ignored", cpupdateConf, conf.Junk)
	}
	for _, k := range conf.BadValues {
		a.Note("%s: the value of %s is not understood and was ignored", cpupdateConf, k)
	}
}

// cpanelTiers records the modification time of cPanel's cached tier data,
// which an offline patch-gap check is only as fresh as.
func (c *Collector) cpanelTiers(a *collectors.Recorder, details map[string]string) {
	st, err := c.deps.Root.Stat(tiersJSON)
	if a.ReadProblem(tiersJSON, err) != collectors.Read || !st.Mode().IsRegular() {
		return
	}
	details["tiers_json_mtime"] = st.ModTime().UTC().Format(time.RFC3339)
}
