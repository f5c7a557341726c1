package report

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
)

// ErrInvalid is wrapped by every ValidationError: well-formed JSON that
// breaks the schema's rules.
var ErrInvalid = errors.New("invalid report")

// TenantPattern is the form of a tenant name: lowercase letters, digits,
// '.', '_' and '-', 1 to 63 bytes.
const TenantPattern = `^[a-z0-9][a-z0-9._-]{0,62}$`

var tenantRE = regexp.MustCompile(TenantPattern)

// ValidTenant reports whether s matches TenantPattern.
func ValidTenant(s string) bool { return tenantRE.MatchString(s) }

// ValidationError says which field breaks which rule. It wraps ErrInvalid.
type ValidationError struct {
	Field   string
	Problem string
}

func (e *ValidationError) Error() string { return fmt.Sprintf("%s: %s", e.Field, e.Problem) }

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *ValidationError) Unwrap() error { return ErrInvalid }

// path names a field without building the string unless it is needed:
// list[i].name, or name alone when i < 0.
type path struct {
	list string
	i    int
	name string
	// pk and ps lead key and String of an element of a list inside a list
	// element (see in).
	pk, ps string
}

// p is a top-level field.
func p(name string) path { return path{i: -1, name: name} }

// idx is element i of a list; add the field name with f.
func idx(list string, i int) path { return path{list: list, i: i} }

// in is element i of the list field list of x's element:
// idx("host.accounts", 2).in("domains", 0).f("name") is
// "host.accounts[2].domains[0].name".
func (x path) in(list string, i int) path {
	x.name = ""
	return path{list: list, i: i, pk: x.key() + ".", ps: x.String() + "."}
}

// f is field name of the element.
func (x path) f(name string) path { x.name = name; return x }

func (x path) String() string {
	switch {
	case x.i < 0:
		return x.name
	case x.name == "":
		return fmt.Sprintf("%s%s[%d]", x.ps, x.list, x.i)
	}
	return fmt.Sprintf("%s%s[%d].%s", x.ps, x.list, x.i, x.name)
}

// key is the field's name with every list index left out
// ("findings[].product"): the key of Constraints.
func (x path) key() string {
	switch {
	case x.i < 0:
		return x.name
	case x.name == "":
		return x.pk + x.list + "[]"
	}
	return x.pk + x.list + "[]." + x.name
}

// checker records the first problem found. With rec set it checks nothing
// and records every rule it would apply instead (see Constraints).
type checker struct {
	err *ValidationError
	rec map[string]*Constraint
}

// note records in c.rec what the checks say of field.
func (c *checker) note(field path, set func(*Constraint)) {
	k := field.key()
	if c.rec[k] == nil {
		c.rec[k] = &Constraint{}
	}
	set(c.rec[k])
}

func (c *checker) fail(field path, format string, args ...any) {
	if c.err == nil && c.rec == nil {
		c.err = &ValidationError{Field: field.String(), Problem: fmt.Sprintf(format, args...)}
	}
}

// text checks a free-text field: valid characters (no control characters
// but tab and newline) and at most max bytes; required fields not empty.
func (c *checker) text(field path, s string, max int, required bool) {
	if c.rec != nil {
		c.note(field, func(k *Constraint) { k.MaxLength, k.NonEmpty = max, required })
		return
	}
	switch {
	case required && strings.TrimSpace(s) == "":
		c.fail(field, "required")
	case len(s) > max:
		c.fail(field, "longer than %d bytes", max)
	case !cleanText(s):
		c.fail(field, "contains a control or invalid character")
	}
}

// cleanText reports whether s holds no control character but tab and
// newline, and no invalid UTF-8 (checked byte-wise for ASCII).
func cleanText(s string) bool {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b >= 0x80 {
			return cleanRunes(s[i:])
		}
		if (b < 0x20 && b != '\t' && b != '\n') || b == 0x7f {
			return false
		}
	}
	return true
}

func cleanRunes(s string) bool {
	for _, r := range s {
		if r == unicode.ReplacementChar || (unicode.IsControl(r) && r != '\t' && r != '\n') {
			return false
		}
	}
	return true
}

