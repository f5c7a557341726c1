package store

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/report"
)

func TestAckCheck(t *testing.T) {
	now := time.Date(2026, 12, 2, 18, 0, 0, 0, time.UTC)
	ok := Ack{HostID: "h", FindingID: "f", Reason: "migration in March", By: "admin", ExpiresAt: now.Add(24 * time.Hour)}
	for _, c := range []struct {
		name string
		mod  func(*Ack)
		want string
	}{
		{"ok", func(*Ack) {}, ""},
		{"group", func(a *Ack) { a.HostID, a.FindingID, a.Product = "", "", "PHP" }, ""},
		{"no reason", func(a *Ack) { a.Reason = " \t" }, "reason: required"},
		{"long reason", func(a *Ack) { a.Reason = strings.Repeat("é", MaxAckReason+1) }, "at most 500"},
		{"500 runes", func(a *Ack) { a.Reason = strings.Repeat("é", MaxAckReason) }, ""},
		{"bad UTF-8", func(a *Ack) { a.Reason = "\xff" }, "UTF-8"},
		{"two lines", func(a *Ack) { a.Reason = "a\nb" }, "one line"},
		{"no expiry", func(a *Ack) { a.ExpiresAt = time.Time{} }, "expires: required"},
		{"now", func(a *Ack) { a.ExpiresAt = now }, "in the future"},
		{"past", func(a *Ack) { a.ExpiresAt = now.Add(-time.Hour) }, "in the future"},
		{"a year", func(a *Ack) { a.ExpiresAt = now.Add(MaxAckTerm) }, ""},
		{"beyond a year", func(a *Ack) { a.ExpiresAt = now.Add(MaxAckTerm + time.Second) }, "at most a year"},
		{"nobody", func(a *Ack) { a.By = "" }, "acknowledger"},
		{"host alone", func(a *Ack) { a.FindingID = "" }, "both or neither"},
		{"empty group", func(a *Ack) { a.HostID, a.FindingID = "", "" }, "product: required"},
		{"long id", func(a *Ack) { a.HostID = strings.Repeat("h", 257) }, "256 bytes"},
	} {
		a := ok
		c.mod(&a)
		err := a.Check(now)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, ErrInvalid)):
			t.Errorf("%s: %v, want ErrInvalid saying %q", c.name, err, c.want)
		}
	}
}

func TestAckCovers(t *testing.T) {
	now := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	f := Finding{Finding: report.Finding{ID: "php-eol", Product: "PHP", Cycle: "7.4", Responsible: report.ResponsibleCustomer}, HostID: "h1", Tenant: "acme"}
	g := FindingGroup{Product: "PHP", Cycle: "7.4", Responsible: report.ResponsibleCustomer}
	for _, c := range []struct {
		name       string
		a          Ack
		f, g, live bool
	}{
		{"one finding", Ack{Tenant: "acme", HostID: "h1", FindingID: "php-eol"}, true, false, true},
		{"another host", Ack{Tenant: "acme", HostID: "h2", FindingID: "php-eol"}, false, false, true},
		{"fleet group", Ack{Product: "php", Cycle: "7.4"}, true, true, true},
		{"tenant group", Ack{Tenant: "acme", Product: "PHP", Cycle: "7.4"}, true, true, true},
		{"other tenant's group", Ack{Tenant: "globex", Product: "PHP", Cycle: "7.4"}, false, false, true},
		{"other cycle", Ack{Product: "PHP", Cycle: "8.1"}, false, false, true},
		{"provider's group", Ack{Product: "PHP", Cycle: "7.4", Responsible: report.ResponsibleProvider}, false, false, true},
		{"withdrawn", Ack{Product: "PHP", Cycle: "7.4", WithdrawnAt: &now}, true, true, false},
	} {
		c.a.ExpiresAt = now.Add(time.Hour)
		if got := c.a.Covers(&f); got != c.f {
			t.Errorf("%s: Covers = %v", c.name, got)
		}
		if got := c.a.CoversGroup(&g, "acme"); got != c.g {
			t.Errorf("%s: CoversGroup = %v", c.name, got)
		}
		if got := c.a.Live(now); got != c.live {
			t.Errorf("%s: Live = %v", c.name, got)
		}
		if c.a.Live(now.Add(time.Hour)) {
			t.Errorf("%s: live at its expiry", c.name)
		}
	}
}

// FuzzAckCheck: Check never panics, and what it accepts is bounded.
func FuzzAckCheck(f *testing.F) {
	f.Add("migration in March", "h", "f", "", int64(3600))
	f.Add("", "", "", "PHP", int64(-1))
	f.Add("a\x00b", "h", "", "x", int64(1<<40))
	now := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, reason, host, finding, product string, secs int64) {
		a := Ack{Reason: reason, HostID: host, FindingID: finding, Product: product, By: "x", ExpiresAt: now.Add(time.Duration(secs) * time.Second)}
		if a.Check(now) != nil {
			return
		}
		if a.Reason == "" || len([]rune(a.Reason)) > MaxAckReason || !a.ExpiresAt.After(now) || a.ExpiresAt.Sub(now) > MaxAckTerm {
			t.Fatalf("accepted %+v", a)
		}
	})
}
