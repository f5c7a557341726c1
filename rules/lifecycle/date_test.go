package lifecycle

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in, day, raw string
		month        bool
	}{
		{"2026-07-11", "2026-07-11", "2026-07-11", false},
		{"2026-08", "2026-08-31", "2026-08", true},
		{"2024-02", "2024-02-29", "2024-02", true}, // leap year
		{"2025-02", "2025-02-28", "2025-02", true},
		{"2026-12", "2026-12-31", "2026-12", true},
	}
	for _, tt := range tests {
		d, err := ParseDate(tt.in)
		if err != nil || d.String() != tt.day || d.Raw() != tt.raw || d.MonthOnly() != tt.month {
			t.Errorf("%s: got %s/%s/%v, %v", tt.in, d, d.Raw(), d.MonthOnly(), err)
		}
	}
	for _, bad := range []string{"", "2026", "2026-13", "2026-08-32", "August 2026", "2026-8-1", "\x00"} {
		if _, err := ParseDate(bad); !errors.Is(err, ErrBadDate) {
			t.Errorf("%q: err = %v, want ErrBadDate", bad, err)
		}
	}
}

func TestAddMonthsKeepsPrecision(t *testing.T) {
	m, _ := ParseDate("2023-03")
	if got := m.AddMonths(6); got.Raw() != "2023-09" || got.String() != "2023-09-30" {
		t.Errorf("month: %s %s", got.Raw(), got)
	}
	d, _ := ParseDate("2025-01-08")
	if got := d.AddMonths(6); got.String() != "2025-07-08" || got.MonthOnly() {
		t.Errorf("day: %s", got)
	}
}

// A month-precision end of support is the last day of the month: the
// cycle is still supported on that day and over the next.
func TestMonthPrecisionEdgeDays(t *testing.T) {
	eol, _ := ParseDate("2026-08")
	c := &Cycle{Name: "126", EOL: DateBound(eol)}
	tests := []struct {
		at   string
		want State
		days int
	}{
		{"2026-05-01", StateCurrent, 122},
		{"2026-06-02", StateEOLSoon, 90},
		{"2026-08-01", StateEOLSoon, 30},
		{"2026-08-31", StateEOLSoon, 0},
		{"2026-09-01", StateEOL, -1},
	}
	for _, tt := range tests {
		at, _ := time.Parse(time.DateOnly, tt.at)
		got, days := c.StateAt(Day(at), SoonDays)
		if got != tt.want || days != tt.days {
			t.Errorf("%s: got %s (%d days), want %s (%d)", tt.at, got, days, tt.want, tt.days)
		}
	}
}

func TestBoundJSON(t *testing.T) {
	for _, in := range []string{`null`, `true`, `false`, `"2026-07-11"`, `"2026-08"`} {
		var b Bound
		if err := json.Unmarshal([]byte(in), &b); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		out, _ := json.Marshal(b)
		if string(out) != in {
			t.Errorf("%s round-trips to %s", in, out)
		}
	}
	var b Bound
	if err := json.Unmarshal([]byte(`"later"`), &b); !errors.Is(err, ErrBadDate) {
		t.Errorf("bad date: %v", err)
	}
}

func TestBoundOver(t *testing.T) {
	at := Day(time.Date(2026, 11, 28, 15, 0, 0, 0, time.UTC))
	d, _ := ParseDate("2026-11-28")
	tests := []struct {
		b    Bound
		want bool
	}{
		{Bound{}, false},
		{FlagBound(false), false},
		{FlagBound(true), true},
		{DateBound(d), false}, // the date itself is the last day
		{DateBound(d.AddMonths(-1)), true},
	}
	for i, tt := range tests {
		if got := tt.b.Over(at); got != tt.want {
			t.Errorf("%d: got %v", i, got)
		}
	}
}
