package catalog

import (
	"fmt"
	"io"
	"strings"

	"github.com/demarc/demarc/report"
)

// Markers around the generated component table in docs/COMPONENTS.md.
const (
	DocBegin = "<!-- BEGIN catalog: generated from catalog/catalog.yaml by `go test ./catalog -run TestComponentsDoc -update`; do not edit -->"
	DocEnd   = "<!-- END catalog -->"
)

// WriteComponents writes the catalogue as the Markdown table of
// docs/COMPONENTS.md: one row per product, by layer in the file's order.
func (c *Catalogue) WriteComponents(w io.Writer) error {
	var b strings.Builder
	b.WriteString("| layer | product | name | version | details | lifecycle | collector | shipped by |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, p := range c.Products {
		version, details := p.Version, p.Details
		if version == "" && p.Layer == report.LayerOperatingSystem {
			version = "`VERSION_ID`"
		}
		if details == "" {
			details = "—"
			if p.Layer == report.LayerOperatingSystem {
				details = "`pretty_name`"
			}
		}
		lc := "`" + p.LifecycleKey() + "`"
		if p.NoLifecycle != "" {
			lc = "none: " + p.NoLifecycle
		}
		var facts []string
		if p.Scheme != Dotted {
			facts = append(facts, "versions: "+string(p.Scheme))
		}
		if p.Routine {
			facts = append(facts, "a newer cycle is a routine update")
		}
		if p.Platform {
			facts = append(facts, "its host OS is part of it")
		}
		if p.Rolling {
			facts = append(facts, "rolling release")
		}
		if p.Successor != "" {
			facts = append(facts, "then: "+p.Successor)
		}
		if p.ExtendedChannel != "" {
			facts = append(facts, "its paid extended window needs the channel "+p.ExtendedChannel)
		}
		if len(facts) > 0 {
			lc += " (" + strings.Join(facts, "; ") + ")"
		}
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s | %s | %s | %s | %s |\n",
			p.Layer, p.ID, cell(p.Name), cell(version), cell(details), cell(lc), p.Collector, cell(p.ShippedBy))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// cell keeps a table cell on one line and its pipes literal.
func cell(s string) string {
	return strings.ReplaceAll(strings.Join(strings.Fields(s), " "), "|", `\|`)
}
