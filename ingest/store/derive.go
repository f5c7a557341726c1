package store

import (
	"encoding/json"
	"fmt"

	"github.com/demarc/demarc/internal/fnv1a"
	"github.com/demarc/demarc/report"
)

// Derived is what a store computes from a report before it writes it: the
// summary, the findings' fingerprints and their evidence as JSON. The
// ingest handler computes it (Derive) on the request's goroutine, so that
// the store's writer, one transaction at a time, does only storage work;
// a store computes it itself for an Incoming without it.
type Derived struct {
	// Summary counts the report's findings by party and severity;
	// SummaryJSON is its JSON.
	Summary     report.Summary
	SummaryJSON []byte
	// Hashes fingerprint every stored field of each finding (in the
	// report's order); Digest fingerprints them all with their ids,
	// whatever the order. Stored digests compare with them: their values
	// must never change (TestFingerprintValues).
	Hashes []int64
	Digest int64
	// Evidence is each finding's evidence as a JSON array (never null).
	Evidence []string

	of *report.Report
}

// Derive computes what a store derives from r. r must not change after.
func Derive(r *report.Report) (*Derived, error) {
	d := Fingerprint(r)
	if err := d.Complete(); err != nil {
		return nil, err
	}
	return d, nil
}

// Fingerprint computes only the Hashes and the Digest of r: enough to
// tell whether its findings differ from what is stored (a rejudged host
// usually does not); Complete adds the rest. r must not change after.
func Fingerprint(r *report.Report) *Derived {
	d := &Derived{of: r, Hashes: make([]int64, len(r.Findings))}
	for i := range r.Findings {
		f := &r.Findings[i]
		d.Hashes[i] = FindingHash(f)
		d.Digest += int64(fnv1a.Offset.Str(f.ID)) ^ d.Hashes[i]
	}
	return d
}

// Complete adds the summary and the evidence JSON to a Fingerprint (a
// no-op when they are there).
func (d *Derived) Complete() error {
	if d.SummaryJSON != nil {
		return nil
	}
	fs := d.of.Findings
	d.Summary = report.Summarize(fs)
	d.Evidence = make([]string, len(fs))
	for i := range fs {
		ev := fs[i].Evidence
		if ev == nil {
			ev = []string{}
		}
		b, err := json.Marshal(ev)
		if err != nil {
			return fmt.Errorf("encode evidence of %s: %w", fs[i].ID, err)
		}
		d.Evidence[i] = string(b)
	}
	sumJSON, err := json.Marshal(d.Summary)
	if err != nil {
		return fmt.Errorf("encode summary: %w", err)
	}
	d.SummaryJSON = sumJSON
	return nil
}

// For reports whether d was derived from r (the same report value).
func (d *Derived) For(r *report.Report) bool { return d != nil && d.of == r }

// FindingHash fingerprints every stored field of a finding (strings cannot
// hold NUL after validation, so NUL separates them unambiguously).
func FindingHash(f *report.Finding) int64 {
	h := fnv1a.Offset
	for _, s := range [...]string{
		string(f.Kind), string(f.Layer), f.Product, f.Installed, f.Latest, f.Cycle, f.EOLDate,
		string(f.Severity), string(f.Responsible), f.Rule, f.Rationale, f.Remediation, f.BlockedBy,
	} {
		h = h.Str(s).Byte(0)
	}
	for _, e := range f.Evidence {
		h = h.Str(e).Byte(1)
	}
	return int64(h)
}
