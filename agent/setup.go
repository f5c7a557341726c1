package agent

import (
	"fmt"
	"time"

	"github.com/demarc/demarc/agent/deliver"
	"github.com/demarc/demarc/agent/spool"
	"github.com/demarc/demarc/config"
)

// FromConfig builds a Setup from a parsed configuration and the scan to
// run: the schedule, the delivery client (TLS files are read now, so a
// reload picks up rotated certificates) and the spool. It does no other
// I/O; the agent recovers the spool when it takes the Setup.
func FromConfig(cfg *config.Config, scan ScanFunc, version string) (*Setup, error) {
	sched, err := config.ParseSchedule(cfg.Schedule)
	if err != nil {
		return nil, fmt.Errorf("schedule: %w", err)
	}
	st := &Setup{
		Schedule:    sched,
		Splay:       time.Duration(cfg.Splay),
		RunOnStart:  cfg.RunOnStart == nil || *cfg.RunOnStart,
		Scan:        scan,
		MaxReports:  cfg.Spool.MaxReports,
		TextfileDir: cfg.TextfileDir,
		URL:         cfg.Report.URL,
	}
	if cfg.Report.URL == "" {
		return st, nil
	}
	c, err := deliver.New(deliver.Options{
		URL:               cfg.Report.URL,
		AllowInsecureHTTP: cfg.Report.AllowInsecureHTTP,
		TokenFile:         cfg.Report.TokenFile,
		CAFile:            cfg.Report.CAFile,
		ClientCert:        cfg.Report.ClientCert,
		ClientKey:         cfg.Report.ClientKey,
		Timeout:           time.Duration(cfg.Report.Timeout),
		UserAgent:         UserAgent(version),
	})
	if err != nil {
		return nil, err
	}
	st.Sender = c
	st.Spool = spool.New(cfg.Spool.Dir, cfg.Spool.MaxReports)
	return st, nil
}

// UserAgent is the User-Agent of the agent's requests.
func UserAgent(version string) string { return "demarc-agent/" + version }
