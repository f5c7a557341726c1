package web

import (
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest/store"
)

func TestNiceStep(t *testing.T) {
	for top, want := range map[int64]int64{0: 1, 3: 1, 9: 2, 40: 10, 493: 100, 2652: 1000, 12000: 2500, 999_999: 200_000} {
		if got := niceStep(top); got != want {
			t.Errorf("niceStep(%d) = %d, want %d", top, got, want)
		}
	}
}

func TestLayoutChart(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	var pts []store.TrendPoint
	for i := range 29 {
		pts = append(pts, store.TrendPoint{At: t0.Add(time.Duration(i) * 24 * time.Hour), Provider: int64(1000 - 20*i), Customer: int64(500 + 10*i)})
	}
	c := layoutChart(pts, 28)
	if len(c.Series) != 2 || c.Series[0].First != 1000 || c.Series[0].Last != 440 || c.Series[1].Last != 780 {
		t.Fatalf("series %+v", c.Series)
	}
	if n := strings.Count(c.Series[0].Line, "L"); n != 28 {
		t.Errorf("provider line has %d segments", n)
	}
	for _, s := range c.Series {
		if s.LastX != c.Right || s.LastY < c.Top || s.LastY > c.Bottom {
			t.Errorf("%s ends at %v,%v outside the plot", s.Name, s.LastX, s.LastY)
		}
	}
	if c.YTicks[0].Label != "0" || c.YTicks[len(c.YTicks)-1].Y < c.Top-0.01 || len(c.XTicks) != 5 || c.XTicks[0].Label != "29 Nov" {
		t.Errorf("ticks %+v %+v", c.YTicks, c.XTicks)
	}
	if !strings.Contains(c.Summary, "from 1,000 to 440") {
		t.Errorf("summary %q", c.Summary)
	}
	empty := layoutChart([]store.TrendPoint{{At: t0}}, 0)
	if len(empty.Series) != 2 || empty.YTicks[len(empty.YTicks)-1].Label != "1" {
		t.Errorf("one empty point: %+v", empty)
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"": "/", "/hosts?tier=iaas": "/hosts?tier=iaas", "https://evil.example/": "/", "//evil.example": "/",
		"/\\evil.example": "/", "http:/x": "/", "/signin?next=/": "/", "/a\r\nSet-Cookie: x": "/", "hosts": "/",
	} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}
