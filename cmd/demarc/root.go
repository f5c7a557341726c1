package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"
)

// Exit codes (docs/DESIGN.md, README.md): 0 the command ran, 1 --fail-on matched, 2 a usage
// or runtime error, or a scan that identified no operating system.
const (
	exitOK       = 0
	exitFindings = 1
	exitError    = 2
)

// exitCodeError carries a specific exit code up to main without printing.
type exitCodeError struct{ code int }

func (e exitCodeError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// globals are the persistent flags every subcommand shares.
type globals struct {
	logLevel string
	stdout   io.Writer
	stderr   io.Writer
}

func execute(args []string, stdout, stderr io.Writer) int {
	g := &globals{stdout: stdout, stderr: stderr}
	root := newRoot(g)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var ec exitCodeError
	if errors.As(err, &ec) {
		return ec.code
	}
	fmt.Fprintf(stderr, "demarc: %v\n", err)
	return exitError
}

func newRoot(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:           "demarc",
		Short:         "Patch gaps and end-of-life software on a host, and whose each gap is",
		Long:          "demarc scans a Linux host (OS, kernel, pending updates, control panels, hypervisors,\nfirmware, server applications, web apps), judges each against lifecycle data and says,\nunder the hosting provider's shared responsibility model, whether the provider or the\ncustomer owes the fix.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	root.AddCommand(newScanCmd(g), newRulesCmd(g), newVersionCmd(g), newCollectorsCmd(g),
		newAgentCmd(g), newSpoolCmd(g), newConfigCmd(g))
	for _, add := range extraCommands {
		root.AddCommand(add(g))
	}
	return root
}

// extraCommands lets other files of this command add subcommands (agent,
// spool, config) without editing newRoot.
var extraCommands []func(*globals) *cobra.Command

// logger returns the process logger: a human console on a terminal, JSON
// otherwise (journald), always on stderr.
func (g *globals) logger() (zerolog.Logger, error) {
	lvl, err := zerolog.ParseLevel(strings.ToLower(g.logLevel))
	if err != nil || g.logLevel == "" {
		return zerolog.Nop(), usageErr("invalid --log-level %q (want debug, info, warn or error)", g.logLevel)
	}
	var w io.Writer = g.stderr
	if f, ok := g.stderr.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
		w = zerolog.ConsoleWriter{Out: f, TimeFormat: time.TimeOnly}
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger(), nil
}

// usageErr is an error in how the command was called.
func usageErr(format string, a ...any) error { return fmt.Errorf(format, a...) }

// terminalWidth returns the width of the terminal w, or 0 when unknown.
func terminalWidth(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok {
		return 0
	}
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil || ws.Col == 0 {
		return 0
	}
	return int(ws.Col)
}

// isTerminal reports whether w is a terminal (colour allowed).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isatty.IsTerminal(f.Fd())
}
