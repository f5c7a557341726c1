package scan_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/collectors/all"
	"github.com/demarc/demarc/internal/execx"
	"github.com/demarc/demarc/internal/fixture"
	"github.com/demarc/demarc/internal/golden"
	"github.com/demarc/demarc/internal/hostfs"
	"github.com/demarc/demarc/report"
	"github.com/demarc/demarc/rules"
	"github.com/demarc/demarc/scan"
)

// The fixed clock of every golden host: files are dated hostFileTime (the
// package lists were refreshed the evening before), the scan runs at
// hostNow, and lifecycle is judged as of hostAt (--at).
var (
	hostFileTime = time.Date(2026, 11, 27, 22, 15, 0, 0, time.UTC)
	hostNow      = time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC)
	hostAt       = time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
)

// rpmQueryFormat is the query internal/pkgdb runs through `rpm --root`; a
// case's rpm-qa.out is served as its output.
const rpmQueryFormat = "%{NAME}\t%{EPOCH}:%{VERSION}-%{RELEASE}\t%{ARCH}\n"

// hostProfile is a case's profile.yaml: what differs from the tier's
// defaults.
type hostProfile struct {
	Provider                      string `yaml:"provider"`
	CustomerManagedVirtualisation bool   `yaml:"customer_managed_virtualisation"`
}

// hostCase is one fixture host under testdata/hosts.
type hostCase struct {
	name, dir string
	sim       *all.Simulated
	profile   hostProfile
	// mtimes dates chosen files differently from hostFileTime (a host
	// whose package lists are weeks old): glob under the root → time.
	mtimes map[string]time.Time
}

func loadHostCase(t testing.TB, dir string) hostCase {
	t.Helper()
	hc := hostCase{name: filepath.Base(dir), dir: dir}
	var sim all.Simulated
	if ok := readYAML(t, filepath.Join(dir, "live.yaml"), &sim); ok {
		hc.sim = &sim
	}
	readYAML(t, filepath.Join(dir, "profile.yaml"), &hc.profile)
	readYAML(t, filepath.Join(dir, "mtimes.yaml"), &hc.mtimes)
	return hc
}

// readYAML decodes path strictly into v; false when the file is absent.
func readYAML(t testing.TB, path string, v any) bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return true
}

// prepareRoot copies the case's rootfs to a temporary directory (symlinks
// kept as links) and dates every file, so that metadata ages do not depend
// on when git checked the files out.
func (hc hostCase) prepareRoot(t testing.TB) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "root")
	src := filepath.Join(hc.dir, "rootfs")
	if err := copyTree(src, dst); err != nil {
		t.Fatal(err)
	}
	var dirs []string
	err := filepath.WalkDir(dst, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return nil
		}
		if d.IsDir() {
			dirs = append(dirs, p) // dated last: writing children changes them
			return nil
		}
		return os.Chtimes(p, hostFileTime, hostFileTime)
	})
	if err != nil {
		t.Fatal(err)
	}
	for glob, tm := range hc.mtimes {
		paths, err := filepath.Glob(filepath.Join(dst, glob))
		if err != nil || len(paths) == 0 {
			t.Fatalf("mtimes.yaml: %q matches nothing (%v)", glob, err)
		}
		for _, p := range paths {
			if err := os.Chtimes(p, tm, tm); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := os.Chtimes(dirs[i], hostFileTime, hostFileTime); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, info.Mode().Perm())
	})
}

// runner is the case's Fake: cmd/*.yaml with ${ROOT} expanded, plus the
// rpm query answered from rpm-qa.out.
func (hc hostCase) runner(t testing.TB, root string) *execx.Fake {
	t.Helper()
	r, err := hostfs.New(root)
	if err != nil {
		t.Fatal(err)
	}
	fake, err := fixture.Runner(hc.dir, r)
	if err != nil {
		t.Fatal(err)
	}
	return fake
}

// options are the scan options of one case on one tier, with the
// maintenance agreement the tier has by default.
func (hc hostCase) options(t testing.TB, root string, tier report.Tier, eng *rules.Engine) scan.Options {
	t.Helper()
	r, err := hostfs.New(root)
	if err != nil {
		t.Fatal(err)
	}
	provider := hc.profile.Provider
	if provider == "" {
		provider = "the provider"
	}
	return scan.Options{
		Root:   r,
		Runner: hc.runner(t, root),
		Log:    zerolog.Nop(),
		Now:    func() time.Time { return hostNow },
		At:     hostAt,
		Profile: report.Profile{
			Provider: provider, Tier: tier, MaintenanceAgreement: tier == report.TierManaged,
			CustomerManagedVirtualisation: hc.profile.CustomerManagedVirtualisation,
		},
		Engine:       eng,
		AgentName:    "demarc",
		AgentVersion: "golden",
		Live:         hc.live(),
	}
}

