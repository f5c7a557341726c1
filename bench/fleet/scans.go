package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"go.yaml.in/yaml/v3"

	"github.com/demarc/demarc/agent"
	"github.com/demarc/demarc/collectors/all"
	fixtures "github.com/demarc/demarc/internal/fixture"
	"github.com/demarc/demarc/internal/hostfs"
	"github.com/demarc/demarc/internal/reportgen"
	"github.com/demarc/demarc/report"
	"github.com/demarc/demarc/rules"
	"github.com/demarc/demarc/scan"
)

// generatedScan is a scan that makes a realistic report with
// internal/reportgen (40 findings, real OS releases, drift between
// reports) at almost no cost, so that a thousand agents leave the CPU to
// the server.
func generatedScan(h *reportgen.Host) agent.ScanFunc {
	var mu sync.Mutex // a Host is not safe for concurrent use
	return func(ctx context.Context) (*report.Report, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		mu.Lock()
		defer mu.Unlock()
		return h.Next(time.Now()), nil
	}
}

// rpmQueryFormat is the query internal/pkgdb runs through `rpm --root`;
// a fixture host's rpm-qa.out answers it.
const rpmQueryFormat = "%{NAME}\t%{EPOCH}:%{VERSION}-%{RELEASE}\t%{ARCH}\n"

// fixture is one of scan's golden fixture hosts (scan/testdata/hosts/*):
// a root filesystem, canned command output and the live-only facts.
type fixture struct {
	name, dir string
	sim       *all.Simulated
	profile   struct {
		Provider                      string `yaml:"provider"`
		CustomerManagedVirtualisation bool   `yaml:"customer_managed_virtualisation"`
	}
}

// loadFixtures reads every fixture host under dir.
func loadFixtures(dir string) ([]fixture, error) {
	roots, err := filepath.Glob(filepath.Join(dir, "*", "rootfs"))
	if err != nil || len(roots) == 0 {
		return nil, fmt.Errorf("no fixture hosts under %s", dir)
	}
	sort.Strings(roots)
	var out []fixture
	for _, r := range roots {
		f := fixture{dir: filepath.Dir(r), name: filepath.Base(filepath.Dir(r))}
		var sim all.Simulated
		if ok, err := readYAML(filepath.Join(f.dir, "live.yaml"), &sim); err != nil {
			return nil, err
		} else if ok {
			f.sim = &sim
		}
		if _, err := readYAML(filepath.Join(f.dir, "profile.yaml"), &f.profile); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

func readYAML(path string, v any) (bool, error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return false, fmt.Errorf("%s: %w", path, err)
	}
	return true, nil
}

// scanFunc is a whole real scan of the fixture host as a simulated live
// host (every collector, the rules, the report), as the golden tests run
// it, reporting as hostID of tenant on tier.
func (f fixture) scanFunc(eng *rules.Engine, hostID, tenant string, tier report.Tier) (agent.ScanFunc, error) {
	root, err := hostfs.New(filepath.Join(f.dir, "rootfs"))
	if err != nil {
		return nil, err
	}
	fake, err := fixtures.Runner(f.dir, root)
	if err != nil {
		return nil, err
	}
	provider := f.profile.Provider
	if provider == "" {
		provider = "the provider"
	}
	o := scan.Options{
		Root: root, Runner: fake, Log: zerolog.Nop(), HostID: hostID,
		Profile: report.Profile{
			Provider: provider, Tier: tier, MaintenanceAgreement: tier == report.TierManaged, Tenant: tenant,
			CustomerManagedVirtualisation: f.profile.CustomerManagedVirtualisation,
		},
		Engine: eng, AgentName: "demarc", AgentVersion: "fleet",
	}
	if f.sim != nil {
		o.Live = f.sim.Facts()
	}
	return func(ctx context.Context) (*report.Report, error) { return scan.Run(ctx, o) }, nil
}
