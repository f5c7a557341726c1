package catalog_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/demarc/demarc/catalog"
	"github.com/demarc/demarc/report"
	"github.com/demarc/demarc/rules/lifecycle"
)

var update = flag.Bool("update", false, "rewrite docs/COMPONENTS.md's component table")

// TestEveryFixtureProductIsCatalogued: every product a fixture host's
// scan reports is in the catalogue, in the layer it was reported in, and
// has lifecycle data or an explicit reason for none.
func TestEveryFixtureProductIsCatalogued(t *testing.T) {
	data, err := lifecycle.Default()
	if err != nil {
		t.Fatal(err)
	}
	goldens, err := filepath.Glob("../scan/testdata/hosts/*/want.*.json")
	if err != nil || len(goldens) == 0 {
		t.Fatalf("no golden reports (%v)", err)
	}
	seen := 0
	for _, g := range goldens {
		b, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		var r report.Report
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("%s: %v", g, err)
		}
		for _, c := range r.Components {
			seen++
			p := catalog.Default.Get(c.Product)
			switch {
			case p == nil:
				t.Errorf("%s: %s %q is not in catalog/catalog.yaml", g, c.Layer, c.Product)
			case p.Layer != c.Layer:
				t.Errorf("%s: %q reported in %s, catalogued in %s", g, c.Product, c.Layer, p.Layer)
			case p.NoLifecycle == "" && data.Product(p.LifecycleKey()) == nil:
				t.Errorf("%s: %q has neither lifecycle data (%q) nor a no_lifecycle reason", g, c.Product, p.LifecycleKey())
			}
		}
	}
	if seen == 0 {
		t.Fatal("the golden reports list no component")
	}
}

// TestLifecycleKeys: every lifecycle key names a product of the built-in
// data, and the data finds that product by the catalogue's id too (its
// aliases are the catalogue's).
func TestLifecycleKeys(t *testing.T) {
	data, err := lifecycle.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range catalog.Default.Products {
		k := p.LifecycleKey()
		if k == "" {
			continue
		}
		lp := data.Product(k)
		if lp == nil {
			t.Errorf("%s: lifecycle key %q is not in the lifecycle data", p.ID, k)
			continue
		}
		if got := data.Product(p.ID); got != lp {
			t.Errorf("%s: the lifecycle data finds %v by the id, want %s", p.ID, got, lp.ID)
		}
		if f := catalog.Default.Find(k); f == nil || f.LifecycleKey() != k {
			t.Errorf("Find(%q) = %+v", k, f)
		}
	}
	if s := catalog.Default.SchemeOf("vmware-esxi"); s != catalog.ESXiUpdate {
		t.Errorf("scheme of the lifecycle key vmware-esxi: %s", s)
	}
	if s := catalog.Default.SchemeOf("no-such-product"); s != catalog.Dotted {
		t.Errorf("scheme of an unknown product: %s", s)
	}
}

func TestParseRefusesBadEntries(t *testing.T) {
	ok := "{id: x, name: X, layer: applications, collector: c, shipped_by: s}"
	if _, err := catalog.Parse([]byte("products: [" + ok + "]")); err != nil {
		t.Fatalf("a good entry: %v", err)
	}
	for name, entry := range map[string]string{
		"upper-case id":   "{id: X, name: X, layer: applications, collector: c, shipped_by: s}",
		"no name":         "{id: x, layer: applications, collector: c, shipped_by: s}",
		"unknown layer":   "{id: x, name: X, layer: kitchen, collector: c, shipped_by: s}",
		"no collector":    "{id: x, name: X, layer: applications, shipped_by: s}",
		"no shipped_by":   "{id: x, name: X, layer: applications, collector: c}",
		"both lifecycles": "{id: x, name: X, layer: applications, collector: c, shipped_by: s, lifecycle: y, no_lifecycle: none}",
		"unknown scheme":  "{id: x, name: X, layer: applications, collector: c, shipped_by: s, scheme: roman}",
		"rolling app":     "{id: x, name: X, layer: applications, collector: c, shipped_by: s, rolling: true}",
		"platform panel":  "{id: x, name: X, layer: control_panel, collector: c, shipped_by: s, platform: true}",
		"unknown field":   "{id: x, name: X, layer: applications, collector: c, shipped_by: s, colour: red}",
		"duplicate":       ok + ", " + ok,
		"truncated":       "{id: x, name: X",
	} {
		if _, err := catalog.Parse([]byte("products: [" + entry + "]")); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := catalog.Parse([]byte("products: []")); err == nil {
		t.Error("an empty catalogue: accepted")
	}
}

// TestComponentsDoc: docs/COMPONENTS.md's component table is the
// catalogue's.
func TestComponentsDoc(t *testing.T) {
	const path = "../docs/COMPONENTS.md"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i, j := strings.Index(doc, catalog.DocBegin), strings.Index(doc, catalog.DocEnd)
	if i < 0 || j < i {
		t.Fatalf("%s has no generated section (%q … %q)", path, catalog.DocBegin, catalog.DocEnd)
	}
	var table bytes.Buffer
	if err := catalog.Default.WriteComponents(&table); err != nil {
		t.Fatal(err)
	}
	want := doc[:i+len(catalog.DocBegin)] + "\n" + table.String() + doc[j:]
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if doc != want {
		t.Errorf("%s differs from catalog/catalog.yaml: run go test ./catalog -run TestComponentsDoc -update", path)
	}
}
