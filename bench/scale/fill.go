package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/internal/reportgen"
	"github.com/demarc/demarc/report"
)

// fleet names the simulated hosts: host i is reportgen host seed i+1 of
// tenant i mod tenants, its reports a day apart ending at end.
type fleet struct {
	o   options
	end time.Time
	// after, when set, is when the reports past the fill (k >= o.reports:
	// the ingest at size) arrive, a few minutes after their scans. It is
	// the ingest's own clock, as the server stamps received_at: a run
	// with -reuse and a higher -reports then sends every host a report
	// received after its stored state (reports dated from the fill's end
	// would tie with an earlier run's and, by report id, half would not
	// become their host's state).
	after time.Time
}

func (f fleet) tenant(i int) string { return fmt.Sprintf("tenant-%02d", i%f.o.tenants) }

func (f fleet) host(i int) *reportgen.Host {
	h := reportgen.NewHost(uint64(i)+1, i, f.tenant(i), f.o.findings, 0.2)
	if f.o.pending > 0 {
		h.WithUpdates(f.o.pending/2, f.o.pending)
	}
	return h
}

// scanAt is when host i's report k was scanned: a day apart, spread over
// six hours by host.
func (f fleet) scanAt(i, k int) time.Time {
	if k >= f.o.reports && !f.after.IsZero() {
		// A host's later reports of one ingest (more reports than hosts)
		// a minute apart.
		return f.after.Add(time.Duration(k-f.o.reports-1)*time.Minute - time.Duration(i%360)*time.Second)
	}
	back := time.Duration(f.o.reports-1-k) * 24 * time.Hour
	return f.end.Add(-back - time.Duration(i%360)*time.Minute)
}

// reports builds reports k0..k1-1 of host i (report k0 needs the k0
// before it generated, for the drift).
func (f fleet) reports(i, k0, k1 int) ([]store.Incoming, error) {
	h := f.host(i)
	var out []store.Incoming
	for k := range k1 {
		r := h.Next(f.scanAt(i, k))
		if k < k0 {
			continue
		}
		in, err := incoming(f.tenant(i), r, f.scanAt(i, k).Add(time.Minute), f.o.derive)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, nil
}

// incoming wraps a report as the server stores it.
// With derive, what the store derives from the report comes along, as
// the ingest handler computes it.
func incoming(tenant string, r *report.Report, received time.Time, derive bool) (store.Incoming, error) {
	body, err := json.Marshal(r)
	if err != nil {
		return store.Incoming{}, err
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(body); err != nil {
		return store.Incoming{}, err
	}
	if err := zw.Close(); err != nil {
		return store.Incoming{}, err
	}
	in := store.Incoming{Report: r}
	in.Tenant, in.Gzip, in.SHA256, in.ReceivedAt = tenant, buf.Bytes(), sha256.Sum256(body), received.UTC()
	if derive {
		if in.Derived, err = store.Derive(r); err != nil {
			return store.Incoming{}, err
		}
	}
	return in, nil
}

// chunk is the reports of a run of hosts, by round: each round is one
// SaveBatch, round k after round k-1.
type chunk [][]store.Incoming

// fill stores every host's reports with SaveBatch, o.batch hosts per
// transaction, generating on all cores but one while the store writes.
func fill(ctx context.Context, st store.Store, f fleet, progress func(done int)) error {
	jobs := make(chan int)
	out := make(chan chunk, 2)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for range max(runtime.NumCPU()-1, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for start := range jobs {
				c := make(chunk, f.o.reports)
				for i := start; i < min(start+f.o.batch, f.o.hosts); i++ {
					rs, err := f.reports(i, 0, f.o.reports)
					if err != nil {
						select {
						case errs <- err:
						default:
						}
						return
					}
					for k, r := range rs {
						c[k] = append(c[k], r)
					}
				}
				out <- c
			}
		}()
	}
	go func() {
		for start := 0; start < f.o.hosts; start += f.o.batch {
			jobs <- start
		}
		close(jobs)
		wg.Wait()
		close(out)
	}()
	done := 0
	for c := range out {
		for _, round := range c {
			res, err := st.SaveBatch(ctx, round)
			if err != nil {
				return fmt.Errorf("fill: %w", err)
			}
			for i, r := range res {
				if r.Result != store.Created {
					return fmt.Errorf("fill: report %s: %v", round[i].Report.ReportID, r.Result)
				}
			}
		}
		done += len(c[0])
		progress(done)
	}
	select {
	case err := <-errs:
		return err
	default:
	}
	return nil
}
