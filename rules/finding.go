package rules

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/demarc/demarc/report"
	"github.com/demarc/demarc/rules/matrix"
)

// gap is a finding before responsibility is decided.
type gap struct {
	kind      report.Kind
	layer     report.Layer
	product   string // stable product id (for the finding id)
	display   string // display name
	installed string
	latest    string
	cycle     string
	eolDate   string
	instance  string // details instance or path: several of a product
	severity  report.Severity
	// what is the fact, as the first half of the rationale sentence:
	// "Debian 12 left regular security support on 2026-07-11 ...".
	what        string
	remediation string
	evidence    []string
	blockedBy   string
}

// owner is who owns a gap and why: the second half of the rationale
// (whose, under what, quoting the model), as whose writes it.
type owner struct {
	responsible report.Responsible
	rule        string
	// tier and condition are what the matrix decided on; quote its words.
	tier, condition, quote string
	// because gives a reason before the quote ("as …"); after adds to the
	// quote (", and …").
	because, after string
}

// matrixOwner is the owner per the matrix cell for layer.
func (x *evaluation) matrixOwner(layer report.Layer) owner {
	d := x.e.matrix.Decide(layer, x.profile)
	return owner{responsible: d.Responsible, rule: d.Rule, tier: d.Tier, condition: d.Condition, quote: d.Quote}
}

// refinementOwner is the owner per one of the model's refinements.
func (x *evaluation) refinementOwner(party report.Responsible, ref string, condition string) owner {
	rule := "refinement/" + strings.ReplaceAll(ref, "_", "-")
	return owner{responsible: party, rule: rule, tier: matrix.TierLabel(x.profile.Tier), condition: condition,
		quote: x.e.matrix.Quote(ref, x.provider)}
}

// whose writes "this is Example Hosting's to fix under Managed Services
// with a maintenance agreement: "<quote>"": one owner clause, which
// report.SplitRationale finds after the gap.
func (x *evaluation) whose(o owner) string {
	var b strings.Builder
	if o.responsible == report.ResponsibleProvider {
		fmt.Fprintf(&b, "this is %s to fix under %s", possessive(x.provider), o.tier)
	} else {
		fmt.Fprintf(&b, "this is the customer's to fix, not %s, under %s", possessive(x.provider), o.tier)
	}
	if o.condition != "" {
		b.WriteString(" " + o.condition)
	}
	if o.because != "" {
		b.WriteString(", as " + o.because)
	}
	if o.quote != "" {
		b.WriteString(": " + o.quote)
	}
	b.WriteString(o.after)
	return b.String()
}

func possessive(name string) string {
	if strings.HasSuffix(name, "s") {
		return name + "'"
	}
	return name + "'s"
}

// finish turns a gap and its owner into a finding and adds it; it
// returns the finding's id.
func (x *evaluation) finish(g gap, o owner) string {
	f := report.Finding{
		ID: findingID(x.in.Host.HostID, g), Kind: g.kind, Layer: g.layer, Product: g.display,
		Installed: g.installed, Latest: g.latest, Cycle: g.cycle, EOLDate: g.eolDate,
		Severity: g.severity, Responsible: o.responsible, Rule: o.rule,
		Rationale: sentence(g.what + "; " + x.whose(o)), Remediation: g.remediation,
		Evidence: g.evidence, BlockedBy: g.blockedBy,
	}
	x.add(f)
	return f.ID
}

// sentence ends s with one full stop, inside or outside a closing quote.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	switch {
	case strings.HasSuffix(s, ".\""), strings.HasSuffix(s, "."):
		return s
	}
	return s + "."
}

// findingID is stable across scans of the same host for the same gap: a
// hash of the host, kind, layer, product, cycle and instance, never of
// counts, versions within the cycle or dates.
func findingID(hostID string, g gap) string {
	h := sha256.New()
	for _, part := range []string{hostID, string(g.kind), string(g.layer), g.product, g.cycle, g.instance} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// sortFindings orders by responsible party (provider first), severity
// (critical first), product, then kind and id for a stable order.
func sortFindings(fs []report.Finding) {
	party := func(r report.Responsible) int {
		if r == report.ResponsibleProvider {
			return 0
		}
		return 1
	}
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		switch {
		case party(a.Responsible) != party(b.Responsible):
			return party(a.Responsible) < party(b.Responsible)
		case a.Severity.Rank() != b.Severity.Rank():
			return a.Severity.Rank() < b.Severity.Rank()
		case a.Product != b.Product:
			return a.Product < b.Product
		case a.Kind != b.Kind:
			return a.Kind < b.Kind
		}
		return a.ID < b.ID
	})
}