// live is the case's live facts (live.yaml), nil for a mounted root.
func (hc hostCase) live() collectors.LiveFacts {
	if hc.sim == nil {
		return nil
	}
	return hc.sim.Facts()
}

var tiers = []report.Tier{report.TierManaged, report.TierIaaS, report.TierColocation}

func hostCases(t testing.TB) []hostCase {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join("testdata", "hosts", "*", "rootfs"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no fixture hosts under testdata/hosts (%v)", err)
	}
	var out []hostCase
	for _, d := range dirs {
		out = append(out, loadHostCase(t, filepath.Dir(d)))
	}
	return out
}

// TestHosts scans every fixture host on every tier and compares the
// report (JSON, normalised) and its table with the goldens
// want.<tier>.json and want.<tier>.txt; -update rewrites them. Every
// golden report must validate against report/schema.json.
func TestHosts(t *testing.T) {
	t.Parallel()
	eng, err := rules.NewEngine(rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sch := compileReportSchema(t)
	for _, hc := range hostCases(t) {
		t.Run(hc.name, func(t *testing.T) {
			t.Parallel()
			root := hc.prepareRoot(t)
			for _, tier := range tiers {
				r, err := scan.Run(context.Background(), hc.options(t, root, tier, eng))
				if err != nil {
					t.Fatal(err)
				}
				checkEvidence(t, r)
				js, txt := renderGolden(t, r, root)
				validateReport(t, sch, js)
				checkGolden(t, filepath.Join(hc.dir, "want."+string(tier)+".json"), js)
				checkGolden(t, filepath.Join(hc.dir, "want."+string(tier)+".txt"), txt)
			}
		})
	}
}

// renderGolden normalises what changes between runs (report id, duration,
// the temporary root's path) and renders the JSON report and the
// colourless table.
func renderGolden(t testing.TB, r *report.Report, root string) (js, txt []byte) {
	t.Helper()
	r.ReportID = "00000000-0000-4000-8000-000000000000"
	r.DurationMS = 0
	for i := range r.Collectors {
		r.Collectors[i].DurationMS = 0
	}
	var jb, tb bytes.Buffer
	if err := report.RenderJSON(&jb, r); err != nil {
		t.Fatal(err)
	}
	if err := report.RenderTable(&tb, r, report.RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	norm := func(b []byte) []byte { return bytes.ReplaceAll(b, []byte(root), []byte("${ROOT}")) }
	return norm(jb.Bytes()), norm(tb.Bytes())
}

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	golden.Check(t, path, got)
}

func compileReportSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "report", "schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

func validateReport(t testing.TB, sch *jsonschema.Schema, js []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("report does not match report/schema.json: %v", err)
	}
}

// checkEvidence: every finding of a fixture host has a row in the
// report's evidence table, and the collector it names first ran.
func checkEvidence(t *testing.T, r *report.Report) {
	t.Helper()
	o := report.OutcomesOf(r)
	for i := range r.Findings {
		f := &r.Findings[i]
		from := report.EvidenceCollectors(f)
		if from == nil {
			t.Errorf("finding %s %s %s: no row in report's evidence table", f.Kind, f.Layer, f.Product)
			continue
		}
		if st := o.Of(from[0]).Status; st == report.CollectorNotRun {
			t.Errorf("finding %s %s %s rests on %s, which did not run", f.Kind, f.Layer, f.Product, from[0])
		}
	}
}

// TestRationalesSplitAtTheirOwner: every rationale of every fixture host
// is the gap, then once "this is …'s to fix", as report.SplitRationale
// reads it (the table says whose each gap is once per section).
func TestRationalesSplitAtTheirOwner(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "hosts", "*", "want.*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden reports: %v", err)
	}
	n := 0
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var r report.Report
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, f := range r.Findings {
			gap, whose, ok := report.SplitRationale(f.Rationale)
			if !ok || gap == "" || !strings.HasPrefix(whose, "this is ") || strings.Contains(gap, "this is the customer's") ||
				strings.Count(f.Rationale, "'s to fix") != 1 {
				t.Errorf("%s %s: rationale %q does not split into gap and owner", file, f.ID, f.Rationale)
			}
			n++
		}
	}
	if n < 100 {
		t.Fatalf("only %d findings checked", n)
	}
}
