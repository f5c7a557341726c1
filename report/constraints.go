package report

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Constraint is what Validate requires of one field, for the JSON Schema.
type Constraint struct {
	// MaxLength bounds a string in bytes (for a list of strings, each item;
	// for a map, each value).
	MaxLength int
	// NonEmpty requires a string with more than white space.
	NonEmpty bool
	// MaxItems bounds a list (or a map's keys).
	MaxItems int
	// Minimum and Maximum bound an integer.
	Minimum, Maximum *int64
}

// Constraints returns every rule Validate applies, keyed by the field's
// JSON path with list indexes left out ("findings[].evidence"); a map's
// keys are under the map's path with "{}" appended. The JSON Schema is
// generated from it, so the schema's limits cannot drift from the
// validator's.
func Constraints() map[string]Constraint {
	c := &checker{rec: map[string]*Constraint{}}
	_ = validate(c, exemplar(), time.Time{})
	out := make(map[string]Constraint, len(c.rec))
	for k, v := range c.rec {
		out[k] = *v
	}
	return out
}

// exemplar is a report with one element in every list and map and every
// optional part present, so that the recording checker walks every rule.
func exemplar() *Report {
	return &Report{
		Host: Host{
			OS:             OS{IDLike: []string{""}, Channels: []string{""}},
			Kernel:         Kernel{RebootPackages: []string{""}, LivePatch: &LivePatch{Patches: []string{""}, Evidence: []string{""}}},
			Virtualization: Virtualization{Evidence: []string{""}},
			Accounts:       []Account{{Domains: []AccountDomain{{}}}},
		},
		Components: []Component{{Details: map[string]string{"": ""}}},
		Updates:    &Updates{Packages: []Package{{}}},
		Findings:   []Finding{{Evidence: []string{""}}},
		Lifecycle:  &LifecycleData{},
		Errors:     []CollectorError{{}},
		Collectors: []CollectorRun{{}},
		Notes:      []Note{{}},
	}
}

// ClipText makes s fit a free-text field of max bytes: control characters
// other than tab and newline, and invalid UTF-8, become spaces, and a text
// that is still too long is cut at a character boundary with "…" at the
// end. Producers clip collector errors and notes with it (and log the full
// text), so that a panic's stack cannot make a report invalid.
func ClipText(s string, limit int) string {
	if len(s) <= limit && cleanText(s) {
		return s
	}
	var b strings.Builder
	b.Grow(min(len(s), limit))
	for _, r := range strings.ToValidUTF8(s, " ") {
		if r == unicode.ReplacementChar || (unicode.IsControl(r) && r != '\t' && r != '\n') {
			r = ' '
		}
		b.WriteRune(r)
	}
	out := b.String()
	const ell = "…"
	if len(out) <= limit {
		return out
	}
	cut := limit - len(ell)
	for cut > 0 && !utf8.RuneStart(out[cut]) {
		cut--
	}
	return out[:max(cut, 0)] + ell
}
