package matrix

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/demarc/demarc/report"
)

func TestDefaultCoversEveryLayerAndTier(t *testing.T) {
	m := Default()
	for _, l := range report.Layers {
		row, ok := m.Layers[l]
		if !ok {
			t.Fatalf("layer %s missing", l)
		}
		for _, tier := range report.Tiers {
			if _, ok := row.Cells[tier]; !ok {
				t.Errorf("%s/%s missing", l, tier)
			}
		}
	}
	for _, id := range Refinements {
		if q := m.Quote(id, "Example Hosting"); q == "" || strings.Contains(q, "{provider}") {
			t.Errorf("refinement %s: %q", id, q)
		}
	}
}

// The seed's matrix and refinements, cell by cell.
func TestDecide(t *testing.T) {
	m := Default()
	type prof struct {
		tier     report.Tier
		ma, cmv  bool
		provider string
	}
	tests := []struct {
		layer report.Layer
		p     prof
		want  report.Responsible
		rule  string
	}{
		{report.LayerOperatingSystem, prof{report.TierManaged, true, false, "X"}, report.ResponsibleProvider, "matrix/operating_system/managed"},
		{report.LayerOperatingSystem, prof{report.TierManaged, false, false, "X"}, report.ResponsibleCustomer, "matrix/operating_system/managed"},
		{report.LayerOperatingSystem, prof{report.TierIaaS, false, false, "X"}, report.ResponsibleCustomer, "matrix/operating_system/iaas"},
		{report.LayerOperatingSystem, prof{report.TierIaaS, true, false, "X"}, report.ResponsibleProvider, "matrix/operating_system/iaas"},
		{report.LayerControlPanel, prof{report.TierManaged, true, false, "X"}, report.ResponsibleProvider, "matrix/control_panel/managed"},
		{report.LayerControlPanel, prof{report.TierColocation, false, false, "X"}, report.ResponsibleCustomer, "matrix/control_panel/colocation"},
		{report.LayerApplications, prof{report.TierManaged, true, false, "X"}, report.ResponsibleProvider, "matrix/applications/managed"},
		{report.LayerApplications, prof{report.TierIaaS, true, false, "X"}, report.ResponsibleCustomer, "matrix/applications/iaas"},
		{report.LayerThirdPartyApps, prof{report.TierManaged, true, false, "X"}, report.ResponsibleCustomer, "matrix/third_party_apps/managed"},
		{report.LayerVirtualisation, prof{report.TierManaged, true, false, "X"}, report.ResponsibleProvider, "matrix/virtualisation/managed"},
		{report.LayerVirtualisation, prof{report.TierIaaS, false, true, "X"}, report.ResponsibleCustomer, "matrix/virtualisation/iaas"},
		{report.LayerVirtualisation, prof{report.TierColocation, false, false, "X"}, report.ResponsibleCustomer, "matrix/virtualisation/colocation"},
		{report.LayerPhysicalHost, prof{report.TierIaaS, false, false, "X"}, report.ResponsibleProvider, "matrix/physical_host/iaas"},
		{report.LayerPhysicalHost, prof{report.TierColocation, false, false, "X"}, report.ResponsibleCustomer, "matrix/physical_host/colocation"},
		{report.LayerPhysicalNetwork, prof{report.TierColocation, false, false, "X"}, report.ResponsibleProvider, "matrix/physical_network/colocation"},
		{report.LayerData, prof{report.TierManaged, true, false, "X"}, report.ResponsibleCustomer, "matrix/data/managed"},
	}
	for _, tt := range tests {
		p := report.Profile{Tier: tt.p.tier, MaintenanceAgreement: tt.p.ma, CustomerManagedVirtualisation: tt.p.cmv, Provider: tt.p.provider}
		d := m.Decide(tt.layer, p)
		if d.Responsible != tt.want || d.Rule != tt.rule {
			t.Errorf("%s %+v: %s %s, want %s %s", tt.layer, tt.p, d.Responsible, d.Rule, tt.want, tt.rule)
		}
		if d.Quote == "" || strings.Contains(d.Quote, "{provider}") {
			t.Errorf("%s %+v: quote %q", tt.layer, tt.p, d.Quote)
		}
	}
	if d := m.Decide("nope", report.Profile{Tier: report.TierManaged}); d.Responsible != report.ResponsibleCustomer {
		t.Error("unknown layer should fall back to the customer")
	}
}

func TestProviderName(t *testing.T) {
	m := Default()
	if got := m.ProviderName("Example Hosting"); got != "Example Hosting" {
		t.Error(got)
	}
	m.Provider = "Matrix Hosting"
	for in, want := range map[string]string{"": "Matrix Hosting", "the provider": "Matrix Hosting", "Other": "Other"} {
		if got := m.ProviderName(in); got != want {
			t.Errorf("%q: %q", in, got)
		}
	}
}

