package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/demarc/demarc/agent"
	"github.com/demarc/demarc/agent/spool"
	"github.com/demarc/demarc/config"
	"github.com/demarc/demarc/internal/hostfs"
)

func newSpoolCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "spool",
		Short: "List or deliver the reports the agent could not deliver yet",
	}
	cmd.AddCommand(newSpoolListCmd(g), newSpoolFlushCmd(g))
	return cmd
}

// spoolItem is one line of `demarc spool list --json`.
type spoolItem struct {
	State     string    `json:"state"` // pending, corrupt (not yet moved), rejected, moved_aside
	File      string    `json:"file"`
	ReportID  string    `json:"report_id,omitempty"`
	SpooledAt time.Time `json:"spooled_at"`
	Bytes     int64     `json:"bytes"`
	Reason    string    `json:"reason,omitempty"`
}

func newSpoolListCmd(g *globals) *cobra.Command {
	var configFile string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List pending, rejected and corrupt reports (changes nothing)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(configFile)
			if err != nil {
				return err
			}
			items, err := spoolItems(spool.New(cfg.Spool.Dir, cfg.Spool.MaxReports))
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(g.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(items)
			}
			fmt.Fprintf(g.stdout, "spool %s (max_reports %d)\n", cfg.Spool.Dir, cfg.Spool.MaxReports)
			if len(items) == 0 {
				fmt.Fprintln(g.stdout, "empty: every report was delivered")
			}
			for _, it := range items {
				fmt.Fprintf(g.stdout, "%-11s %s  %-36s %8d B  %s\n", it.State, it.SpooledAt.Format(time.RFC3339), it.ReportID, it.Bytes, it.Reason)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&configFile, "config", defaultAgentConfig, "agent configuration file")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// spoolItems lists everything in the spool, oldest first in each state.
func spoolItems(sp *spool.Spool) ([]spoolItem, error) {
	pending, err := sp.List()
	if errors.Is(err, fs.ErrNotExist) {
		return []spoolItem{}, nil
	}
	if err != nil {
		return nil, err
	}
	items := []spoolItem{}
	for _, e := range pending {
		it := item("pending", e)
		if _, err := sp.Load(e); err != nil {
			it.State, it.Reason = "corrupt", err.Error()
		}
		items = append(items, it)
	}
	rejected, err := sp.ListRejected()
	if err != nil {
		return nil, err
	}
	for _, r := range rejected {
		it := item("rejected", r.Entry)
		it.Reason = r.Reason
		items = append(items, it)
	}
	corrupt, err := sp.ListCorrupt()
	if err != nil {
		return nil, err
	}
	for _, e := range corrupt {
		items = append(items, item("moved_aside", e))
	}
	return items, nil
}

func item(state string, e spool.Entry) spoolItem {
	it := spoolItem{State: state, File: e.Name, ReportID: e.ID, Bytes: e.Size, SpooledAt: e.ModTime.UTC().Truncate(time.Second)}
	if e.Seq > 0 {
		it.SpooledAt = time.Unix(0, e.Seq).UTC().Truncate(time.Second)
	}
	return it
}

func newSpoolFlushCmd(g *globals) *cobra.Command {
	var configFile string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "flush",
		Short: "Deliver the pending reports now, oldest first",
		Long: "Deliver the pending reports now, oldest first, stopping at the first failure worth retrying.\n" +
			"Waits while a running agent drains the same spool. Exit status 2 when reports remain.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := g.logger()
			if err != nil {
				return err
			}
			st, err := loadAgentSetup(configFile, hostfs.Live(), log)
			if err != nil {
				return err
			}
			if st.Spool == nil {
				return agent.ErrNoDelivery
			}
			if _, err := os.Stat(st.Spool.Dir()); errors.Is(err, fs.ErrNotExist) {
				fmt.Fprintln(g.stdout, "spool is empty: nothing to flush")
				return nil
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			ctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			res, err := agent.Flush(ctx, st, log)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "delivered %d, rejected %d, corrupt %d, still pending %d\n",
				res.Delivered, res.Rejected, res.Corrupt, res.Pending)
			if res.Err != nil {
				return fmt.Errorf("flush stopped: %w", res.Err)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&configFile, "config", defaultAgentConfig, "agent configuration file")
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Minute, "give up after this long")
	return cmd
}
