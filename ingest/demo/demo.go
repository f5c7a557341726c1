package demo

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/demarc/demarc/ingest"
	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/rules"
)

// Options shape the simulated fleet. Zero values take the defaults.
type Options struct {
	// Seed makes the fleet reproducible (default 1).
	Seed uint64
	// Hosts is the size of the fleet at the end (default 300).
	Hosts int
	// Days of history, one scan per host a day (default 30).
	Days int
	// Tenants are the customers the hosts belong to, the first the largest
	// (default DefaultTenants).
	Tenants []string
	// End is when the last day's scans end (default now).
	End time.Time
	// Log receives the server's warnings while filling.
	Log zerolog.Logger
}

// DefaultTenants are the demo's customers.
var DefaultTenants = []string{"acme", "globex", "initech", "umbrella", "hooli", "wonka"}

func (o *Options) defaults() {
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Hosts <= 0 {
		o.Hosts = 300
	}
	if o.Days <= 0 {
		o.Days = 30
	}
	if len(o.Tenants) == 0 {
		o.Tenants = DefaultTenants
	}
	if o.End.IsZero() {
		o.End = time.Now()
	}
	o.End = o.End.UTC().Truncate(time.Second)
}

// Result says what Fill stored.
type Result struct {
	Hosts, Reports, Days int
	// Records is how many hosts the provider has a record of.
	Records int
	// HostIDs lists the hosts by tenant.
	HostIDs map[string][]string
}

// ErrNotEmpty is returned when the store already holds hosts or tokens.
var ErrNotEmpty = errors.New("the database is not empty: the demo fills a fresh one")

// Fill stores the history of a simulated fleet in st, a migrated, empty
// store. Each simulated host shows what one of scan's fixture hosts
// showed (its OS, kernel, software and pending updates), under a name of
// its own, changing day by day as updates come out and are installed.
// The provider's records of most hosts are stored first (a few hosts
// have none, a few claim another tier in their agent.yaml). Then, day
// after day, each host's report, with the findings its own agent would
// make of its claimed profile, is posted to an ingest.Server over st with
// an agent token of its tenant, exactly as agents post them (gzip JSON,
// validation, group commit): the server judges the observations with its
// own rules and the records, so the demo can never contradict the
// scanner, and first seen, last seen and resolved times are the server's
// own. The agent tokens are left in the store (named "demo agent").
func Fill(ctx context.Context, st store.Store, o Options) (Result, error) {
	o.defaults()
	if err := empty(ctx, st); err != nil {
		return Result{}, err
	}
	tokens := map[string]string{}
	for _, t := range o.Tenants {
		secret, tok, err := ingest.NewToken(t, store.RoleAgent, "demo agent", o.End)
		if err != nil {
			return Result{}, err
		}
		if err := st.CreateToken(ctx, tok); err != nil {
			return Result{}, fmt.Errorf("create demo token: %w", err)
		}
		tokens[t] = secret
	}
	engine, err := rules.NewEngine(rules.Options{})
	if err != nil {
		return Result{}, err
	}
	tl := newTimeline(o.Days)
	hosts := fleet(o, tl)
	res := Result{Hosts: len(hosts), Days: o.Days, HostIDs: map[string][]string{}}
	for _, h := range hosts {
		res.HostIDs[h.tenant] = append(res.HostIDs[h.tenant], h.id)
	}
	start := o.End.Add(-time.Duration(o.Days) * 24 * time.Hour)
	if res.Records, err = putRecords(ctx, st, hosts, start); err != nil {
		return res, err
	}
	var clock atomic.Int64
	srv, err := ingest.New(ingest.Config{
		Store: st, Log: o.Log, RatePerSecond: -1, Retention: -1, TokenCacheTTL: time.Minute,
		// The simulated hosts post with their tenant's agent token, as
		// agents did before enrollment.
		AgentTokenReports: true,
		Now:               func() time.Time { return time.Unix(0, clock.Load()).UTC() },
	})
	if err != nil {
		return res, err
	}
	defer srv.Close()
	for d := range o.Days {
		dayEnd := o.End.Add(-time.Duration(o.Days-1-d) * 24 * time.Hour)
		clock.Store(dayEnd.UnixNano())
		n, err := postDay(ctx, srv.Handler(), engine, hosts, tokens, d, dayEnd)
		res.Reports += n
		if err != nil {
			return res, fmt.Errorf("day %d: %w", d+1, err)
		}
	}
	return res, nil
}

