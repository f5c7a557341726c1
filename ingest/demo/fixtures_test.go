package demo

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/demarc/demarc/report"
)

var update = flag.Bool("update", false, "write fixtures.json from scan's golden fixture hosts")

// goldenHosts is where scan's golden fixture hosts are.
const goldenHosts = "../../scan/testdata/hosts"

// TestFixturesFresh: fixtures.json is exactly the observations of scan's
// golden fixture hosts, so the demo shows what the scanner sees.
func TestFixturesFresh(t *testing.T) {
	want := buildFixtures(t)
	if *update {
		if err := os.WriteFile("fixtures.json", want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(fixturesJSON, want) {
		t.Fatal("fixtures.json differs from scan/testdata/hosts/*/want.managed.json: run go test ./ingest/demo -run TestFixturesFresh -update")
	}
	if len(templates) < 25 {
		t.Errorf("%d fixture hosts", len(templates))
	}
}

// buildFixtures extracts the observations of every golden report.
func buildFixtures(t *testing.T) []byte {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(goldenHosts, "*", "want.managed.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no golden reports under %s (%v)", goldenHosts, err)
	}
	sort.Strings(paths)
	var out []template
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		// The golden reports name the scanned temporary root ${ROOT}; a
		// live host's root is /.
		b = bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("${ROOT}/"), []byte("/")), []byte("${ROOT}"), []byte("/"))
		var r report.Report
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		tp := template{
			Case: filepath.Base(filepath.Dir(p)), Host: r.Host, Components: r.Components, Updates: r.Updates,
			Collectors: r.Collectors, Errors: r.Errors, CustomerManagedVirtualisation: r.Profile.CustomerManagedVirtualisation,
		}
		for _, f := range r.Findings {
			if f.Kind != report.KindPatchBehind || f.Layer == report.LayerOperatingSystem || f.Latest == "" {
				continue
			}
			for i, c := range r.Components {
				if c.Layer == f.Layer && c.Version == f.Installed && !strings.EqualFold(c.Version, f.Latest) {
					tp.Patches = append(tp.Patches, patch{Component: i, Version: f.Latest})
					break
				}
			}
		}
		out = append(out, tp)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", " ")
	if err := enc.Encode(out); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestParseTemplatesRefusesBadInput(t *testing.T) {
	for name, in := range map[string]string{
		"not json":    `{`,
		"empty":       `[]`,
		"no os":       `[{"case":"x","host":{}}]`,
		"stray patch": `[{"case":"x","host":{"os":{"id":"debian"}},"components":[],"patches":[{"component":0,"version":"1"}]}]`,
		"empty patch": `[{"case":"x","host":{"os":{"id":"debian"}},"components":[{}],"patches":[{"component":0,"version":""}]}]`,
	} {
		if _, err := parseTemplates([]byte(in)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
