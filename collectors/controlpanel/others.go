package controlpanel

import (
	"context"
	"fmt"
)

// CyberPanel, ISPConfig and InterWorx files.
const (
	cyberPanelDir   = "/usr/local/CyberCP"
	cyberPanelViews = "/usr/local/CyberCP/baseTemplate/views.py"
	ispConfigDir    = "/usr/local/ispconfig"
	interWorxDir    = "/usr/local/interworx"
	interWorxINI    = "/usr/local/interworx/iworx.ini"
	nodeworxBinary  = "/usr/bin/nodeworx"
)

var ispConfigFiles = []string{
	"/usr/local/ispconfig/server/lib/config.inc.php",
	"/usr/local/ispconfig/interface/lib/config.inc.php",
}

func (c *Collector) cyberPanel(_ context.Context, a *acc) {
	if !c.isDir(cyberPanelDir) {
		return
	}
	b, st := c.read(a, cyberPanelViews, headLimit, true)
	switch st {
	case absent:
		a.note("CyberPanel: %s exists but %s does not; version unknown", cyberPanelDir, cyberPanelViews)
	case present:
		v, build, err := ParseCyberPanelViews(b)
		if err != nil {
			a.fail(fmt.Errorf("parse %s: %w", cyberPanelViews, err))
			break
		}
		a.add("cyberpanel", v, cyberPanelViews, map[string]string{"build": build})
		return
	}
	a.add("cyberpanel", "", cyberPanelViews, nil)
}

// ispConfig reads only the ISPC_APP_VERSION line of a file that also holds
// database credentials: errors and notes name the file, never its content.
func (c *Collector) ispConfig(_ context.Context, a *acc) {
	if !c.isDir(ispConfigDir) {
		return
	}
	source := ispConfigFiles[0]
	for _, p := range ispConfigFiles {
		b, st := c.read(a, p, configFileLimit, false)
		if st != present {
			continue
		}
		v, err := ParseISPConfigVersion(b)
		clear(b)
		if err != nil {
			a.fail(fmt.Errorf("parse %s: %w", p, err))
			source = p
			continue
		}
		a.add("ispconfig", v, p, nil)
		return
	}
	a.add("ispconfig", "", source, nil)
}

// interWorx reads only the rpm.release line of iworx.ini, which also holds
// database passwords.
func (c *Collector) interWorx(_ context.Context, a *acc) {
	if !c.isDir(interWorxDir) && !c.exists(nodeworxBinary) {
		return
	}
	b, st := c.read(a, interWorxINI, configFileLimit, false)
	if st == present {
		v, err := ParseInterWorxRelease(b)
		clear(b)
		if err == nil {
			a.add("interworx", v, interWorxINI, nil)
			return
		}
		a.fail(fmt.Errorf("parse %s: %w", interWorxINI, err))
	}
	if st == absent {
		a.note("InterWorx: installed but %s does not exist; version unknown", interWorxINI)
	}
	a.add("interworx", "", interWorxINI, nil)
}
