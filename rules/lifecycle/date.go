package lifecycle

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ErrBadDate is returned for a date that is neither YYYY-MM-DD nor YYYY-MM.
var ErrBadDate = errors.New("bad date")

// Date is a calendar day from the lifecycle data. Vendors that publish only
// a month ("August 2026") give a month-precision date, which demarc reads
// as the LAST day of that month: nothing is called ended, or released,
// before the vendor's month is over.
type Date struct {
	day   time.Time // midnight UTC; the zero time when unset
	month bool      // the source gave only YYYY-MM
}

// ParseDate reads "YYYY-MM-DD" or "YYYY-MM" (month precision).
func ParseDate(s string) (Date, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return Date{day: t}, nil
	}
	if t, err := time.Parse("2006-01", s); err == nil {
		return Date{day: t.AddDate(0, 1, -1), month: true}, nil
	}
	return Date{}, fmt.Errorf("%w %q (want YYYY-MM-DD or YYYY-MM)", ErrBadDate, s)
}

// Day returns the date of t (UTC) as a day-precision Date.
func Day(t time.Time) Date {
	y, m, d := t.UTC().Date()
	return Date{day: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// IsZero reports whether d is unset.
func (d Date) IsZero() bool { return d.day.IsZero() }

// Time is midnight UTC of the day (the month's last day for a
// month-precision date).
func (d Date) Time() time.Time { return d.day }

// MonthOnly reports whether the source gave only a month.
func (d Date) MonthOnly() bool { return d.month }

// String is the resolved day, YYYY-MM-DD ("" when unset).
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.day.Format(time.DateOnly)
}

// Raw is the date as the source gave it: YYYY-MM-DD or YYYY-MM.
func (d Date) Raw() string {
	if d.month {
		return d.day.Format("2006-01")
	}
	return d.String()
}

// Human is the date for a sentence: "2026-07-11", or "the end of 2026-08"
// for a month-precision date.
func (d Date) Human() string {
	if d.month {
		return "the end of " + d.Raw()
	}
	return d.String()
}

// Before reports whether d is strictly before o.
func (d Date) Before(o Date) bool { return d.day.Before(o.day) }

// After reports whether d is strictly after o.
func (d Date) After(o Date) bool { return d.day.After(o.day) }

// DaysUntil is the number of whole days from at to d (negative once past).
func (d Date) DaysUntil(at Date) int {
	return int(d.day.Sub(at.day).Hours() / 24)
}

// AddMonths returns d moved by n months, keeping its precision (a month
// date stays at the end of its month).
func (d Date) AddMonths(n int) Date {
	if d.month {
		first := time.Date(d.day.Year(), d.day.Month(), 1, 0, 0, 0, 0, time.UTC)
		return Date{day: first.AddDate(0, n+1, -1), month: true}
	}
	return Date{day: d.day.AddDate(0, n, 0)}
}

// MarshalJSON writes the raw form.
func (d Date) MarshalJSON() ([]byte, error) { return json.Marshal(d.Raw()) }

// UnmarshalJSON reads the raw form.
func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if s == "" {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Bound is one of the data's bool-or-date fields (eol, eoas, eoes): unset
// (the source says nothing), false (no date announced yet: still running),
// true (over, date unknown) or a date (the last day it applies).
type Bound struct {
	// Set is true when the source gave a value.
	Set bool
	// Passed is true for a bare `true`.
	Passed bool
	// Date is the date, when one was given.
	Date Date
}

// DateBound is a Bound holding d.
func DateBound(d Date) Bound { return Bound{Set: true, Date: d} }

// FlagBound is a Bound holding a bare true or false.
func FlagBound(passed bool) Bound { return Bound{Set: true, Passed: passed} }

// IsZero reports whether b is unset.
func (b Bound) IsZero() bool { return !b.Set }

// HasDate reports whether b carries a date.
func (b Bound) HasDate() bool { return b.Set && !b.Date.IsZero() }

// Over reports whether b has passed on day at.
func (b Bound) Over(at Date) bool {
	if !b.Set {
		return false
	}
	if b.Date.IsZero() {
		return b.Passed
	}
	return at.After(b.Date)
}

// MarshalJSON writes null, true, false or the raw date.
func (b Bound) MarshalJSON() ([]byte, error) {
	switch {
	case !b.Set:
		return []byte("null"), nil
	case b.Date.IsZero():
		return json.Marshal(b.Passed)
	default:
		return b.Date.MarshalJSON()
	}
}

// UnmarshalJSON reads null, true, false or a date.
func (b *Bound) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	switch string(data) {
	case "null":
		*b = Bound{}
		return nil
	case "true", "false":
		*b = FlagBound(string(data) == "true")
		return nil
	}
	var d Date
	if err := d.UnmarshalJSON(data); err != nil {
		return err
	}
	*b = DateBound(d)
	return nil
}