// putRecords stores the provider's records of the recorded hosts, as an
// import made before the first day would.
func putRecords(ctx context.Context, st store.Store, hosts []*simHost, at time.Time) (int, error) {
	dcs := []string{"FRA1", "AMS2", "LON1"}
	var recs []store.HostRecord
	for i, h := range hosts {
		if !h.recorded {
			continue
		}
		recs = append(recs, store.HostRecord{
			HostID: h.id, Tenant: h.tenant, Tier: h.tier, CustomerManagedVirtualisation: h.t.CustomerManagedVirtualisation,
			Customer: h.tenant, Contract: fmt.Sprintf("C-%05d", 10000+i), DataCentre: dcs[i%len(dcs)],
		})
	}
	for batch := range slices.Chunk(recs, 1000) {
		if _, err := st.PutHostRecords(ctx, batch, "demo (provider's records)", at); err != nil {
			return 0, fmt.Errorf("store the demo's host records: %w", err)
		}
	}
	return len(recs), nil
}

func empty(ctx context.Context, st store.Store) error {
	toks, err := st.Tokens(ctx)
	if err != nil {
		return err
	}
	n, err := st.CountHosts(ctx, store.AllTenants(), store.HostFilter{})
	if err != nil {
		return err
	}
	if len(toks) > 0 || n > 0 {
		return ErrNotEmpty
	}
	return nil
}

// fleet builds the hosts, spread over the tenants unevenly (the first
// tenant is the largest customer), each from a fixture host.
func fleet(o Options, tl timeline) []*simHost {
	rng := rand.New(rand.NewPCG(o.Seed, 0x5eed))
	weights := make([]float64, len(o.Tenants))
	var total float64
	for i := range weights {
		weights[i] = 1 / float64(i+2)
		total += weights[i]
	}
	// Every fixture host in turn, in a shuffled order: a fleet of at
	// least as many hosts shows each of them.
	order := rng.Perm(len(templates))
	hosts := make([]*simHost, o.Hosts)
	for i := range hosts {
		x, t := rng.Float64()*total, 0
		for t < len(weights)-1 && x > weights[t] {
			x -= weights[t]
			t++
		}
		hosts[i] = newSimHost(o.Seed, i, o.Tenants[t], &templates[order[i%len(order)]], tl)
	}
	return hosts
}

// postDay posts every active host's report of day d, 16 at a time (so
// that the server commits them in groups), and returns how many it stored.
func postDay(ctx context.Context, h http.Handler, engine *rules.Engine, hosts []*simHost, tokens map[string]string, d int, dayEnd time.Time) (int, error) {
	work := make(chan *simHost)
	var (
		mu     sync.Mutex
		posted int
		first  error
		wg     sync.WaitGroup
	)
	for range 16 {
		wg.Go(func() {
			for sh := range work {
				err := post(ctx, h, tokens[sh.tenant], sh.report(engine, d, dayEnd.Add(-sh.offset)))
				mu.Lock()
				if err != nil && first == nil {
					first = err
				} else if err == nil {
					posted++
				}
				mu.Unlock()
			}
		})
	}
	for _, sh := range hosts {
		if d < sh.enrol || d > sh.last {
			continue
		}
		select {
		case work <- sh:
		case <-ctx.Done():
			close(work)
			wg.Wait()
			return posted, ctx.Err()
		}
	}
	close(work)
	wg.Wait()
	return posted, first
}

// post sends one report as an agent does and expects 202.
func post(ctx context.Context, h http.Handler, token string, r any) error {
	body, err := json.Marshal(r)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(body); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "/api/v1/reports", &buf)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("Authorization", "Bearer "+token)
	rec := &recorder{hdr: http.Header{}}
	h.ServeHTTP(rec, req)
	if rec.code != http.StatusAccepted {
		return fmt.Errorf("report refused: %d %s", rec.code, bytes.TrimSpace(rec.body.Bytes()))
	}
	return nil
}

// recorder is the response of a request served in process.
type recorder struct {
	hdr  http.Header
	code int
	body bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.hdr }

func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}