// replace edits the default file: a targeted, readable way to make each
// broken variant.
func replace(t *testing.T, old, new string) []byte {
	t.Helper()
	s := string(DefaultYAML())
	if !strings.Contains(s, old) {
		t.Fatalf("default.yaml has no %q", old)
	}
	return []byte(strings.Replace(s, old, new, 1))
}

func lineOf(t *testing.T, b []byte, needle string) int {
	t.Helper()
	i := bytes.Index(b, []byte(needle))
	if i < 0 {
		t.Fatalf("no %q", needle)
	}
	return bytes.Count(b[:i], []byte("\n")) + 1
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name   string
		in     func(t *testing.T) []byte
		want   error
		key    string
		lineAt string // the line the error must point at ("" = don't check)
	}{
		{"unknown top key", func(t *testing.T) []byte { return append(DefaultYAML(), "colour: red\n"...) }, ErrUnknownKey, "colour", "colour: red"},
		{"unknown layer", func(t *testing.T) []byte {
			return replace(t, "  data:\n", "  dns:\n    managed: provider\n    iaas: provider\n    colocation: provider\n  data:\n")
		}, ErrUnknownLayer, "layers.dns", "  dns:"},
		{"unknown tier", func(t *testing.T) []byte {
			return replace(t, "    colocation: customer\n    customer_quote: '\"Customers must", "    colocation: customer\n    shared_hosting: customer\n    customer_quote: '\"Customers must")
		}, ErrUnknownTier, "layers.data.shared_hosting", "shared_hosting"},
		{"quote of an unknown tier", func(t *testing.T) []byte {
			return replace(t, "    label: Information and data\n", "    label: Information and data\n    customer_quote_shared: x\n")
		}, ErrUnknownKey, "layers.data.customer_quote_shared", "customer_quote_shared"},
		{"quote of an unknown party", func(t *testing.T) []byte {
			return replace(t, "    label: Information and data\n", "    label: Information and data\n    reseller_quote_iaas: x\n")
		}, ErrUnknownKey, "layers.data.reseller_quote_iaas", "reseller_quote_iaas"},
		{"unknown layer key", func(t *testing.T) []byte {
			return replace(t, "    label: Information and data\n", "    label: Information and data\n    colour: blue\n")
		}, ErrUnknownKey, "layers.data.colour", "colour: blue"},
		{"missing cell", func(t *testing.T) []byte {
			return replace(t, "    label: Physical hosts\n    managed: provider\n    iaas: provider\n", "    label: Physical hosts\n    managed: provider\n")
		}, ErrMissing, "layers.physical_host.iaas", "    label: Physical hosts"},
		{"missing layer", func(t *testing.T) []byte {
			s := string(DefaultYAML())
			return []byte(s[:strings.Index(s, "  devices:")] + s[strings.Index(s, "  accounts:"):])
		}, ErrMissing, "layers.devices", ""},
		{"bad cell", func(t *testing.T) []byte {
			return replace(t, "    label: Physical hosts\n    managed: provider\n", "    label: Physical hosts\n    managed: the landlord\n")
		}, ErrBadValue, "layers.physical_host.managed", "managed: the landlord"},
		{"duplicate tier", func(t *testing.T) []byte {
			return replace(t, "    label: Physical hosts\n    managed: provider\n", "    label: Physical hosts\n    managed: provider\n    managed: customer # dup\n")
		}, ErrDuplicate, "layers.physical_host.managed", "    managed: customer # dup"},
		{"unknown refinement", func(t *testing.T) []byte {
			return replace(t, "refinements:\n", "refinements:\n  plugins_forever: x\n")
		}, ErrUnknownKey, "refinements.plugins_forever", "plugins_forever"},
		{"wrong schema", func(t *testing.T) []byte { return replace(t, "schema: demarc.matrix/v1", "schema: demarc.matrix/v2") }, ErrBadValue, "schema", "schema:"},
		{"no layers", func(t *testing.T) []byte { return []byte("schema: demarc.matrix/v1\n") }, ErrMissing, "layers", ""},
		{"empty", func(t *testing.T) []byte { return nil }, ErrMissing, "layers", ""},
		{"not a mapping", func(t *testing.T) []byte { return []byte("- a\n- b\n") }, ErrBadValue, "", ""},
		{"layers a list", func(t *testing.T) []byte { return []byte("layers: [a, b]\n") }, ErrBadValue, "layers", ""},
		{"syntax", func(t *testing.T) []byte { return []byte("layers: {data: [\n") }, ErrSyntax, "", ""},
		{"binary", func(t *testing.T) []byte { return []byte("\x00\x01\x02\xff") }, ErrSyntax, "", ""},
		{"huge", func(t *testing.T) []byte { return bytes.Repeat([]byte("#"), MaxFileSize+1) }, ErrTooLarge, "", ""},
		{"cell a list", func(t *testing.T) []byte {
			return replace(t, "    label: Physical hosts\n    managed: provider\n", "    label: Physical hosts\n    managed: [provider]\n")
		}, ErrBadValue, "layers.physical_host.managed", "managed: [provider]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.in(t)
			_, err := Parse("m.yaml", b)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("not an *Error: %T", err)
			}
			if e.Key != tt.key {
				t.Errorf("key = %q, want %q", e.Key, tt.key)
			}
			if tt.lineAt != "" {
				if want := lineOf(t, b, tt.lineAt); e.Line != want {
					t.Errorf("line = %d, want %d", e.Line, want)
				}
			}
		})
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	ok := filepath.Join(dir, "ok.yaml")
	custom := replace(t, "provider: \"\"", "provider: Acme Hosting")
	custom = bytes.Replace(custom, []byte("    label: Applications\n    managed: provider\n    iaas: customer\n"),
		[]byte("    label: Applications\n    managed: provider\n    iaas: provider\n"), 1)
	if err := os.WriteFile(ok, custom, 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := Load(ok)
	if err != nil {
		t.Fatal(err)
	}
	if m.Provider != "Acme Hosting" || m.Origin != ok {
		t.Errorf("provider %q origin %q", m.Provider, m.Origin)
	}
	if d := m.Decide(report.LayerApplications, report.Profile{Tier: report.TierIaaS}); d.Responsible != report.ResponsibleProvider {
		t.Error("the file's iaas applications cell should apply")
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// A provider file may leave refinements out: the built-in quotes apply.
func TestRefinementsOptional(t *testing.T) {
	s := string(DefaultYAML())
	s = s[:strings.Index(s, "# Refinements")]
	m, err := Parse("m.yaml", []byte(s))
	if err != nil {
		t.Fatal(err)
	}
	if m.Quote(RefControlPanelOSLimit, "X") == "" {
		t.Error("built-in refinement quote missing")
	}
}

func TestWriteTable(t *testing.T) {
	var b bytes.Buffer
	if err := Default().WriteTable(&b, "Example Hosting"); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"operating_system", "Example Hosting if maintenance agreement, else customer", "COLOCATION"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if got := len(strings.Split(strings.TrimSpace(out), "\n")); got != len(report.Layers)+1 {
		t.Errorf("%d lines", got)
	}
}

func FuzzParseMatrix(f *testing.F) {
	f.Add(DefaultYAML())
	f.Add([]byte("layers: {}\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("layers:\n  data: {managed: customer}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse("fuzz.yaml", b)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error is not an *Error: %v", err)
			}
			return
		}
		for _, l := range report.Layers {
			for _, tier := range report.Tiers {
				d := m.Decide(l, report.Profile{Tier: tier})
				if !d.Responsible.Valid() {
					t.Fatalf("%s/%s: %q", l, tier, d.Responsible)
				}
			}
		}
	})
}

