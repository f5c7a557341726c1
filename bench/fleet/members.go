package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rs/zerolog"

	"github.com/demarc/demarc/agent/spool"
	"github.com/demarc/demarc/internal/reportgen"
	"github.com/demarc/demarc/report"
	"github.com/demarc/demarc/rules"
)

// member is one agent of the fleet, in this process or its own.
type member interface {
	start() error
	stop()  // as SIGTERM
	crash() // SIGKILL, or an abrupt stop in process
	flush(ctx context.Context) error
	ledger() *ledger
	spool() string
	// state is the agent's state_dir: its host key, host id and
	// enrollment record.
	state() string
}

// spoolMax is each agent's spool bound: far above what a run fills, so
// that no report is dropped for room.
const spoolMax = 5000

// agentConfig is an agent's configuration file, as a provider writes it:
// no host id (the server assigns it at enrollment), the tenant's enroll
// secret, and a state directory of the agent's own.
func agentConfig(tenant, url, secretFile, stateDir, spoolDir string, c Config) string {
	return fmt.Sprintf(`tenant: %s
provider: Example Hosting
schedule: "@every %s"
splay: %s
run_on_start: true
state_dir: %s
report:
  url: %s
  enroll_secret_file: %s
  timeout: %s
spool:
  dir: %s
  max_reports: %d
`, tenant, c.Every, c.Splay, stateDir, url, secretFile, c.Timeout, spoolDir, spoolMax)
}

// members builds the fleet: in-process agents first, then processes.
func (f *fleet) members(url string, secrets []string) error {
	fixtures, err := loadFixtures(filepath.Join(f.repo, "scan", "testdata", "hosts"))
	if err != nil {
		return err
	}
	eng, err := rules.NewEngine(rules.Options{})
	if err != nil {
		return err
	}
	logf, err := os.Create(filepath.Join(f.dir, "agents.log"))
	if err != nil {
		return err
	}
	f.closers = append(f.closers, logf.Close)
	for i := range f.cfg.Agents {
		t := i % len(secrets)
		tenant := tenantName(t)
		a := &inproc{lat: &f.lat}
		if i < f.cfg.FixtureAgents {
			fx := fixtures[i%len(fixtures)]
			a.name = fmt.Sprintf("fx%03d-%s", i, fx.name)
			a.scan, err = fx.scanFunc(eng, a.name, tenant, report.Tiers[i%len(report.Tiers)])
			if err != nil {
				return err
			}
		} else {
			h := reportgen.NewHost(f.cfg.Seed*1_000_003+uint64(i), i, tenant, 40, 0.2)
			a.name, a.scan = h.ID, generatedScan(h)
		}
		a.led = newLedger(a.name, tenant)
		a.log = zerolog.New(logf).Level(zerolog.WarnLevel).Hook(errorHook{a.led}).With().Timestamp().Str("agent", a.name).Logger()
		if a.cfgPath, a.spoolDir, a.stateDir, err = f.agentFiles(a.name, tenant, url, secrets[t]); err != nil {
			return err
		}
		f.inprocs = append(f.inprocs, a)
		f.all = append(f.all, a)
	}
	for j := range f.cfg.Procs {
		t := j % len(secrets)
		fx := fixtures[(j*5+3)%len(fixtures)]
		p := &proc{name: fmt.Sprintf("proc%02d-%s", j, fx.name), bin: f.demarcBin}
		p.led = newLedger(p.name, tenantName(t))
		// A copy: a real scan of a root may write into it (rpm --root
		// creates a database there), and the fixtures stay untouched.
		p.root = filepath.Join(f.dir, "agents", p.name, "root")
		if err := os.CopyFS(p.root, os.DirFS(filepath.Join(fx.dir, "rootfs"))); err != nil {
			return fmt.Errorf("copy fixture root %s: %w", fx.name, err)
		}
		p.logPath = filepath.Join(f.dir, "agents", p.name, "agent.log")
		if p.cfgPath, p.spoolDir, p.stateDir, err = f.agentFiles(p.name, tenantName(t), url, secrets[t]); err != nil {
			return err
		}
		f.procs = append(f.procs, p)
		f.all = append(f.all, p)
	}
	return nil
}

func tenantName(i int) string { return fmt.Sprintf("tenant%d", i) }

// agentFiles writes an agent's configuration and its tenant's enroll
// secret (0600, as an admin installs /etc/demarc/enroll-secret); the
// agent makes its state directory when it enrolls.
func (f *fleet) agentFiles(name, tenant, url, secret string) (cfgPath, spoolDir, stateDir string, err error) {
	d := filepath.Join(f.dir, "agents", name)
	spoolDir, stateDir = filepath.Join(d, "spool"), filepath.Join(d, "state")
	if err := os.MkdirAll(d, 0o700); err != nil {
		return "", "", "", err
	}
	secretFile := filepath.Join(d, "enroll-secret")
	if err := os.WriteFile(secretFile, []byte(secret+"\n"), 0o600); err != nil {
		return "", "", "", err
	}
	cfgPath = filepath.Join(d, "agent.yaml")
	err = os.WriteFile(cfgPath, []byte(agentConfig(tenant, url, secretFile, stateDir, spoolDir, f.cfg)), 0o600)
	return cfgPath, spoolDir, stateDir, err
}

// spoolState is what an agent's spool holds: the reports waiting, and
// those refused by the server or moved aside as corrupt (with why).
type spoolState struct {
	pending map[string]bool
	aside   []string
}

func readSpool(dir string) (spoolState, error) {
	s := spoolState{pending: map[string]bool{}}
	sp := spool.New(dir, spoolMax)
	es, err := sp.List()
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return s, err
	}
	for _, e := range es {
		s.pending[e.ID] = true
	}
	rej, err := sp.ListRejected()
	if err != nil {
		return s, err
	}
	for _, r := range rej {
		s.aside = append(s.aside, fmt.Sprintf("%s: rejected/%s: %s", dir, r.Name, r.Reason))
	}
	cor, err := sp.ListCorrupt()
	if err != nil {
		return s, err
	}
	for _, c := range cor {
		s.aside = append(s.aside, fmt.Sprintf("%s: corrupt/%s", dir, c.Name))
	}
	return s, nil
}
