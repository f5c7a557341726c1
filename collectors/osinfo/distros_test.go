package osinfo

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/demarc/demarc/internal/hostfs"
	"github.com/demarc/demarc/report"
)

// The python-distro trees: testdata/distros/<tree>/ is a collectortest
// case (its rootfs/ the tree) and expected.json what python-distro's own
// tests expect of each tree.
const distrosDir = "testdata/distros"

type upstreamExpectation struct {
	UpstreamTest string            `json:"upstream_test"`
	Expected     map[string]string `json:"expected"`
}

func loadExpected(t *testing.T) map[string]map[string]upstreamExpectation {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(distrosDir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var exp map[string]map[string]upstreamExpectation
	if err := json.Unmarshal(b, &exp); err != nil {
		t.Fatal(err)
	}
	return exp
}

func distroTrees(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(distrosDir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	if len(out) != 60 {
		t.Fatalf("%d trees in %s, want 60", len(out), distrosDir)
	}
	return out
}

// deviation is a field where demarc deliberately reports another value
// than python-distro: ours is demarc's value, why the reason.
type deviation struct{ ours, why string }

const (
	whyIDAsOSRelease = "demarc keeps os-release's ID; python-distro renames ol→oracle, opensuse-leap→opensuse"
	whyNoVersionID   = "no VERSION_ID in os-release (rolling or testing): demarc leaves it empty, " +
		"python-distro takes a version from another file"
	whySystemRelease = "python-distro does not read /etc/system-release; demarc does (Amazon Linux AMI)"
	whyRedHatFirst   = "no os-release: demarc reads /etc/redhat-release before /etc/lsb-release, " +
		"python-distro prefers lsb_release"
	whyScientific = "python-distro maps every redhat-release file to rhel; demarc names the distribution"
)

// overallDeviations compares the whole collector with python-distro's
// TestOverall (or the only expectation a tree has).
var overallDeviations = map[string]map[string]deviation{
	"amazon2014": {
		"id":          {"amzn", whySystemRelease},
		"version":     {"2014.03", whySystemRelease},
		"name":        {"Amazon Linux AMI", whySystemRelease},
		"pretty_name": {"Amazon Linux AMI 2014.03", whySystemRelease},
	},
	"debiantesting": {"version": {"", whyNoVersionID}},
	"gentoo":        {"version": {"", whyNoVersionID}},
	"manjaro1512":   {"version": {"", whyNoVersionID}},
	"mandriva2011": {
		"id":          {"mandriva", whyRedHatFirst},
		"name":        {"Mandriva Linux", whyRedHatFirst},
		"pretty_name": {"Mandriva Linux 2011.0 (Official)", whyRedHatFirst},
	},
	"opensuse15":  {"id": {"opensuse-leap", whyIDAsOSRelease}},
	"oracle7":     {"id": {"ol", whyIDAsOSRelease}},
	"scientific6": {"id": {"scientific", whyScientific}},
}

// osReleaseDeviations compares parseOSRelease alone with python-distro's
// TestOSRelease.
var osReleaseDeviations = map[string]map[string]deviation{
	"debiantesting": {"version": {"", whyNoVersionID + " (python-distro parses PRETTY_NAME)"}},
	"opensuse15":    {"id": {"opensuse-leap", whyIDAsOSRelease}},
	"oracle7":       {"id": {"ol", whyIDAsOSRelease}},
}

var comparedFields = []string{"id", "version", "name", "pretty_name"}

// checkAgainstUpstream compares got (python-distro field names) with
// upstream, honouring and verifying the deviations: a listed deviation must
// still be one, so the table cannot go stale.
func checkAgainstUpstream(t *testing.T, tree, kind string, got, upstream map[string]string, devs map[string]deviation) {
	t.Helper()
	for _, f := range comparedFields {
		want := upstream[f]
		if d, ok := devs[f]; ok {
			if got[f] != d.ours {
				t.Errorf("%s %s %s: got %q, want %q (deviation: %s)", tree, kind, f, got[f], d.ours, d.why)
			}
			if d.ours == want {
				t.Errorf("%s %s %s: deviation listed but python-distro agrees (%q)", tree, kind, f, want)
			}
			continue
		}
		if got[f] != want {
			t.Errorf("%s %s %s: got %q, python-distro %q", tree, kind, f, got[f], want)
		}
	}
}

func TestDistrosAgainstPythonDistro(t *testing.T) {
	t.Parallel()
	exp := loadExpected(t)
	for _, tree := range distroTrees(t) {
		kinds, ok := exp[tree]
		if !ok {
			t.Errorf("%s: no expectation", tree)
			continue
		}
		var up upstreamExpectation
		for _, k := range []string{"overall", "os_release_only", "distro_release_file_only", "lsb_release_only"} {
			if e, ok := kinds[k]; ok {
				up = e
				break
			}
		}
		res := collect(t, distroRoot(t, tree))
		o := res.Host.OS
		got := map[string]string{"id": o.ID, "version": o.VersionID, "name": o.Name, "pretty_name": o.PrettyName}
		checkAgainstUpstream(t, tree, "overall", got, up.Expected, overallDeviations[tree])
		checkComponent(t, tree, res.Host.OS, res.Components)
	}
}

// checkComponent checks the operating_system component mirrors the host
// facts.
func checkComponent(t *testing.T, tree string, o report.OS, comps []report.Component) {
	t.Helper()
	if o.ID == "" {
		if len(comps) != 0 {
			t.Errorf("%s: components without an OS: %+v", tree, comps)
		}
		return
	}
	if len(comps) != 1 {
		t.Fatalf("%s: %d components", tree, len(comps))
	}
	c := comps[0]
	if c.Layer != report.LayerOperatingSystem || c.Product != o.ID || c.Version != o.VersionID ||
		c.Source != o.Source || c.Details["pretty_name"] != o.PrettyName {
		t.Errorf("%s: component %+v does not match %+v", tree, c, o)
	}
}

func TestOSReleaseFilesAgainstPythonDistro(t *testing.T) {
	t.Parallel()
	exp := loadExpected(t)
	checked := 0
	for _, tree := range distroTrees(t) {
		up, ok := exp[tree]["os_release_only"]
		if !ok {
			continue
		}
		var f *os.File
		var err error
		for _, p := range osReleasePaths {
			if f, err = os.Open(filepath.Join(distrosDir, tree, "rootfs", p)); err == nil {
				break
			}
		}
		if err != nil {
			t.Errorf("%s: os_release_only expected but no os-release: %v", tree, err)
			continue
		}
		kv, err := parseOSRelease(f)
		f.Close()
		if err != nil {
			t.Errorf("%s: %v", tree, err)
			continue
		}
		got := map[string]string{"id": kv["ID"], "version": kv["VERSION_ID"], "name": kv["NAME"], "pretty_name": kv["PRETTY_NAME"]}
		checkAgainstUpstream(t, tree, "os_release_only", got, up.Expected, osReleaseDeviations[tree])
		checked++
	}
	if checked < 45 {
		t.Fatalf("only %d trees checked", checked)
	}
}

// TestDistrosGolden runs every tree as a collectortest case.
func TestDistrosGolden(t *testing.T) {
	t.Parallel()
	runCases(t, distrosDir)
}

// distroRoot is the host root of a python-distro tree.
func distroRoot(t *testing.T, tree string) hostfs.Root {
	t.Helper()
	root, err := hostfs.New(filepath.Join(distrosDir, tree, "rootfs"))
	if err != nil {
		t.Fatal(err)
	}
	return root
}