// TestFingerprint: the fingerprint follows what judges (a cell, a quote),
// not where the matrix was read from.
func TestFingerprint(t *testing.T) {
	base := Default().Fingerprint()
	if again, _ := Parse("/etc/demarc/elsewhere.yaml", defaultYAML); again.Fingerprint() != base {
		t.Errorf("the same matrix from another file: %s, want %s", again.Fingerprint(), base)
	}
	changes := map[string][2]string{
		"a cell":  {"    iaas: provider if maintenance_agreement", "    iaas: customer"},
		"a model": {"model: \"the provider", "model: \"another provider"},
	}
	for name, c := range changes {
		y := strings.Replace(string(defaultYAML), c[0], c[1], 1)
		if y == string(defaultYAML) {
			t.Fatalf("%s: %q not in the built-in matrix", name, c[0])
		}
		m, err := Parse("changed", []byte(y))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if m.Fingerprint() == base {
			t.Errorf("%s changed, fingerprint did not", name)
		}
	}
}

// TestTierQuote: a colocation customer's OS is theirs by the matrix, and
// the finding quotes that, not the sentence about customers' own virtual
// machines that fits Cloud Hosting; other tiers keep the layer's quote.
func TestTierQuote(t *testing.T) {
	m := Default()
	l := m.Layers[report.LayerOperatingSystem]
	colo := m.Decide(report.LayerOperatingSystem, report.Profile{Tier: report.TierColocation})
	iaas := m.Decide(report.LayerOperatingSystem, report.Profile{Tier: report.TierIaaS})
	if colo.Responsible != report.ResponsibleCustomer || colo.Quote != `the matrix puts "Operating System" with the customer under "Colocation"` {
		t.Errorf("colocation: %+v", colo)
	}
	if iaas.Responsible != report.ResponsibleCustomer || iaas.Quote != fill(l.CustomerQuote, "") {
		t.Errorf("iaas: %+v", iaas)
	}
	withAgreement := m.Decide(report.LayerOperatingSystem, report.Profile{Tier: report.TierColocation, MaintenanceAgreement: true})
	if withAgreement.Responsible != report.ResponsibleProvider || withAgreement.Quote != fill(l.ProviderQuote, "") {
		t.Errorf("colocation with a maintenance agreement: %+v", withAgreement)
	}
}
