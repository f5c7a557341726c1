package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ingestRoute is the metrics label of POST /api/v1/reports.
const ingestRoute = `route="/api/v1/reports"`

// histogram is a Prometheus histogram's cumulative buckets.
type histogram struct {
	le    []float64 // upper bounds, ascending, +Inf last
	count []float64 // cumulative counts per bound
}

// quantile estimates the q-quantile by linear interpolation inside the
// bucket that holds it, as Prometheus's histogram_quantile does.
func (h histogram) quantile(q float64) time.Duration {
	if len(h.count) == 0 || h.count[len(h.count)-1] == 0 {
		return 0
	}
	rank := q * h.count[len(h.count)-1]
	lo, below := 0.0, 0.0
	for i, c := range h.count {
		if c >= rank {
			hi := h.le[i]
			if i == len(h.le)-1 { // +Inf: the last finite bound is all we know
				hi = lo
			}
			frac := 0.0
			if c > below {
				frac = (rank - below) / (c - below)
			}
			return time.Duration((lo + (hi-lo)*frac) * float64(time.Second))
		}
		lo, below = h.le[i], c
	}
	return 0
}

// within returns the share of observations at or under the bound le.
func (h histogram) within(le float64) float64 {
	if len(h.count) == 0 || h.count[len(h.count)-1] == 0 {
		return 0
	}
	for i, b := range h.le {
		if b == le {
			return h.count[i] / h.count[len(h.count)-1]
		}
	}
	return 0
}

func (h histogram) total() float64 {
	if len(h.count) == 0 {
		return 0
	}
	return h.count[len(h.count)-1]
}

// scraper reads the server's ingest latency histogram every second and
// keeps each interval's increase; classify then sorts the intervals by
// whether they met a fault window (known once the faults are over). A
// restarted server starts from zero: its first scrape counts whole, in the
// interval since the last good scrape (which meets the restart's window).
type scraper struct {
	url  func() string
	pid  func() int
	wins *windows

	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	prev    histogram
	prevAt  time.Time
	prevCPU cpuSample
	rows    []latencyRow
	// keys is demarc_host_keys_issued_total summed over the server's
	// lives (each restart counts from zero); keysPrev its last reading.
	keys, keysPrev float64
}

// latencyRow is one scrape interval.
type latencyRow struct {
	from, to              time.Time
	d                     histogram // the requests answered in the interval
	class                 string    // set by classify
	server, fleet, others float64   // CPU, % of one core
}

// settle is how long after a fault ends the agents' catch-up (every
// spool draining at once) counts as the fault's in the steady figure.
const settle = 15 * time.Second

// start scrapes until stop.
func (s *scraper) start() {
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel, s.done = cancel, make(chan struct{})
	go func() {
		defer close(s.done)
		s.run(ctx)
	}()
}

// stop ends the scraping and waits for it; it may be called twice.
func (s *scraper) stop() {
	if s.cancel != nil {
		s.cancel()
		<-s.done
	}
}

func (s *scraper) run(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	client := &http.Client{Timeout: 900 * time.Millisecond}
	for {
		select {
		case <-ctx.Done():
			// A last reading of the counters, for what the final flush
			// did since the last tick.
			if _, keys, ok := scrape(client, s.url()); ok {
				s.addKeys(keys)
			}
			return
		case now := <-t.C:
			cpu := sampleCPU(s.pid())
			h, keys, ok := scrape(client, s.url())
			if !ok {
				// Down or slow to answer: the next scrape's interval
				// spans this one (a restart shows as counts going down).
				continue
			}
			s.add(h, now, cpu)
			s.addKeys(keys)
		}
	}
}

// addKeys adds the keys issued since the last reading; a reading below
// the last one is a restarted server, counting from zero. Keys issued in
// the last second of a server SIGKILLed are missed: the sum is a lower
// bound.
func (s *scraper) addKeys(v float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v >= s.keysPrev {
		s.keys += v - s.keysPrev
	} else {
		s.keys += v
	}
	s.keysPrev = v
}

// keysIssued is the server's count of host keys handed out in answers.
func (s *scraper) keysIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return int(s.keys)
}

func (s *scraper) add(h histogram, now time.Time, cpu cpuSample) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := h
	if len(s.prev.count) == len(h.count) && h.total() >= s.prev.total() {
		d = histogram{le: h.le, count: make([]float64, len(h.count))}
		for i := range h.count {
			d.count[i] = h.count[i] - s.prev.count[i]
		}
	}
	if !s.prevAt.IsZero() {
		row := latencyRow{from: s.prevAt, to: now, d: d}
		row.server, row.fleet, row.others = usage(s.prevCPU, cpu, now.Sub(s.prevAt).Seconds())
		s.rows = append(s.rows, row)
	}
	s.prev, s.prevAt, s.prevCPU = h, now, cpu
}

