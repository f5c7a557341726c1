package ingest

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/demarc/demarc/report"
)

// Size limits of schema v1 as the server enforces them.
const (
	maxIDLen       = 128  // report_id, host_id
	maxFindingID   = 256  // finding id, blocked_by
	maxShort       = 256  // names, versions, products, rules
	maxText        = 4096 // rationale, remediation, evidence, messages
	maxFindings    = 5000
	maxComponents  = 5000
	maxPackages    = 50000
	maxListSmall   = 1000 // errors, notes, reboot packages
	maxEvidence    = 100
	maxDetails     = 64
	maxDurationMS  = int64(7 * 24 * time.Hour / time.Millisecond)
	maxUptime      = int64(100 * 365 * 24 * 3600)
	maxCount       = 10_000_000
	maxFutureSkew  = 24 * time.Hour
	oldestScanYear = 2000
)

// ValidationError says which field breaks which rule. It wraps ErrInvalid.
type ValidationError struct {
	Field   string
	Problem string
}

func (e *ValidationError) Error() string { return fmt.Sprintf("%s: %s", e.Field, e.Problem) }

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *ValidationError) Unwrap() error { return ErrInvalid }

// checker records the first problem found.
type checker struct{ err *ValidationError }

func (c *checker) fail(field, format string, args ...any) {
	if c.err == nil {
		c.err = &ValidationError{Field: field, Problem: fmt.Sprintf(format, args...)}
	}
}

// text checks a free-text field: valid characters (no control characters
// but tab and newline) and at most max bytes; required fields not empty.
func (c *checker) text(field, s string, max int, required bool) {
	switch {
	case required && strings.TrimSpace(s) == "":
		c.fail(field, "required")
	case len(s) > max:
		c.fail(field, "longer than %d bytes", max)
	default:
		for _, r := range s {
			if r == unicode.ReplacementChar || (unicode.IsControl(r) && r != '\t' && r != '\n') {
				c.fail(field, "contains a control or invalid character")
				return
			}
		}
	}
}

// token checks an identifier: printable ASCII without spaces.
func (c *checker) token(field, s string, max int, required bool) {
	if s == "" {
		if required {
			c.fail(field, "required")
		}
		return
	}
	if len(s) > max {
		c.fail(field, "longer than %d bytes", max)
		return
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' || strings.IndexByte(`"'<>\`+"`", s[i]) >= 0 {
			c.fail(field, "must be printable ASCII without spaces, quotes, <, > or backslash")
			return
		}
	}
}

// hostname checks a host name: letters, digits, dot, dash, underscore.
func (c *checker) hostname(field, s string) {
	if s == "" || len(s) > 253 {
		c.fail(field, "required, at most 253 bytes")
		return
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '.' || b == '-' || b == '_') {
			c.fail(field, "must hold only letters, digits, '.', '-' and '_'")
			return
		}
	}
}

func (c *checker) count(field string, n int, max int) {
	if n > max {
		c.fail(field, "more than %d items", max)
	}
}

func (c *checker) number(field string, v, min, max int64) {
	if v < min || v > max {
		c.fail(field, "out of range [%d, %d]", min, max)
	}
}

// Validate checks a decoded report against schema v1: required fields,
// enum values, sizes of strings and lists, number ranges. It returns a
// *ValidationError for the first problem.
func Validate(r *report.Report) error {
	return validateAt(r, time.Now())
}

func validateAt(r *report.Report, now time.Time) error {
	c := &checker{}
	if r.Schema != report.Schema {
		c.fail("schema", "must be %q", report.Schema)
	}
	c.token("report_id", r.ReportID, maxIDLen, true)
	c.text("agent.name", r.Agent.Name, maxShort, true)
	c.text("agent.version", r.Agent.Version, maxShort, false)
	switch {
	case r.ScannedAt.IsZero():
		c.fail("scanned_at", "required")
	case r.ScannedAt.Year() < oldestScanYear || r.ScannedAt.After(now.Add(maxFutureSkew)):
		c.fail("scanned_at", "implausible time (before %d or more than %s ahead)", oldestScanYear, maxFutureSkew)
	}
	c.text("evaluated_at", r.EvaluatedAt, 32, false)
	c.number("duration_ms", r.DurationMS, 0, maxDurationMS)
	validateHost(c, &r.Host)
	validateProfile(c, &r.Profile)
	c.count("components", len(r.Components), maxComponents)
	for i := range r.Components {
		if c.err != nil {
			break
		}
		validateComponent(c, fmt.Sprintf("components[%d]", i), &r.Components[i])
	}
	if r.Updates != nil {
		validateUpdates(c, r.Updates)
	}
	validateFindings(c, r.Findings)
	for _, p := range []struct {
		name string
		n    report.Counts
	}{{"summary.provider", r.Summary.Provider}, {"summary.customer", r.Summary.Customer}} {
		for _, v := range []int{p.n.Critical, p.n.High, p.n.Medium, p.n.Low, p.n.Info} {
			c.number(p.name, int64(v), 0, maxCount)
		}
	}
	if l := r.Lifecycle; l != nil {
		c.text("lifecycle.snapshot_date", l.SnapshotDate, 32, false)
		c.number("lifecycle.age_days", int64(l.AgeDays), -100_000, 100_000)
	}
	c.count("errors", len(r.Errors), maxListSmall)
	for i, e := range r.Errors {
		c.text(fmt.Sprintf("errors[%d].collector", i), e.Collector, maxShort, true)
		c.text(fmt.Sprintf("errors[%d].error", i), e.Error, maxText, false)
	}
	c.count("notes", len(r.Notes), maxListSmall)
	for i, n := range r.Notes {
		c.text(fmt.Sprintf("notes[%d].collector", i), n.Collector, maxShort, true)
		c.text(fmt.Sprintf("notes[%d].message", i), n.Message, maxText, false)
	}
	if c.err != nil {
		return c.err
	}
	return nil
}
