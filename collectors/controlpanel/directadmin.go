package controlpanel

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/internal/execx"
)

// DirectAdmin's files.
const (
	daBinary = "/usr/local/directadmin/directadmin"
	daConf   = "/usr/local/directadmin/conf/directadmin.conf"
	// daVersionFile is read when present; whether DirectAdmin writes it is
	// unverified.
	daVersionFile = "/usr/local/directadmin/version"
)

// daCommands are tried in order: the modern subcommand ("da version"; da
// is a link to the binary), then the legacy single-letter one.
var daCommands = [][]string{{daBinary, "version"}, {daBinary, "v"}}

func (c *Collector) directAdmin(ctx context.Context, a *collectors.Recorder) {
	if !c.exists(daBinary) {
		return
	}
	details := map[string]string{}
	version, source := c.daVersion(ctx, a, details)
	if version == "" {
		if source == "" {
			source = daBinary
		}
		if c.deps.Live == nil {
			a.Note("DirectAdmin: version unknown (it is read by running %s, which is done on live scans only)", daBinary)
		}
	}
	if b, st := c.read(a, daConf, configFileLimit, false); st == collectors.Read {
		ch, err := ParseDirectAdminConf(b)
		if err != nil {
			a.Fail(fmt.Errorf("parse %s: %w", daConf, err))
		}
		details["channel"] = ch
	}
	add(a, "directadmin", version, source, details)
	if accts := c.daAccounts(a); len(accts) > 0 {
		a.Host().Accounts = accts
	}
}

// daVersion asks the binary (live scans only), then the version file. A
// command that times out is an error and ends the asking: the binary hangs.
func (c *Collector) daVersion(ctx context.Context, a *collectors.Recorder, details map[string]string) (version, source string) {
	asked := false
	if c.deps.Live != nil {
		for _, argv := range daCommands {
			cmd := execx.Cmd{Argv: argv, Timeout: c.cmdTimeout, MaxOutput: 64 << 10}
			res, err := c.deps.Run.Run(ctx, cmd)
			if err != nil && (errors.Is(err, execx.ErrTimeout) || ctx.Err() != nil) {
				a.Fail(fmt.Errorf("directadmin version: %w", err))
				break
			}
			asked = true
			if err != nil || res.ExitCode != 0 {
				continue
			}
			v, perr := ParseDirectAdminVersion(res.Stdout)
			if perr != nil {
				continue
			}
			details["commit"] = v.Commit
			return v.Version, cmd.String()
		}
	}
	b, st := c.read(a, daVersionFile, versionFileLimit, false)
	if st != collectors.Read {
		if asked {
			a.Note("DirectAdmin: %s printed no version (it may need root)", daBinary)
		}
		return "", ""
	}
	v, err := ParseDirectAdminVersion(b)
	if err != nil {
		a.Fail(fmt.Errorf("parse %s: %w", daVersionFile, err))
		return "", daVersionFile
	}
	details["commit"] = v.Commit
	return v.Version, daVersionFile
}

// DirectAdminVersion is what DirectAdmin says its version is.
type DirectAdminVersion struct {
	// Version is "1.62.4" (before 1.640) or "1.703".
	Version string
	// Commit is the build's commit hash when printed.
	Commit string
}

var (
	daVersionRE = regexp.MustCompile(`^\d{1,2}\.\d{1,4}(\.\d{1,4})?$`)
	daCommitRE  = regexp.MustCompile(`^[0-9a-fA-F]{7,64}$`)
	daPrefixRE  = regexp.MustCompile(`(?i)^(version\s*:?\s*)?(directadmin\s*)?(v\.?\s*)?`)
)

// ParseDirectAdminVersion parses the output of "directadmin v" (legacy:
// "Version: DirectAdmin v.1.62.4") or "da version" (modern builds, whose
// exact output is unverified: "1.703" or "DirectAdmin v.1.703" optionally
// followed by a commit hash on the same line or on a "Commit:" line). A
// bare version is accepted on the first non-empty line only, so that other
// numbers in the output are not taken for it.
func ParseDirectAdminVersion(b []byte) (DirectAdminVersion, error) {
	var v DirectAdminVersion
	lines := strings.Split(string(b), "\n")
	if len(lines) > 50 {
		lines = lines[:50]
	}
	first := true
	for _, line := range lines {
		line = strings.TrimSpace(line)
		if line == "" || len(line) > 512 {
			continue
		}
		if k, val, ok := strings.Cut(line, ":"); ok && strings.EqualFold(strings.TrimSpace(k), "commit") {
			if h := strings.TrimSpace(val); daCommitRE.MatchString(h) && v.Commit == "" {
				v.Commit = strings.ToLower(h)
			}
			continue
		}
		prefix := daPrefixRE.FindString(line)
		named := strings.Contains(strings.ToLower(prefix), "directadmin")
		f := strings.Fields(line[len(prefix):])
		if v.Version == "" && (named || first) && len(f) > 0 && daVersionRE.MatchString(f[0]) {
			v.Version = f[0]
			if len(f) > 1 && daCommitRE.MatchString(f[1]) {
				v.Commit = strings.ToLower(f[1])
			}
		}
		first = false
	}
	if v.Version == "" {
		return DirectAdminVersion{}, fmt.Errorf("%w: no DirectAdmin version in the output", ErrMalformed)
	}
	return v, nil
}

var daChannelRE = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)

// ParseDirectAdminConf returns update_channel= from directadmin.conf
// (alpha, beta, current, stable, or an end-of-life OS channel such as
// rhel6), or "" when the key is absent. Other keys are never kept.
func ParseDirectAdminConf(b []byte) (string, error) {
	if strings.IndexByte(string(b), 0) >= 0 {
		return "", fmt.Errorf("%w: binary data", ErrMalformed)
	}
	ch := ""
	for _, line := range strings.Split(string(b), "\n") {
		k, val, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok || strings.TrimSpace(k) != "update_channel" {
			continue
		}
		val = strings.ToLower(strings.TrimSpace(val))
		if !daChannelRE.MatchString(val) {
			return "", fmt.Errorf("%w: update_channel is not a channel name", ErrMalformed)
		}
		ch = val
	}
	return ch, nil
}
