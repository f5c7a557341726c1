package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/sync/errgroup"

	"github.com/demarc/demarc/ingest"
	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/ingest/web"
	"github.com/demarc/demarc/internal/reportgen"
	"github.com/demarc/demarc/report"
)

// endpoint is one request to time.
type endpoint struct {
	name, as, path string
}

// result is the timing of one endpoint.
type result struct {
	endpoint
	n        int
	p50, p95 time.Duration
	bytes    int
	status   int
}

// caller sends requests as one principal: a web session or a bearer token.
type caller struct {
	c     *http.Client
	token string
}

func (c caller) get(base, path string) (int, int, error) {
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	if err != nil {
		return 0, 0, err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.c.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, int(n), err
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// session signs a browser-like client in with token through the form.
func session(base, token string) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(base + "/signin")
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfRE.FindSubmatch(body)
	if m == nil {
		return nil, fmt.Errorf("no CSRF token on the sign-in page")
	}
	resp, err = c.PostForm(base+"/signin", url.Values{"csrf": {string(m[1])}, "token": {token}, "next": {"/"}})
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("sign-in: %d", resp.StatusCode)
	}
	return c, nil
}

// server is the real server with the web UI over st, on loopback.
type server struct {
	srv  *ingest.Server
	http *httptest.Server
	as   map[string]caller // admin, viewer (web sessions), admin-api, viewer-api
}

// newServer is the real server over st, its limits off.
func newServer(st store.Store) (*ingest.Server, error) {
	return ingest.New(ingest.Config{Store: st, Log: zerolog.Nop(), RatePerSecond: -1, Retention: -1,
		FleetGaugeTTL: -1, MaxPerToken: -1, MaxPerTenant: -1})
}

// recordBasis starts the server once on the empty store st, which records
// the rules and data it judges on: a server started on the filled store
// then finds the fleet judged on them and re-judges nothing (otherwise it
// replaces every stored finding with its own verdict while the requests
// are timed, and the ingest at size undoes that).
func recordBasis(st store.Store) error {
	srv, err := newServer(st)
	if err != nil {
		return err
	}
	srv.Close()
	return nil
}

func startServer(ctx context.Context, st store.Store, viewerTenant string) (*server, error) {
	srv, err := newServer(st)
	if err != nil {
		return nil, err
	}
	if _, err := web.Mount(srv, web.Config{}); err != nil {
		srv.Close()
		return nil, err
	}
	s := &server{srv: srv, http: httptest.NewServer(srv.Handler()), as: map[string]caller{}}
	now := time.Now()
	for name, spec := range map[string]struct {
		tenant string
		role   store.Role
	}{"admin": {store.AdminTenant, store.RoleAdmin}, "viewer": {viewerTenant, store.RoleViewer}} {
		secret, tok, err := ingest.NewToken(spec.tenant, spec.role, "bench "+name, now)
		if err != nil {
			s.close()
			return nil, err
		}
		if err := st.CreateToken(ctx, tok); err != nil {
			s.close()
			return nil, err
		}
		c, err := session(s.http.URL, secret)
		if err != nil {
			s.close()
			return nil, err
		}
		s.as[name] = caller{c: c}
		s.as[name+"-api"] = caller{c: &http.Client{}, token: secret}
	}
	// A store filled on other rules is re-judged first: nothing is timed
	// while the re-judging writes.
	select {
	case <-srv.RejudgeIdle():
	case <-ctx.Done():
		s.close()
		return nil, ctx.Err()
	}
	return s, nil
}

func (s *server) close() {
	s.http.Close()
	s.srv.Close()
}

