package controlpanel

import (
	"context"
	"fmt"

	"github.com/demarc/demarc/collectors"
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

func (c *Collector) cyberPanel(_ context.Context, a *collectors.Recorder) {
	if !c.isDir(cyberPanelDir) {
		return
	}
	b, st := c.read(a, cyberPanelViews, headLimit, true)
	switch st {
	case collectors.Absent:
		a.Note("CyberPanel: %s exists but %s does not; version unknown", cyberPanelDir, cyberPanelViews)
	case collectors.Read:
		v, build, err := ParseCyberPanelViews(b)
		if err != nil {
			a.Fail(fmt.Errorf("parse %s: %w", cyberPanelViews, err))
			break
		}
		add(a, "cyberpanel", v, cyberPanelViews, map[string]string{"build": build})
		return
	}
	add(a, "cyberpanel", "", cyberPanelViews, nil)
}

// ispConfig reads only the ISPC_APP_VERSION line of a file that also holds
// database credentials: errors and notes name the file, never its content.
func (c *Collector) ispConfig(_ context.Context, a *collectors.Recorder) {
	if !c.isDir(ispConfigDir) {
		return
	}
	source := ispConfigFiles[0]
	for _, p := range ispConfigFiles {
		b, st := c.read(a, p, configFileLimit, false)
		if st != collectors.Read {
			continue
		}
		v, err := ParseISPConfigVersion(b)
		clear(b)
		if err != nil {
			a.Fail(fmt.Errorf("parse %s: %w", p, err))
			source = p
			continue
		}
		add(a, "ispconfig", v, p, nil)
		return
	}
	add(a, "ispconfig", "", source, nil)
}

// interWorx reads only the rpm.release line of iworx.ini, which also holds
// database passwords.
func (c *Collector) interWorx(_ context.Context, a *collectors.Recorder) {
	if !c.isDir(interWorxDir) && !c.exists(nodeworxBinary) {
		return
	}
	b, st := c.read(a, interWorxINI, configFileLimit, false)
	if st == collectors.Read {
		v, err := ParseInterWorxRelease(b)
		clear(b)
		if err == nil {
			add(a, "interworx", v, interWorxINI, nil)
			return
		}
		a.Fail(fmt.Errorf("parse %s: %w", interWorxINI, err))
	}
	if st == collectors.Absent {
		a.Note("InterWorx: installed but %s does not exist; version unknown", interWorxINI)
	}
	add(a, "interworx", "", interWorxINI, nil)
}