func addTo(dst *histogram, d histogram) {
	if len(dst.count) == 0 {
		dst.le, dst.count = d.le, make([]float64, len(d.count))
	}
	if len(dst.count) == len(d.count) {
		for i := range d.count {
			dst.count[i] += d.count[i]
		}
	}
}

// classify sorts the intervals: fault (met a fault window), settling
// (within settle after one), clean. It returns the latency outside fault
// windows, in the steady state (clean only) and during faults, and the
// mean CPU other processes used in the steady state.
func (s *scraper) classify() (outside, steady, fault histogram, othersCPU float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for i := range s.rows {
		r := &s.rows[i]
		switch {
		case s.wins.overlaps(r.from, r.to, 0):
			r.class = "fault"
			addTo(&fault, r.d)
		case s.wins.overlaps(r.from, r.to, settle):
			r.class = "settling"
			addTo(&outside, r.d)
		default:
			r.class = "clean"
			addTo(&outside, r.d)
			addTo(&steady, r.d)
			othersCPU += r.others
			n++
		}
	}
	if n > 0 {
		othersCPU /= float64(n)
	}
	return outside, steady, fault, othersCPU
}

// writeCSV writes the per-second timeline of ingest latency.
func (s *scraper) writeCSV(path string, t0 time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	b.WriteString("seconds,requests,p50_ms,p99_ms,class,cpu_server_pct,cpu_simulation_pct,cpu_others_pct\n")
	for _, r := range s.rows {
		fmt.Fprintf(&b, "%.1f,%.0f,%.1f,%.1f,%s,%.0f,%.0f,%.0f\n", r.to.Sub(t0).Seconds(), r.d.total(),
			float64(r.d.quantile(0.5).Microseconds())/1000, float64(r.d.quantile(0.99).Microseconds())/1000, r.class, r.server, r.fleet, r.others)
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

// keysIssuedMetric counts the host keys the server handed out (rotation).
const keysIssuedMetric = "demarc_host_keys_issued_total "

// scrape reads the ingest route's latency buckets and the host keys
// issued from /metrics.
func scrape(c *http.Client, url string) (h histogram, keys float64, ok bool) {
	resp, err := c.Get(url)
	if err != nil {
		return histogram{}, 0, false
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if v, found := strings.CutPrefix(line, keysIssuedMetric); found {
			keys, _ = strconv.ParseFloat(strings.TrimSpace(v), 64)
			continue
		}
		if !strings.HasPrefix(line, "demarc_http_request_duration_seconds_bucket{") || !strings.Contains(line, ingestRoute) {
			continue
		}
		_, rest, _ := strings.Cut(line, `le="`)
		le, rest, _ := strings.Cut(rest, `"`)
		f := strings.Fields(rest)
		if len(f) == 0 {
			continue
		}
		v, err1 := strconv.ParseFloat(f[len(f)-1], 64)
		b, err2 := strconv.ParseFloat(le, 64) // "+Inf" parses as +Inf
		if err1 != nil || err2 != nil {
			continue
		}
		h.le, h.count = append(h.le, b), append(h.count, v)
	}
	return h, keys, resp.StatusCode == http.StatusOK && len(h.le) > 0
}

// sample is one acknowledged delivery as the agent saw it.
type sample struct {
	start, end time.Time
}

// samples are the agents' acknowledged deliveries.
type samples struct {
	mu   sync.Mutex
	list []sample
}

func (s *samples) add(start, end time.Time) {
	s.mu.Lock()
	s.list = append(s.list, sample{start, end})
	s.mu.Unlock()
}

// split returns the p50 and p99 of deliveries that met no fault window
// (clean) and of all of them, and how many were clean.
func (s *samples) split(w *windows) (clean, all [2]time.Duration, nClean, nAll int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var c, a []time.Duration
	for _, x := range s.list {
		d := x.end.Sub(x.start)
		a = append(a, d)
		if !w.overlaps(x.start, x.end, 0) {
			c = append(c, d)
		}
	}
	return pcts(c), pcts(a), len(c), len(a)
}

func pcts(d []time.Duration) [2]time.Duration {
	if len(d) == 0 {
		return [2]time.Duration{}
	}
	slices.Sort(d)
	return [2]time.Duration{d[len(d)*50/100], d[min(len(d)-1, len(d)*99/100)]}
}
