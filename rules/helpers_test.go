package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/report"
)

// date parses YYYY-MM-DD.
func date(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func engine(t *testing.T) *Engine {
	t.Helper()
	e, err := NewEngine(Options{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func managed() report.Profile {
	return report.Profile{Provider: "Example Hosting", Tier: report.TierManaged, MaintenanceAgreement: true}
}

func iaas() report.Profile {
	return report.Profile{Provider: "Example Hosting", Tier: report.TierIaaS}
}

func colocation() report.Profile {
	return report.Profile{Provider: "Example Hosting", Tier: report.TierColocation}
}

// host is an input for os id/version with extra components.
func host(osID, version string, comps ...report.Component) Input {
	cs := []report.Component{{Layer: report.LayerOperatingSystem, Product: osID, Version: version, Source: "/etc/os-release"}}
	return Input{
		Host:       report.Host{HostID: "host-1", OS: report.OS{ID: osID, VersionID: version}},
		Profile:    managed(),
		Components: append(cs, comps...),
	}
}

func comp(layer report.Layer, product, version string, kv ...string) report.Component {
	c := report.Component{Layer: layer, Product: product, Version: version, Source: "test", Details: map[string]string{}}
	for i := 0; i+1 < len(kv); i += 2 {
		c.Details[kv[i]] = kv[i+1]
	}
	return c
}

// pick returns the findings of kind on layer whose product contains
// product (any when "").
func pick(out Output, kind report.Kind, layer report.Layer, product string) []report.Finding {
	var fs []report.Finding
	for _, f := range out.Findings {
		if f.Kind == kind && (layer == "" || f.Layer == layer) && strings.Contains(f.Product, product) {
			fs = append(fs, f)
		}
	}
	return fs
}

func one(t *testing.T, out Output, kind report.Kind, layer report.Layer, product string) report.Finding {
	t.Helper()
	fs := pick(out, kind, layer, product)
	if len(fs) != 1 {
		t.Fatalf("want one %s %s %q finding, got %d:\n%s", kind, layer, product, len(fs), dump(out))
	}
	return fs[0]
}

func none(t *testing.T, out Output, layer report.Layer) {
	t.Helper()
	for _, f := range out.Findings {
		if f.Layer == layer {
			t.Fatalf("want no %s finding, got:\n%s", layer, dump(out))
		}
	}
}

func dump(out Output) string {
	var b strings.Builder
	for _, f := range out.Findings {
		b.WriteString("  " + string(f.Responsible) + " " + string(f.Severity) + " " + string(f.Kind) + " " +
			string(f.Layer) + " " + f.Product + " " + f.Installed + " [" + f.Rule + "] " + f.Rationale + "\n")
	}
	return b.String()
}

// checkFinding asserts the invariants every finding must keep.
func checkFinding(t *testing.T, f report.Finding) {
	t.Helper()
	switch {
	case len(f.ID) != 16:
		t.Errorf("%s: id %q", f.Product, f.ID)
	case !f.Kind.Valid() || !f.Severity.Valid() || !f.Responsible.Valid() || !f.Layer.Valid():
		t.Errorf("%s: enum out of range: %+v", f.Product, f)
	case f.Rule == "" || f.Rationale == "" || f.Remediation == "":
		t.Errorf("%s: rule, rationale and remediation are required: %+v", f.Product, f)
	case !strings.Contains(f.Rationale, "Example Hosting"):
		t.Errorf("%s: rationale does not name the provider: %s", f.Product, f.Rationale)
	case strings.Count(f.Rationale, ". ") > 0 && !strings.Contains(f.Rationale, "\""):
		t.Errorf("%s: rationale is more than one sentence: %s", f.Product, f.Rationale)
	case strings.Contains(f.Rationale, "{provider}"):
		t.Errorf("%s: unfilled placeholder: %s", f.Product, f.Rationale)
	}
}
