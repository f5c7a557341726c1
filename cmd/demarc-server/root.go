package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/ingest/store/dbopen"
	"github.com/demarc/demarc/ingest/store/sqlite"
	"github.com/demarc/demarc/internal/version"
)

// globals are the flags every subcommand shares and the process's streams.
type globals struct {
	configFile string
	db         string
	logLevel   string
	stdout     io.Writer
	stderr     io.Writer
	cfg        Config
}

func execute(args []string, stdout, stderr io.Writer) int {
	g := &globals{stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:           "demarc-server",
		Short:         "Central ingestion of demarc reports: API, web UI, storage, metrics",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return g.load(cmd)
		},
		RunE: func(cmd *cobra.Command, args []string) error { return runServe(cmd.Context(), g, serveFlags{}) },
	}
	pf := root.PersistentFlags()
	pf.StringVar(&g.configFile, "config", "", "configuration file (YAML)")
	pf.StringVar(&g.db, "db", "", "database: sqlite:PATH or postgres://user@host/db (default sqlite:demarc.db)")
	pf.StringVar(&g.logLevel, "log-level", "", "log level: debug, info, warn, error (default info)")
	root.AddCommand(newServeCmd(g), newMigrateCmd(g), newTokenCmd(g), newEnrollSecretCmd(g), newHostCmd(g), newHostsCmd(g), newDemoCmd(g), &cobra.Command{
		Use: "version", Short: "Print the version", Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(g.stdout, "demarc-server", version.String())
			return err
		},
	})
	root.AddCommand(newLifecycleCmd(g))
	for _, add := range extraCommands {
		root.AddCommand(add(g))
	}
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.ExecuteContext(context.Background()); err != nil {
		fmt.Fprintf(stderr, "demarc-server: %v\n", err)
		return 1
	}
	return 0
}

// extraCommands lets files built with a tag add hidden subcommands (the
// packaging's gendocs) without editing the command tree above.
var extraCommands []func(*globals) *cobra.Command

// load reads the config file, then lets flags override it.
func (g *globals) load(cmd *cobra.Command) error {
	cfg, err := LoadConfig(g.configFile)
	if err != nil {
		return err
	}
	if g.db != "" {
		cfg.DB = g.db
	}
	if g.logLevel != "" {
		cfg.LogLevel = g.logLevel
	}
	g.cfg = cfg
	return nil
}

// logger is the process logger on stderr: human on a terminal, JSON else.
func (g *globals) logger() (zerolog.Logger, error) {
	lvl, err := zerolog.ParseLevel(strings.ToLower(g.cfg.LogLevel))
	if err != nil || g.cfg.LogLevel == "" {
		return zerolog.Nop(), fmt.Errorf("invalid log level %q (want debug, info, warn or error)", g.cfg.LogLevel)
	}
	var w io.Writer = g.stderr
	if f, ok := g.stderr.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
		w = zerolog.ConsoleWriter{Out: g.stderr}
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger(), nil
}

// openStore opens (and migrates, when asked) the configured database.
func (g *globals) openStore(ctx context.Context, migrate bool) (store.Store, error) {
	log, err := g.logger()
	if err != nil {
		return nil, err
	}
	s, err := dbopen.Open(ctx, g.cfg.DB, dbopen.Options{SQLite: sqlite.Options{Synchronous: g.cfg.SQLiteSynchronous, Log: log}})
	if err != nil {
		return nil, err
	}
	if migrate {
		if err := s.Migrate(ctx); err != nil {
			s.Close()
			return nil, fmt.Errorf("migrate %s: %w", dbopen.Redact(g.cfg.DB), err)
		}
	}
	return s, nil
}

func newMigrateCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending database migrations and exit",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := g.openStore(cmd.Context(), true)
			if err != nil {
				return err
			}
			defer s.Close()
			_, err = fmt.Fprintf(g.stdout, "database %s is up to date\n", dbopen.Redact(g.cfg.DB))
			return err
		},
	}
}

// withStore opens the configured database (migrated), runs fn on it and
// closes it: the shape of every administrative command.
func (g *globals) withStore(ctx context.Context, fn func(store.Store) error) error {
	st, err := g.openStore(ctx, true)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(st)
}