// endpoints lists what is timed: every page and read API, as an admin
// and as a viewer of one tenant (hostID and viewerHost: one host each).
func endpoints(hostID, viewerHost string) []endpoint {
	var out []endpoint
	for _, as := range []struct{ who, host string }{{"admin", hostID}, {"viewer", viewerHost}} {
		out = append(out,
			endpoint{"web /", as.who, "/"},
			endpoint{"web /hosts", as.who, "/hosts"},
			endpoint{"web /hosts?responsible=provider&severity=critical", as.who, "/hosts?responsible=provider&severity=critical"},
			endpoint{"web /hosts/{id}", as.who, "/hosts/" + as.host},
			endpoint{"web /findings", as.who, "/findings"},
			endpoint{"web /findings?responsible=provider&severity=critical", as.who, "/findings?responsible=provider&severity=critical"},
			endpoint{"GET /api/v1/summary", as.who + "-api", "/api/v1/summary"},
			endpoint{"GET /api/v1/trend", as.who + "-api", "/api/v1/trend"},
			endpoint{"GET /api/v1/hosts?limit=50", as.who + "-api", "/api/v1/hosts?limit=50"},
			endpoint{"GET /api/v1/hosts/{id}", as.who + "-api", "/api/v1/hosts/" + as.host},
			endpoint{"GET /api/v1/findings?limit=50", as.who + "-api", "/api/v1/findings?limit=50"},
			endpoint{"GET /api/v1/findings?responsible=provider&severity=critical&limit=50", as.who + "-api",
				"/api/v1/findings?responsible=provider&severity=critical&limit=50"},
			endpoint{"web /findings?sla=breached", as.who, "/findings?sla=breached"},
			endpoint{"web /sla", as.who, "/sla"},
			endpoint{"GET /api/v1/sla", as.who + "-api", "/api/v1/sla"},
			endpoint{"GET /api/v1/findings?sla=breached&limit=50", as.who + "-api", "/api/v1/findings?sla=breached&limit=50"},
			endpoint{"GET /api/v1/hosts?format=csv", as.who + "-api", "/api/v1/hosts?format=csv"},
			endpoint{"web /updates", as.who, "/updates"},
			endpoint{"web /updates?sort=oldest", as.who, "/updates?sort=oldest"},
			endpoint{"web /updates?q=openssl", as.who, "/updates?q=openssl"},
			endpoint{"GET /api/v1/updates/packages", as.who + "-api", "/api/v1/updates/packages"},
			endpoint{"GET /api/v1/updates?package=openssl&limit=50", as.who + "-api", "/api/v1/updates?package=openssl&limit=50"},
			endpoint{"GET /api/v1/updates?cve=" + benchCVE + "&limit=50", as.who + "-api", "/api/v1/updates?cve=" + benchCVE + "&limit=50"},
		)
	}
	return append(out, endpoint{"GET /metrics (uncached)", "none", "/metrics"})
}

// measure times each endpoint: one warm-up request, then up to runs
// requests while within budget (at least 3).
func (s *server) measure(eps []endpoint, runs int, budget time.Duration, logf func(string, ...any)) ([]result, error) {
	var out []result
	for _, ep := range eps {
		c, ok := s.as[ep.as]
		if !ok {
			c = caller{c: &http.Client{}}
		}
		r := result{endpoint: ep}
		var err error
		if r.status, r.bytes, err = c.get(s.http.URL, ep.path); err != nil {
			return nil, fmt.Errorf("%s: %w", ep.path, err)
		}
		var ds []time.Duration
		start := time.Now()
		for len(ds) < runs && (len(ds) < 3 || time.Since(start) < budget) {
			t := time.Now()
			if _, _, err := c.get(s.http.URL, ep.path); err != nil {
				return nil, fmt.Errorf("%s: %w", ep.path, err)
			}
			ds = append(ds, time.Since(t))
		}
		slices.Sort(ds)
		r.n, r.p50, r.p95 = len(ds), ds[len(ds)/2], ds[min(len(ds)-1, (len(ds)*95+99)/100-1)]
		logf("  %-72s %-10s %3d  p50 %9s  p95 %9s  %d  %dB", ep.name, ep.as, r.n, ms(r.p50), ms(r.p95), r.status, r.bytes)
		out = append(out, r)
	}
	return out, nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }

// ingestAtSize stores new reports of n existing hosts (batches of
// ingest.DefaultMaxBatch, the server's group commit) and decodes the same
// bodies with the server's decode-only baseline; it returns both rates
// (reports/s).
func ingestAtSize(ctx context.Context, st store.Store, f fleet, n, writers int, profile string) (res ingestResult, err error) {
	var items []store.Incoming
	if f.after, err = ingestClock(ctx, st); err != nil {
		return res, err
	}
	// The hosts are spread over the fleet, as reports arrive: the first n
	// would be the first rows the fill wrote, side by side on disk. More
	// reports than hosts: every host sends several, one round of the
	// fleet after the other.
	hosts := min(n, f.o.hosts)
	stride := f.o.hosts / hosts
	rounds := (n + hosts - 1) / hosts
	byHost := make([][]store.Incoming, hosts)
	for j := range hosts {
		if byHost[j], err = f.reports(j*stride, f.o.reports, f.o.reports+rounds); err != nil {
			return res, err
		}
	}
	for k := range rounds {
		for j := range hosts {
			if len(items) < n {
				items = append(items, byHost[j][k])
			}
		}
	}
	res.rounds = rounds
	t := time.Now()
	for _, it := range items {
		if _, err := ingest.DecodeBaseline(bytes.NewReader(it.Gzip), "gzip", ingest.DefaultLimits); err != nil {
			return res, err
		}
	}
	res.decoded = float64(len(items)) / time.Since(t).Seconds()
	if profile != "" {
		pf, err := os.Create(profile)
		if err != nil {
			return res, err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return res, err
		}
		defer pprof.StopCPUProfile()
	}
	io0 := readProcIO()
	// The server's committer: writers transactions at once, each taking
	// the next batch.
	batches := ingestBatches(len(items), hosts)
	outs := make([][]store.Outcome, len(batches))
	t = time.Now()
	calls, err := timedCalls(ctx, writers, len(batches), func(ctx context.Context, i int) (err error) {
		outs[i], err = st.SaveBatch(ctx, items[batches[i].lo:batches[i].hi])
		return err
	})
	if err != nil {
		return res, err
	}
	res.stored = float64(len(items)) / time.Since(t).Seconds()
	res.io = readProcIO().since(io0, len(items))
	spans := make([]batchSpan, len(calls))
	for i, c := range calls {
		res.batches = append(res.batches, c.end-c.begin)
		spans[i] = batchSpan{batch: batches[i], call: c}
		for _, o := range outs[i] {
			if o.Result != store.Created {
				res.notStored++
			}
		}
	}
	if rounds > 1 {
		res.perRound = roundRates(spans, rounds)
	}
	return res, nil
}

// call is when one store call began and ended, from the start of its run.
type call struct{ begin, end time.Duration }

// timedCalls runs fn(ctx, i) for i in [0, n), writers at a time, each
// writer taking the next i as the server's writers take the next batch,
// and returns each call's times. The first error stops the rest.
func timedCalls(ctx context.Context, writers, n int, fn func(ctx context.Context, i int) error) ([]call, error) {
	calls := make([]call, n)
	t := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(writers, 1))
	for i := range n {
		g.Go(func() error {
			begin := time.Since(t)
			err := fn(gctx, i)
			calls[i] = call{begin: begin, end: time.Since(t)}
			return err
		})
	}
	return calls, g.Wait()
}

// batch is one SaveBatch call's items [lo, hi), all of round round.
type batch struct{ lo, hi, round int }

// ingestBatches cuts n items, rounds of hosts items one after the other,
// into SaveBatch calls of at most ingest.DefaultMaxBatch (the server's
// group commit), none across two rounds: each call's time is one round's.
func ingestBatches(n, hosts int) []batch {
	var out []batch
	for r, lo := 0, 0; lo < n; r, lo = r+1, lo+hosts {
		hi := min(lo+hosts, n)
		for s := lo; s < hi; s += ingest.DefaultMaxBatch {
			out = append(out, batch{lo: s, hi: min(s+ingest.DefaultMaxBatch, hi), round: r})
		}
	}
	return out
}