// token checks an identifier: printable ASCII without spaces.
func (c *checker) token(field path, s string, max int, required bool) {
	if c.rec != nil {
		c.note(field, func(k *Constraint) { k.MaxLength, k.NonEmpty = max, required })
		return
	}
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
func (c *checker) hostname(field path, s string) {
	if c.rec != nil {
		c.note(field, func(k *Constraint) { k.MaxLength, k.NonEmpty = 253, true })
		return
	}
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

func (c *checker) count(field path, n int, max int) {
	if c.rec != nil {
		c.note(field, func(k *Constraint) { k.MaxItems = max })
		return
	}
	if n > max {
		c.fail(field, "more than %d items", max)
	}
}

func (c *checker) number(field path, v, min, max int64) {
	if c.rec != nil {
		c.note(field, func(k *Constraint) { k.Minimum, k.Maximum = &min, &max })
		return
	}
	if v < min || v > max {
		c.fail(field, "out of range [%d, %d]", min, max)
	}
}

// Validate checks a decoded report against schema v1: required fields,
// enum values, sizes of strings and lists, number ranges. It returns a
// *ValidationError for the first problem.
func Validate(r *Report) error {
	return ValidateAt(r, time.Now())
}

// ValidateAt is Validate with the reader's clock at now (scanned_at may be
// at most MaxFutureSkew ahead of it).
func ValidateAt(r *Report, now time.Time) error {
	return validate(&checker{}, r, now)
}

func validate(c *checker, r *Report, now time.Time) error {
	if r.Schema != Schema {
		c.fail(p("schema"), "must be %q", Schema)
	}
	c.token(p("report_id"), r.ReportID, MaxIDLen, true)
	c.text(p("agent.name"), r.Agent.Name, MaxShort, true)
	c.text(p("agent.version"), r.Agent.Version, MaxShort, false)
	switch {
	case r.ScannedAt.IsZero():
		c.fail(p("scanned_at"), "required")
	case r.ScannedAt.Year() < OldestScanYear || r.ScannedAt.After(now.Add(MaxFutureSkew)):
		c.fail(p("scanned_at"), "implausible time (before %d, or more than %s ahead of the server's clock: check the host's clock)", OldestScanYear, MaxFutureSkew)
	}
	c.text(p("evaluated_at"), r.EvaluatedAt, 32, false)
	c.number(p("duration_ms"), r.DurationMS, 0, MaxDurationMS)
	validateHost(c, &r.Host)
	validateProfile(c, &r.Profile)
	c.count(p("components"), len(r.Components), MaxComponents)
	for i := range r.Components {
		if c.err != nil {
			break
		}
		validateComponent(c, idx("components", i), &r.Components[i])
	}
	if r.Updates != nil {
		validateUpdates(c, r.Updates)
	}
	validateFindings(c, r.Findings)
	for _, s := range []struct {
		name string
		n    Counts
	}{{"summary.provider", r.Summary.Provider}, {"summary.customer", r.Summary.Customer}} {
		for _, v := range []struct {
			name string
			n    int
		}{{"critical", s.n.Critical}, {"high", s.n.High}, {"medium", s.n.Medium}, {"low", s.n.Low}, {"info", s.n.Info}} {
			c.number(p(s.name+"."+v.name), int64(v.n), 0, MaxCount)
		}
	}
	if l := r.Lifecycle; l != nil {
		c.text(p("lifecycle.snapshot_date"), l.SnapshotDate, 32, false)
		c.number(p("lifecycle.age_days"), int64(l.AgeDays), -100_000, 100_000)
	}
	c.count(p("errors"), len(r.Errors), MaxListSmall)
	for i, e := range r.Errors {
		c.text(idx("errors", i).f("collector"), e.Collector, MaxShort, true)
		c.text(idx("errors", i).f("error"), e.Error, MaxText, false)
	}
	validateCollectors(c, r.Collectors)
	c.count(p("notes"), len(r.Notes), MaxListSmall)
	for i, n := range r.Notes {
		c.text(idx("notes", i).f("collector"), n.Collector, MaxShort, true)
		c.text(idx("notes", i).f("message"), n.Message, MaxText, false)
	}
	if c.err != nil {
		return c.err
	}
	return nil
}

// ValidateEnrollment checks what a host says of itself when it enrolls
// with demarc-server, with the rules of the same fields in a report:
// hostname as host.hostname, the ids as tokens, the version as text.
func ValidateEnrollment(hostname, machineID, productUUID, osID, osVersionID, agentVersion string) error {
	c := &checker{}
	c.hostname(p("hostname"), hostname)
	c.token(p("machine_id"), machineID, 64, false)
	c.token(p("product_uuid"), productUUID, 64, false)
	c.token(p("os.id"), osID, 64, false)
	c.token(p("os.version_id"), osVersionID, 64, false)
	c.text(p("agent_version"), agentVersion, MaxShort, false)
	if c.err != nil {
		return c.err
	}
	return nil
}
