package web

import (
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/demarc/demarc/ingest/store"
)

// chart is an SVG line chart of open findings per party over time, laid out
// here and drawn by the "chart" template: numbers only, so nothing stored
// reaches the SVG.
type chart struct {
	W, H                     int
	Left, Right, Top, Bottom float64
	YTicks, XTicks           []tick
	Series                   []series
	Points                   []store.TrendPoint
	Days                     int
	Summary                  string
}

type tick struct {
	X, Y  float64
	Label string
}

type series struct {
	Name, Class string
	Line, Area  string
	LastX       float64
	LastY       float64
	LabelY      float64
	First, Last int64
}

// trendChart reads the open findings per party at each UTC midnight over
// the configured span, ending with the last one (the store reads those
// from its fleet trend, not from every finding).
func (u *UI) trendChart(r *http.Request, v *view) (chart, error) {
	days := u.cfg.TrendDays
	end := v.Now.UTC().Truncate(24 * time.Hour)
	at := make([]time.Time, days+1)
	for i := range at {
		at[i] = end.Add(-time.Duration(days-i) * 24 * time.Hour)
	}
	pts, err := u.st.Trend(r.Context(), v.P.Scope(), at)
	if err != nil {
		return chart{}, err
	}
	// A young fleet: start the chart on the day of its first findings
	// (showing a week at least).
	first := 0
	for first < len(pts)-8 && pts[first].Provider+pts[first].Customer == 0 {
		first++
	}
	return layoutChart(pts[first:], len(pts)-1-first), nil
}

// layoutChart places the points in a 760×280 view box.
func layoutChart(pts []store.TrendPoint, days int) chart {
	c := chart{W: 760, H: 280, Left: 70, Right: 680, Top: 16, Bottom: 244, Points: pts, Days: days}
	var top int64
	for _, p := range pts {
		top = max(top, p.Provider, p.Customer)
	}
	step := niceStep(top)
	yMax := step * int64(math.Ceil(float64(max(top, 1))/float64(step)))
	y := func(n int64) float64 { return c.Bottom - (c.Bottom-c.Top)*float64(n)/float64(yMax) }
	x := func(i int) float64 {
		if len(pts) < 2 {
			return c.Right
		}
		return c.Left + (c.Right-c.Left)*float64(i)/float64(len(pts)-1)
	}
	for n := int64(0); n <= yMax; n += step {
		c.YTicks = append(c.YTicks, tick{X: c.Left, Y: y(n), Label: num(n)})
	}
	for i := len(pts) - 1; i >= 0; i -= 7 {
		c.XTicks = append(c.XTicks, tick{X: x(i), Y: c.Bottom, Label: pts[i].At.Format("2 Jan")})
	}
	for _, s := range []struct {
		name, class string
		val         func(store.TrendPoint) int64
	}{
		{"Provider", "provider", func(p store.TrendPoint) int64 { return p.Provider }},
		{"Customers", "customer", func(p store.TrendPoint) int64 { return p.Customer }},
	} {
		var line strings.Builder
		for i, p := range pts {
			cmd := "L"
			if i == 0 {
				cmd = "M"
			}
			fmt.Fprintf(&line, "%s%.1f %.1f ", cmd, x(i), y(s.val(p)))
		}
		se := series{Name: s.name, Class: s.class, Line: strings.TrimSpace(line.String())}
		if len(pts) > 0 {
			se.First, se.Last = s.val(pts[0]), s.val(pts[len(pts)-1])
			se.LastX, se.LastY = x(len(pts)-1), y(se.Last)
			se.Area = fmt.Sprintf("%s L%.1f %.1f L%.1f %.1f Z", se.Line, se.LastX, c.Bottom, x(0), c.Bottom)
		}
		se.LabelY = se.LastY + 4
		c.Series = append(c.Series, se)
	}
	// Keep the two end labels apart.
	if len(c.Series) == 2 && math.Abs(c.Series[0].LabelY-c.Series[1].LabelY) < 14 {
		hi, lo := &c.Series[0], &c.Series[1]
		if hi.LabelY > lo.LabelY {
			hi, lo = lo, hi
		}
		mid := (hi.LabelY + lo.LabelY) / 2
		hi.LabelY, lo.LabelY = mid-7, mid+7
	}
	if len(pts) > 0 {
		p, cu := c.Series[0], c.Series[1]
		c.Summary = fmt.Sprintf("Over the last %d days the provider's open findings went from %s to %s and the customers' from %s to %s.",
			days, num(p.First), num(p.Last), num(cu.First), num(cu.Last))
	}
	return c
}

// niceStep is a round tick interval giving four to eight ticks up to top.
func niceStep(top int64) int64 {
	if top <= 4 {
		return 1
	}
	raw := float64(top) / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if raw <= m*mag {
			return max(1, int64(m*mag))
		}
	}
	return int64(10 * mag)
}
