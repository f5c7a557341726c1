package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Agent defaults, applied by Parse to keys the file leaves out.
const (
	// DefaultSchedule runs a scan every six hours.
	DefaultSchedule = "0 */6 * * *"
	// DefaultSplay spreads a fleet's scans over a quarter of an hour.
	DefaultSplay = 15 * time.Minute
	// DefaultReportTimeout bounds one delivery attempt.
	DefaultReportTimeout = 30 * time.Second
	// DefaultStateDir holds the agent's credential state.
	DefaultStateDir = "/var/lib/demarc"
	// DefaultSpoolDir keeps undelivered reports: "spool" below the state
	// directory.
	DefaultSpoolDir = DefaultStateDir + "/spool"
	// DefaultEnrollSecretFile is where the agent finds its enroll secret.
	DefaultEnrollSecretFile = "/etc/demarc/enroll-secret"
	// DefaultMaxReports bounds the spool: at four scans a day, most of a
	// year of reports.
	DefaultMaxReports = 1000
)

// Agent bounds: values outside them are configuration errors.
const (
	maxSplay         = 24 * time.Hour
	minReportTimeout = time.Second
	maxReportTimeout = 10 * time.Minute
	maxMaxReports    = 1_000_000
)

// ErrInsecureURL means report.url is plain http to a host that is not
// loopback and allow_insecure_http is not set.
var ErrInsecureURL = errors.New("plain http to a non-loopback host")

// applyAgentDefaults fills the agent keys the file leaves out. An explicit
// "splay: 0s" disables the splay.
func (c *Config) applyAgentDefaults() {
	if c.Schedule == "" {
		c.Schedule = DefaultSchedule
	}
	if c.Splay == 0 && !c.has("splay") {
		c.Splay = Duration(DefaultSplay)
	}
	if c.RunOnStart == nil {
		t := true
		c.RunOnStart = &t
	}
	if c.Report.Timeout == 0 {
		c.Report.Timeout = Duration(DefaultReportTimeout)
	}
	// The state directory and the spool default to each other: the spool
	// is "spool" below the state directory, the state directory the
	// spool's parent. Two agents with their own spools never share a host
	// key by default.
	switch {
	case c.StateDir == "" && c.Spool.Dir == "":
		c.StateDir, c.Spool.Dir = DefaultStateDir, DefaultSpoolDir
	case c.StateDir == "":
		c.StateDir = path.Dir(c.Spool.Dir)
	case c.Spool.Dir == "":
		c.Spool.Dir = path.Join(c.StateDir, "spool")
	}
	if c.Report.EnrollSecretFile == "" {
		c.Report.EnrollSecretFile = DefaultEnrollSecretFile
	}
	if c.Spool.MaxReports == 0 {
		c.Spool.MaxReports = DefaultMaxReports
	}
}

// has reports whether the file spells out the dotted key.
func (c *Config) has(key string) bool {
	return c.src.root != nil && lineOf(c.src.root, key) > 0
}

// line returns the line of a dotted key in the file, or 0.
func (c *Config) line(key string) int {
	if c.src.root == nil {
		return 0
	}
	return lineOf(c.src.root, key)
}

// validateAgent checks the values of the agent keys (pure checks; the
// files they name are checked by CheckAgent).
func (c *Config) validateAgent(bad func(key, msg string) error) error {
	if c.Schedule != "" {
		if _, err := ParseSchedule(c.Schedule); err != nil {
			return bad("schedule", err.Error())
		}
	}
	if time.Duration(c.Splay) > maxSplay {
		return bad("splay", "must be at most 24h")
	}
	if t := time.Duration(c.Report.Timeout); t != 0 && (t < minReportTimeout || t > maxReportTimeout) {
		return bad("report.timeout", "must be between 1s and 10m")
	}
	if c.Report.URL != "" {
		if err := CheckReportURL(c.Report.URL, c.Report.AllowInsecureHTTP); err != nil {
			e := bad("report.url", err.Error())
			if ce, ok := e.(*Error); ok {
				ce.Err = err
			}
			return e
		}
	}
	if (c.Report.ClientCert == "") != (c.Report.ClientKey == "") {
		return bad("report.client_cert", "client_cert and client_key go together: set both or neither")
	}
	if c.Spool.MaxReports > maxMaxReports {
		return bad("spool.max_reports", fmt.Sprintf("must be at most %d", maxMaxReports))
	}
	for _, kv := range [][2]string{
		{"report.token_file", c.Report.TokenFile}, {"report.enroll_secret_file", c.Report.EnrollSecretFile},
		{"report.ca_file", c.Report.CAFile}, {"state_dir", c.StateDir},
		{"report.client_cert", c.Report.ClientCert}, {"report.client_key", c.Report.ClientKey},
		{"spool.dir", c.Spool.Dir}, {"textfile_dir", c.TextfileDir},
	} {
		if kv[1] != "" && !strings.HasPrefix(kv[1], "/") {
			return bad(kv[0], "must be an absolute path, not "+quote(kv[1]))
		}
	}
	return nil
}

// ParseSchedule parses a schedule the way the agent runs it: a standard
// five-field cron spec (optionally prefixed by CRON_TZ=Zone), a descriptor
// such as @daily, or "@every <duration>" of at least one second.
func ParseSchedule(spec string) (cron.Schedule, error) {
	if d, ok := strings.CutPrefix(spec, "@every "); ok {
		v, err := time.ParseDuration(strings.TrimSpace(d))
		if err != nil {
			return nil, fmt.Errorf("invalid @every duration %q (examples: @every 6h, @every 30m)", d)
		}
		if v < time.Second {
			return nil, fmt.Errorf("@every %s: the interval must be at least 1s", d)
		}
	}
	s, err := parseCron(spec)
	if err != nil {
		return nil, fmt.Errorf("invalid schedule %q: %v (want a cron spec such as \"0 */6 * * *\" or @every 6h)", spec, err)
	}
	return s, nil
}

// parseCron shields against robfig/cron v3.0.1 panicking on some input
// (a "TZ=" prefix with no space after it slices out of range; found by
// FuzzParseSchedule).
func parseCron(spec string) (s cron.Schedule, err error) {
	defer func() {
		if p := recover(); p != nil {
			s, err = nil, fmt.Errorf("unparseable: %v", p)
		}
	}()
	return cron.ParseStandard(spec)
}

// CheckReportURL checks a delivery URL: https, or plain http only to a
// loopback host or when allowInsecure is set; a host; no credentials (the
// token comes from the token file) and no fragment.
func CheckReportURL(raw string, allowInsecure bool) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("not a URL: %w", err)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !allowInsecure && !IsLoopbackHost(u.Hostname()) {
			return fmt.Errorf("%w: use https, or set report.allow_insecure_http: true", ErrInsecureURL)
		}
	default:
		return fmt.Errorf("scheme must be https, not %q", u.Scheme)
	}
	if u.Hostname() == "" {
		return errors.New("has no host")
	}
	if u.User != nil {
		return errors.New("must not carry credentials: the token comes from report.token_file")
	}
	if u.Fragment != "" {
		return errors.New("must not have a #fragment")
	}
	return nil
}

// IsLoopbackHost reports whether host (a name or an IP, without port) is
// this machine: "localhost" or a loopback address.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
