package applications

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/internal/execx"
	"github.com/demarc/demarc/internal/pkgdb"
	"github.com/demarc/demarc/report"
)

// DefaultTimeout bounds each version command.
const DefaultTimeout = 10 * time.Second

// maxOutput caps a version command's output.
const maxOutput = 1 << 20

// Option configures a Collector.
type Option func(*Collector)

// WithTimeout sets the per-command timeout (DefaultTimeout otherwise).
func WithTimeout(d time.Duration) Option { return func(c *Collector) { c.timeout = d } }

// Collector reports the server software stack: PHP (every instance),
// MySQL/MariaDB, PostgreSQL, nginx, Apache httpd and OpenSSH.
type Collector struct {
	deps    collectors.Deps
	timeout time.Duration
}

// New returns the applications collector. Version commands (php -v, nginx
// -v…) run only when the root is a running host (deps.Live): under any
// other root the binaries are not the scanned host's to run.
func New(deps collectors.Deps, opts ...Option) *Collector {
	c := &Collector{deps: deps, timeout: DefaultTimeout}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Name implements collectors.Collector.
func (c *Collector) Name() string { return "applications" }

// Sources implements collectors.Collector.
func (c *Collector) Sources() collectors.Sources {
	return collectors.Sources{
		Detects: "PHP (EasyApache ea-php*, CloudLinux alt-php*, Plesk plesk-php*, Remi SCL, distribution), MySQL, MariaDB, PostgreSQL, nginx, Apache httpd, OpenSSH",
		Files:   sourceFiles(),
		Commands: append([]string{"<php> -v", "nginx -v", "mariadbd --version", "mysqld --version", "postgres --version",
			"httpd -v", "apache2 -v", "sshd -V"}, pkgdb.Commands...),
		Privileges:  "none",
		NotDetected: "none of these installed: empty result; commands run only on a live root and only for what the package database does not list",
	}
}

// state is one Collect run.
type state struct {
	collectors.Recorder
	c   *Collector
	ctx context.Context
}

// Collect implements collectors.Collector.
func (c *Collector) Collect(ctx context.Context) (collectors.Result, error) {
	s := &state{Recorder: collectors.Recorder{Layer: report.LayerApplications}, c: c, ctx: ctx}
	s.UsePackages(c.deps.InstalledPackages(ctx))
	for _, detect := range []func(){s.php, s.databases, s.postgresql, s.webServers, s.openssh} {
		if ctx.Err() != nil {
			return s.Result(), ctx.Err()
		}
		detect()
	}
	return s.Result(), ctx.Err()
}

// command runs argv when commands may run and argv[0] is installed; ok is
// false when it did not run or failed (the failure is recorded). Output
// is stdout and stderr together: nginx and old sshd write to stderr.
func (s *state) command(argv ...string) (string, bool) {
	if s.c.deps.Live == nil {
		return "", false
	}
	if _, err := s.c.deps.Run.LookPath(argv[0]); err != nil {
		return "", false
	}
	res, err := s.c.deps.Run.Run(s.ctx, execx.Cmd{Argv: argv, Timeout: s.c.timeout, MaxOutput: maxOutput})
	if errors.Is(err, execx.ErrNotFound) {
		return "", false
	}
	if err != nil {
		s.Fail(fmt.Errorf("run %s: %w", strings.Join(argv, " "), err))
		return "", false
	}
	return string(res.Stdout) + "\n" + string(res.Stderr), true
}

// fromBinary runs argv and parses its output into a component; ok is
// false when the binary is absent or its output did not parse (recorded).
func (s *state) fromBinary(parse func(string) (BinaryVersion, error), argv ...string) (report.Component, bool) {
	out, ran := s.command(argv...)
	if !ran {
		return report.Component{}, false
	}
	bv, err := parse(out)
	if err != nil {
		s.Fail(fmt.Errorf("%s: %w", strings.Join(argv, " "), err))
		return report.Component{}, false
	}
	comp := report.Component{Product: bv.Product, Version: bv.Version, Source: strings.Join(argv, " "),
		Details: map[string]string{"binary": argv[0]}}
	if bv.Raw != bv.Version {
		comp.Details["package_version"] = bv.Raw
	}
	return comp, true
}

// sourceFiles are the files the collector reads: the shared package
// database, every PHP family's binaries (from phpFamilies, the table the
// detection runs), the distribution's /usr/bin/php and /usr/bin/phpX.Y,
// and PostgreSQL's binaries (pgGlobs).
func sourceFiles() []string {
	out := slices.Clone(pkgdb.Files)
	for _, f := range phpFamilies {
		out = append(out, f.glob)
	}
	return append(append(out, distroPHP, distroPHP+"*"), pgGlobs...)
}
