package agent

import (
	"context"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/demarc/demarc/agent/deliver"
	"github.com/demarc/demarc/agent/enroll"
	"github.com/demarc/demarc/agent/spool"
	"github.com/demarc/demarc/config"
	"github.com/demarc/demarc/internal/hostfs"
)

// FromConfig builds a Setup from a parsed configuration and the scan to
// run: the schedule, the delivery client (TLS files are read now, so a
// reload picks up rotated certificates) and the spool. It does no other
// I/O; the agent recovers the spool when it takes the Setup.
func FromConfig(cfg *config.Config, scan ScanFunc, version string) (*Setup, error) {
	return FromConfigRoot(cfg, scan, version, hostfs.Live())
}

// FromConfigRoot is FromConfig for the host whose root is mounted at root
// (`demarc agent --root`): the facts it enrolls with are read there.
// Reports are posted with the host's key from cfg.StateDir; without one,
// the agent enrolls with report.enroll_secret_file (or, deprecated,
// report.token_file) on its first delivery.
func FromConfigRoot(cfg *config.Config, scan ScanFunc, version string, root hostfs.Root) (*Setup, error) {
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
	st.State = enroll.New(cfg.StateDir)
	st.host = &hostSender{
		c: c, store: st.State, url: cfg.Report.URL,
		secretFile: cfg.Report.EnrollSecretFile, tokenFile: cfg.Report.TokenFile,
		facts: func(ctx context.Context) deliver.Facts { return enroll.Facts(ctx, root, version) },
		now:   time.Now, log: zerolog.Nop(),
	}
	st.Sender = st.host
	st.Lifecycle = newLifecycleCache(cfg.StateDir, c, lifecycleBearer(st.State, cfg.Report.TokenFile))
	st.Spool = spool.New(cfg.Spool.Dir, cfg.Spool.MaxReports)
	return st, nil
}

// UserAgent is the User-Agent of the agent's requests.
func UserAgent(version string) string { return "demarc-agent/" + version }
