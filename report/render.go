package report

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
)

// Format is an output format of `demarc scan`.
type Format string

// The output formats.
const (
	FormatTable    Format = "table"
	FormatJSON     Format = "json"
	FormatMarkdown Format = "markdown"
)

// Formats lists every output format.
var Formats = []Format{FormatTable, FormatJSON, FormatMarkdown}

// ParseFormat returns the format named s.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case FormatTable, FormatJSON, FormatMarkdown:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q (want table, json or markdown)", s)
}

// RenderOptions tunes the human renderers.
type RenderOptions struct {
	// Color enables ANSI colour (only on a terminal).
	Color bool
	// Width wraps the table's "why" column to this many columns (the
	// terminal's width); 0 keeps one line per finding.
	Width int
}

// providerSection is the title of the provider's findings: with the
// provider's name when the profile has one.
func providerSection(r *Report) string {
	title := "The provider's to fix"
	if name := strings.TrimSpace(r.Profile.Provider); name != "" && !strings.EqualFold(name, "the provider") {
		title += " (" + name + ")"
	}
	return title
}

// pendingInOrder is every pending update, security fixes first, then by
// name (the order a ticket lists them in).
func pendingInOrder(u *Updates) []Package {
	ps := slices.Clone(u.Packages)
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Security != ps[j].Security {
			return ps[i].Security
		}
		return ps[i].Name < ps[j].Name
	})
	return ps
}

// Render writes r to w in format f.
func Render(w io.Writer, f Format, r *Report, o RenderOptions) error {
	switch f {
	case FormatJSON:
		return RenderJSON(w, r)
	case FormatMarkdown:
		return RenderMarkdown(w, r)
	default:
		return RenderTable(w, r, o)
	}
}

// RenderJSON writes the report itself, indented.
func RenderJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
