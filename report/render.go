package report

import (
	"encoding/json"
	"fmt"
	"io"
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
