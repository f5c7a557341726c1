package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/demarc/demarc/config"
	"github.com/demarc/demarc/internal/hostfs"
	"github.com/demarc/demarc/report"
	"github.com/demarc/demarc/scan"
)

type scanFlags struct {
	configFile   string
	root         string
	tier         string
	maintenance  bool
	customerVirt bool
	provider     string
	format       string
	output       string
	at           string
	failOn       string
	only         []string
	rulesFile    string
	lifecycle    string
	allowNoOS    bool
}

func newScanCmd(g *globals) *cobra.Command {
	var f scanFlags
	cmd := &cobra.Command{
		Use:   "scan",
		Short: "Scan this host once and print what is out of date and whose it is to fix",
		Long: "Scan this host once: OS release, kernel, pending updates, control panels, hypervisors,\n" +
			"firmware, server applications and web apps; judge each against lifecycle data; and\n" +
			"group the gaps into the provider's and the customer's.\n\n" +
			"Exit status: 0 the scan ran, 1 --fail-on matched a finding, 2 usage or runtime error, or\n" +
			"the operating system could not be identified (unless --allow-unknown-os).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runScan(cmd, g, &f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.configFile, "config", "", "agent configuration file (profile and collector settings)")
	fl.StringVar(&f.root, "root", "/", "scan the filesystem mounted here instead of the running system")
	fl.StringVar(&f.tier, "tier", "", "service tier: "+orList(report.Tiers)+" (default managed)")
	fl.BoolVar(&f.maintenance, "maintenance-agreement", true, "the provider patches OS and control panel (default true on managed, false otherwise)")
	fl.BoolVar(&f.customerVirt, "customer-managed-virtualisation", false, "the customer runs their own virtualisation layer")
	fl.StringVar(&f.provider, "provider", "", `the provider's name in the report (default "the provider")`)
	fl.StringVar(&f.format, "format", "table", "output format: "+orList(report.Formats))
	fl.StringVarP(&f.output, "output", "o", "", "write the output to this file instead of stdout")
	fl.StringVar(&f.at, "at", "", "evaluate lifecycle as of this date (YYYY-MM-DD)")
	fl.StringVar(&f.failOn, "fail-on", "", "exit 1 when a finding of this severity or worse exists: "+orList(report.Severities))
	fl.StringSliceVar(&f.only, "only", nil, "run only these collectors (comma-separated; see `demarc collectors`)")
	fl.StringVar(&f.rulesFile, "rules", "", "responsibility matrix file replacing the built-in one")
	fl.BoolVar(&f.allowNoOS, "allow-unknown-os", false, "exit 0 even when nothing identifies the operating system (a bare directory as --root)")
	fl.StringVar(&f.lifecycle, "lifecycle", "", "judge with this lifecycle data: a dataset as demarc-server serves it, or an endoflife.date API v1 product file")
	return cmd
}

// orList writes vals as "a, b or c", for a flag's help.
func orList[S ~string](vals []S) string {
	var b strings.Builder
	for i, v := range vals {
		switch {
		case i == 0:
		case i == len(vals)-1:
			b.WriteString(" or ")
		default:
			b.WriteString(", ")
		}
		b.WriteString(string(v))
	}
	return b.String()
}

// scanSetup is everything a scan needs, resolved from flags and config.
type scanSetup struct {
	opts   scan.Options
	format report.Format
	failOn report.Severity
}

func buildScan(cmd *cobra.Command, g *globals, f *scanFlags) (*scanSetup, error) {
	cfg := &config.Config{}
	if f.configFile != "" {
		c, err := config.Load(f.configFile)
		if err != nil {
			return nil, err
		}
		cfg = c
	}
	fl := cmd.Flags()
	if fl.Changed("tier") {
		if _, err := report.ParseTier(f.tier); err != nil {
			return nil, usageErr("--tier: %v", err)
		}
		cfg.Tier = f.tier
	}
	if fl.Changed("provider") {
		cfg.Provider = f.provider
	}
	if fl.Changed("maintenance-agreement") {
		cfg.MaintenanceAgreement = &f.maintenance
	}
	if fl.Changed("customer-managed-virtualisation") {
		cfg.CustomerManagedVirtualisation = f.customerVirt
	}
	if fl.Changed("rules") {
		cfg.RulesFile = f.rulesFile
	}
	if fl.Changed("only") {
		cfg.Collectors.Only = f.only
	}
	s := &scanSetup{}
	var err error
	if s.format, err = report.ParseFormat(f.format); err != nil {
		return nil, usageErr("--format: %v", err)
	}
	if f.failOn != "" {
		if s.failOn, err = report.ParseSeverity(f.failOn); err != nil {
			return nil, usageErr("--fail-on: %v", err)
		}
	}
	var at time.Time
	if f.at != "" {
		if at, err = time.Parse(time.DateOnly, f.at); err != nil {
			return nil, usageErr("--at: want a date as YYYY-MM-DD, got %q", f.at)
		}
	}
	root, err := hostfs.New(f.root)
	if err != nil {
		return nil, usageErr("--root: %v", err)
	}
	log, err := g.logger()
	if err != nil {
		return nil, err
	}
	if s.opts, err = scan.OptionsFromConfig(cfg); err != nil {
		return nil, err
	}
	s.opts.Root, s.opts.Log, s.opts.At = root, log, at
	if f.lifecycle != "" {
		d, err := loadLifecycleFile(f.lifecycle)
		if err != nil {
			return nil, err
		}
		if s.opts.Engine, err = engineWith(cfg, s.opts.Engine, d); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func runScan(cmd *cobra.Command, g *globals, f *scanFlags) error {
	s, err := buildScan(cmd, g, f)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r, err := scan.Run(ctx, s.opts)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	tty := f.output == "" && isTerminal(g.stdout)
	ro := report.RenderOptions{Color: tty && os.Getenv("NO_COLOR") == ""}
	if tty {
		ro.Width = terminalWidth(g.stdout)
	}
	if err := report.Render(&buf, s.format, r, ro); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	if err := writeOutput(f.output, g.stdout, buf.Bytes()); err != nil {
		return err
	}
	if r.OSUnidentified() && !f.allowNoOS {
		// An empty answer must not read as a clean one (nor exit 0).
		return fmt.Errorf("nothing under %s identifies the operating system (no /etc/os-release or other release file): "+
			"is --root right? The report says what could not be checked; --allow-unknown-os accepts it", s.opts.Root.Dir())
	}
	if s.failOn != "" {
		for _, fd := range r.Findings {
			if fd.Severity.AtLeast(s.failOn) {
				return exitCodeError{code: exitFindings}
			}
		}
	}
	return nil
}

// writeOutput writes b to path atomically (temp file, rename), or to w when
// path is empty or "-".
func writeOutput(path string, w io.Writer, b []byte) error {
	if path == "" || path == "-" {
		_, err := w.Write(b)
		return err
	}
	dir, base := ".", path
	if i := strings.LastIndex(path, "/"); i >= 0 {
		dir, base = path[:i], path[i+1:]
		if dir == "" {
			dir = "/"
		}
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("--output: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("--output: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("--output: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("--output: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("--output: %w", err)
	}
	return nil
}
