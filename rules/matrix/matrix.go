package matrix

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/demarc/demarc/report"
)

// Schema identifies the matrix file format.
const Schema = "demarc.matrix/v1"

//go:embed default.yaml
var defaultYAML []byte

// Condition is what a conditional cell depends on.
type Condition string

// The conditions a cell may carry.
const (
	// Unconditional: the cell's party always.
	Unconditional Condition = ""
	// IfMaintenanceAgreement: the provider with a maintenance agreement,
	// else the customer.
	IfMaintenanceAgreement Condition = "maintenance_agreement"
	// UnlessCustomerVirtualisation: the provider unless the customer
	// manages their own virtualisation layer.
	UnlessCustomerVirtualisation Condition = "customer_managed_virtualisation"
)

// Cell is one tier's entry for a layer.
type Cell struct {
	// Party is the responsible party when the condition holds (or always).
	Party report.Responsible
	// Cond is the condition, if any.
	Cond Condition
	// Text is the cell as written.
	Text string
}

// Layer is one row of the matrix.
type Layer struct {
	// ID is the layer id.
	ID report.Layer
	// Label is the row's display name.
	Label string
	// Cells holds one cell per tier.
	Cells map[report.Tier]Cell
	// ProviderQuote and CustomerQuote cite the model when that party is
	// responsible; {provider} stands for the provider's name.
	ProviderQuote, CustomerQuote string
	// TierQuotes replace them under one tier (keys <party>_quote_<tier>:
	// the colocation customer's OS is theirs by the matrix, not by the
	// sentence about customers' own virtual machines).
	TierQuotes map[report.Tier]map[report.Responsible]string `json:",omitempty"`
}

// Refinement ids: text the model states besides its matrix.
const (
	RefControlPanelMaintenance    = "control_panel_maintenance"
	RefControlPanelOSLimit        = "control_panel_os_limit"
	RefControlPanelNoMaintenance  = "control_panel_no_maintenance"
	RefThirdPartyApps             = "third_party_apps"
	RefCustomerManagedVirtualised = "customer_managed_virtualisation"
)

// Refinements lists every refinement id a matrix file may quote.
var Refinements = []string{
	RefControlPanelMaintenance, RefControlPanelOSLimit, RefControlPanelNoMaintenance,
	RefThirdPartyApps, RefCustomerManagedVirtualised,
}

// Matrix is a provider's shared responsibility model.
type Matrix struct {
	// Origin is "built-in" or the file it was loaded from.
	Origin string
	// Model names the model, for citations.
	Model string
	// Provider is the provider's name to use when the profile has none.
	Provider string
	// Layers holds every layer.
	Layers map[report.Layer]*Layer
	// Quotes holds each refinement's citation.
	Quotes map[string]string
}

// Default returns the built-in matrix (the seed model).
func Default() *Matrix {
	m, err := Parse("built-in", defaultYAML)
	if err != nil {
		panic("matrix: built-in default.yaml is invalid: " + err.Error())
	}
	return m
}

// DefaultYAML returns the built-in matrix file, a starting point for a
// provider's own.
func DefaultYAML() []byte { return append([]byte(nil), defaultYAML...) }

// Decision is who owns a layer on a host and why.
type Decision struct {
	// Responsible is the party.
	Responsible report.Responsible
	// Rule names the matrix cell: "matrix/operating_system/iaas".
	Rule string
	// Tier is the tier's display name ("Cloud Hosting (IaaS)").
	Tier string
	// Condition says how a conditional cell resolved, in words ("with a
	// maintenance agreement"), or "".
	Condition string
	// Quote is the model's citation for the party, provider name filled in.
	Quote string
}

// TierLabel is a tier's display name as the model calls it.
func TierLabel(t report.Tier) string {
	switch t {
	case report.TierManaged:
		return "Managed Services"
	case report.TierIaaS:
		return "Cloud Hosting (IaaS)"
	case report.TierColocation:
		return "Colocation"
	}
	return string(t)
}

// Decide returns who owns layer on a host with profile p. An unknown
// layer or tier falls back to the customer and says so in Condition.
func (m *Matrix) Decide(layer report.Layer, p report.Profile) Decision {
	d := Decision{Rule: fmt.Sprintf("matrix/%s/%s", layer, p.Tier), Tier: TierLabel(p.Tier)}
	l, ok := m.Layers[layer]
	if !ok {
		d.Responsible, d.Condition = report.ResponsibleCustomer, "layer not in the matrix"
		return d
	}
	cell, ok := l.Cells[p.Tier]
	if !ok {
		d.Responsible, d.Condition = report.ResponsibleCustomer, "tier not in the matrix"
		return d
	}
	d.Responsible = cell.Party
	switch cell.Cond {
	case IfMaintenanceAgreement:
		if p.MaintenanceAgreement {
			d.Condition = "with a maintenance agreement"
		} else {
			d.Responsible, d.Condition = report.ResponsibleCustomer, "without a maintenance agreement"
		}
	case UnlessCustomerVirtualisation:
		if p.CustomerManagedVirtualisation {
			d.Responsible, d.Condition = report.ResponsibleCustomer, "with the customer managing the virtualisation layer"
		}
	}
	d.Quote = m.Cite(l, p.Tier, d.Responsible, p.Provider)
	return d
}

// Cite returns the layer's citation for party under tier, with the
// provider's name.
func (m *Matrix) Cite(l *Layer, tier report.Tier, party report.Responsible, provider string) string {
	q := l.CustomerQuote
	if party == report.ResponsibleProvider {
		q = l.ProviderQuote
	}
	if tq, ok := l.TierQuotes[tier][party]; ok {
		q = tq
	}
	if q == "" {
		q = fmt.Sprintf("the matrix puts %q with the %s under %s", l.Label, party, m.Model)
	}
	return fill(q, provider)
}

// Quote returns refinement id's citation with the provider's name.
func (m *Matrix) Quote(id, provider string) string { return fill(m.Quotes[id], provider) }

// ProviderName is name, or the matrix's provider, or "the provider".
func (m *Matrix) ProviderName(name string) string {
	switch {
	case name != "" && name != "the provider":
		return name
	case m.Provider != "":
		return m.Provider
	case name != "":
		return name
	}
	return "the provider"
}

func fill(s, provider string) string {
	if provider == "" {
		provider = "the provider"
	}
	return strings.ReplaceAll(s, "{provider}", provider)
}

// Fingerprint is a digest of everything in the matrix that can move a
// verdict or its wording (not where it was loaded from): two matrices with
// the same fingerprint judge every host alike.
func (m *Matrix) Fingerprint() string {
	c := *m
	c.Origin = ""
	b, err := json.Marshal(&c) // maps marshal in key order
	if err != nil {
		panic("matrix: fingerprint: " + err.Error()) // only strings and maps of them
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}
