package lifecycle

import (
	"fmt"
	"strings"
)

// Diff lists what changes from old to new, one line per product or cycle
// added or removed and per changed field of a cycle: "php 8.2: eol
// 2026-12-31 → 2026-12-15", "php 8.6: added (eol 2029-12-31)", "go:
// product added (16 cycles)". Empty when nothing a judgement uses
// changed.
func Diff(old, new *Dataset) []string {
	var out []string
	if !old.SnapshotDate.IsZero() && old.SnapshotDate.Raw() != new.SnapshotDate.Raw() {
		out = append(out, fmt.Sprintf("data date: %s → %s", old.SnapshotDate.Raw(), new.SnapshotDate.Raw()))
	}
	for _, np := range new.Products {
		op := old.Product(np.ID)
		if op == nil || op.ID != np.ID {
			out = append(out, fmt.Sprintf("%s: product added (%d cycles)", np.ID, len(np.Cycles)))
			continue
		}
		out = append(out, diffProduct(op, np)...)
	}
	for _, op := range old.Products {
		if np := new.Product(op.ID); np == nil || np.ID != op.ID {
			out = append(out, fmt.Sprintf("%s: product removed", op.ID))
		}
	}
	return out
}

func diffProduct(op, np *Product) []string {
	var out []string
	for _, nc := range np.Cycles {
		oc := op.Cycle(nc.Name)
		if oc == nil {
			out = append(out, fmt.Sprintf("%s %s: added (%s)", np.ID, nc.Name, cycleSummary(nc)))
			continue
		}
		for _, f := range cycleFields {
			if a, b := f.get(oc), f.get(nc); a != b {
				out = append(out, fmt.Sprintf("%s %s: %s %s → %s", np.ID, nc.Name, f.name, orNone(a), orNone(b)))
			}
		}
		if n := len(nc.Versions) - len(oc.Versions); n > 0 {
			out = append(out, fmt.Sprintf("%s %s: %d more dated versions", np.ID, nc.Name, n))
		}
	}
	for _, oc := range op.Cycles {
		if np.Cycle(oc.Name) == nil {
			out = append(out, fmt.Sprintf("%s %s: removed", np.ID, oc.Name))
		}
	}
	return out
}

var cycleFields = []struct {
	name string
	get  func(*Cycle) string
}{
	{"released", func(c *Cycle) string { return c.Released.Raw() }},
	{"eoas", func(c *Cycle) string { return boundString(c.EOAS) }},
	{"eol", func(c *Cycle) string { return boundString(c.EOL) }},
	{"eoes", func(c *Cycle) string { return boundString(c.EOES) }},
	{"lts", func(c *Cycle) string { return fmt.Sprint(c.LTS) }},
	{"latest", func(c *Cycle) string { return strings.TrimSpace(c.Latest + " " + c.LatestDate.Raw()) }},
}

func cycleSummary(c *Cycle) string {
	var parts []string
	for _, f := range cycleFields[:4] {
		if v := f.get(c); v != "" {
			parts = append(parts, f.name+" "+v)
		}
	}
	if len(parts) == 0 {
		return "no dates"
	}
	return strings.Join(parts, ", ")
}

// boundString is a bound as the data writes it: a date, true, false, or
// "" when unset.
func boundString(b Bound) string {
	switch {
	case !b.Set:
		return ""
	case b.Date.IsZero():
		return fmt.Sprint(b.Passed)
	}
	return b.Date.Raw()
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