// batchSpan is one SaveBatch call of the ingest at size: its items and
// when it began and ended, from the ingest's start.
type batchSpan struct {
	batch
	call
}

// roundRates is the rate of each of rounds rounds of the ingest: its
// reports over the time from its first call's start to its last call's
// end (0 for a round no call was timed in). Round 1 reads each host's
// pages; the rounds after it show what the caches keep of them.
func roundRates(spans []batchSpan, rounds int) []float64 {
	out := make([]float64, rounds)
	for r := range out {
		n, begin, end := 0, time.Duration(-1), time.Duration(0)
		for _, sp := range spans {
			if sp.round != r {
				continue
			}
			n += sp.hi - sp.lo
			if begin < 0 || sp.begin < begin {
				begin = sp.begin
			}
			end = max(end, sp.end)
		}
		if n > 0 && end > begin {
			out[r] = float64(n) / (end - begin).Seconds()
		}
	}
	return out
}

// ingestClock is when the reports of the ingest at size arrive: now, or
// an hour after the newest scan stored when that is later (a database
// that an earlier bench dated ahead), so that each becomes its host's
// state as a new report does.
func ingestClock(ctx context.Context, st store.Store) (time.Time, error) {
	at := time.Now().UTC().Truncate(time.Millisecond)
	p, err := st.Hosts(ctx, store.AllTenants(), store.HostFilter{Sort: "-scanned_at"}, store.Page{Limit: 1})
	if err != nil {
		return at, fmt.Errorf("newest scan: %w", err)
	}
	if len(p.Hosts) > 0 {
		if newest := p.Hosts[0].ScannedAt.Add(time.Hour); newest.After(at) {
			at = newest
		}
	}
	return at, nil
}

// ingestResult is the ingest at size: reports/s stored and decoded, and
// the process's I/O per stored report.
type ingestResult struct {
	stored, decoded float64
	// rounds is how many reports a host sent (the next -reuse run needs
	// -reports raised by as many).
	rounds int
	io     procIO
	// notStored counts the reports the store did not store (a -reuse run
	// with the -reports of an earlier one replays its report ids: each is
	// a duplicate or a conflict).
	notStored int
	// batches are the SaveBatch calls' durations.
	batches []time.Duration
	// perRound is the rate of each round over the fleet (more reports
	// than hosts).
	perRound []float64
}

// procIO is this process's I/O as /proc/self/io counts it: bytes and
// calls of read and write system calls, files and sockets alike (ok false
// where the file is missing).
type procIO struct {
	rchar, wchar, syscr, syscw float64
	ok                         bool
}

func readProcIO() procIO {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return procIO{}
	}
	p := procIO{ok: true}
	for line := range strings.Lines(string(b)) {
		k, v, _ := strings.Cut(strings.TrimSpace(line), ": ")
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			continue
		}
		switch k {
		case "rchar":
			p.rchar = n
		case "wchar":
			p.wchar = n
		case "syscr":
			p.syscr = n
		case "syscw":
			p.syscw = n
		}
	}
	return p
}

// since is the I/O from before to p, per one of n items.
func (p procIO) since(before procIO, n int) procIO {
	if !p.ok || !before.ok || n == 0 {
		return procIO{}
	}
	d := float64(n)
	return procIO{rchar: (p.rchar - before.rchar) / d, wchar: (p.wchar - before.wchar) / d,
		syscr: (p.syscr - before.syscr) / d, syscw: (p.syscw - before.syscw) / d, ok: true}
}

// benchCVE is a CVE id of the simulated advisories (reportgen's), pending
// on the dnf hosts that list the package it is drawn for.
var benchCVE = func() string {
	p := report.Package{Name: "openssl", Security: true}
	reportgen.SimAdvisory(&p)
	return p.CVEs[0]
}()
