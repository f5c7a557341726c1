package controlpanel

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"time"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/report"
)

// Name is the collector's name, as used by --only.
const Name = "controlpanel"

// DefaultCommandTimeout bounds each command the collector runs.
const DefaultCommandTimeout = 10 * time.Second

// Read caps: version files are a line; configuration files a few KiB.
const (
	versionFileLimit = 64 << 10
	configFileLimit  = 1 << 20
	headLimit        = 64 << 10
)

// ErrMalformed is returned (wrapped) by the parsers for input that does
// not hold a valid version where one is expected.
var ErrMalformed = errors.New("malformed version data")

// Collector detects control panels.
type Collector struct {
	deps       collectors.Deps
	cmdTimeout time.Duration
}

// New returns the control panel collector. Its live-only commands
// (DirectAdmin's version) run only when the root is a running host
// (deps.Live).
func New(deps collectors.Deps) *Collector {
	return &Collector{
		deps:       deps,
		cmdTimeout: DefaultCommandTimeout,
	}
}

// Name implements collectors.Collector.
func (c *Collector) Name() string { return Name }

// Sources implements collectors.Collector.
func (c *Collector) Sources() collectors.Sources {
	return collectors.Sources{
		Detects: "control panels: cPanel & WHM, Plesk, DirectAdmin, Webmin, Virtualmin, CyberPanel, ISPConfig, InterWorx, HestiaCP, CloudPanel",
		Files: slices.Concat(
			[]string{cpanelDir, cpanelVersionFile, cpupdateConf, tiersJSON, cpanelUserdata, cpanelPHPConf},
			pleskDirs, pleskVersionFiles, []string{pleskVhostsSystem}, pleskPoolGlobs(),
			[]string{daBinary, daVersionFile, daConf, daUsers, daOptionsCnf},
			webminDirs, webminVersionFiles, virtualminModuleInfo, []string{virtualminConfDir},
			[]string{cyberPanelDir, cyberPanelViews, ispConfigDir}, ispConfigFiles,
			[]string{interWorxDir, interWorxINI, nodeworxBinary},
			[]string{hestiaDir, hestiaConf, cloudPanelDir, cloudPanelEnv, cloudPanelBinary},
		),
		Commands: []string{
			daBinary + " version (live scan only)",
			daBinary + " v (live scan only, legacy)",
		},
		Privileges:  "none for most panels; root to read Plesk's /var/www/vhosts/system/<domain>/conf, /etc/webmin, ISPConfig's config.inc.php, iworx.ini, directadmin.conf, hestia.conf and CloudPanel's .env (a note says when one is unreadable)",
		NotDetected: "no panel's marker file or directory exists under the root",
	}
}

// Collect implements collectors.Collector.
func (c *Collector) Collect(ctx context.Context) (collectors.Result, error) {
	a := &collectors.Recorder{Layer: report.LayerControlPanel}
	detectors := []func(context.Context, *collectors.Recorder){
		c.cpanel, c.plesk, c.directAdmin, c.webmin, c.virtualmin,
		c.cyberPanel, c.ispConfig, c.interWorx, c.hestia, c.cloudPanel,
	}
	for _, detect := range detectors {
		if err := ctx.Err(); err != nil {
			return a.Result(), fmt.Errorf("controlpanel: %w", err)
		}
		detect(ctx, a)
	}
	return a.Result(), nil
}

// add records a panel.
func add(a *collectors.Recorder, product, version, source string, details map[string]string) {
	a.Add(report.Component{Product: product, Version: version, Source: source, Details: details})
}

// read reads the host file p, at most limit bytes (head: the first limit
// bytes of a longer file; otherwise a longer file is an error). The
// Recorder words and files what went wrong (an unusable file is one too
// large, or not a regular file: a FIFO or device, which hostfs refuses
// without blocking, wrapping hostfs.ErrNotRegular).
func (c *Collector) read(a *collectors.Recorder, p string, limit int64, head bool) ([]byte, collectors.ReadOutcome) {
	var b []byte
	var err error
	if head {
		b, err = c.deps.Root.ReadHead(p, limit)
	} else {
		b, err = c.deps.Root.ReadFileLimit(p, limit)
	}
	if st := a.ReadProblem(p, err); st != collectors.Read {
		return nil, st
	}
	return b, collectors.Read
}

// exists reports whether the host path p exists; a permission error counts
// as existing.
func (c *Collector) exists(p string) bool {
	_, err := c.deps.Root.Stat(p)
	return err == nil || errors.Is(err, fs.ErrPermission)
}

// isDir reports whether the host path p is a directory (or exists behind a
// permission error).
func (c *Collector) isDir(p string) bool {
	st, err := c.deps.Root.Stat(p)
	if err != nil {
		return errors.Is(err, fs.ErrPermission)
	}
	return st.IsDir()
}
