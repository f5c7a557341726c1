package matrix

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/demarc/demarc/report"
)

// Row is one layer of the matrix as written, for display.
type Row struct {
	Layer      report.Layer `json:"layer"`
	Label      string       `json:"label"`
	Managed    string       `json:"managed"`
	IaaS       string       `json:"iaas"`
	Colocation string       `json:"colocation"`
}

// Rows lists the layers in report.Layers order with their cells.
func (m *Matrix) Rows() []Row {
	var rows []Row
	for _, id := range report.Layers {
		l, ok := m.Layers[id]
		if !ok {
			continue
		}
		rows = append(rows, Row{Layer: id, Label: l.Label,
			Managed: cellText(l.Cells[report.TierManaged]), IaaS: cellText(l.Cells[report.TierIaaS]),
			Colocation: cellText(l.Cells[report.TierColocation])})
	}
	return rows
}

func cellText(c Cell) string {
	switch c.Cond {
	case IfMaintenanceAgreement:
		return fmt.Sprintf("%s if maintenance agreement, else customer", c.Party)
	case UnlessCustomerVirtualisation:
		return fmt.Sprintf("%s unless customer-managed virtualisation", c.Party)
	}
	return string(c.Party)
}

// WriteTable writes the matrix as an aligned text table, with provider
// standing for "provider".
func (m *Matrix) WriteTable(w io.Writer, provider string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "LAYER\t%s\t%s\t%s\n", strings.ToUpper(TierLabel(report.TierManaged)),
		strings.ToUpper(TierLabel(report.TierIaaS)), strings.ToUpper(TierLabel(report.TierColocation)))
	name := func(s string) string { return strings.ReplaceAll(s, "provider", provider) }
	for _, r := range m.Rows() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Layer, name(r.Managed), name(r.IaaS), name(r.Colocation))
	}
	return tw.Flush()
}
