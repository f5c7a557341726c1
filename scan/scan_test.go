package scan

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/config"
	"github.com/demarc/demarc/ingest"
	"github.com/demarc/demarc/internal/execx"
	"github.com/demarc/demarc/internal/hostfs"
	"github.com/demarc/demarc/report"
	"github.com/demarc/demarc/rules"
)

type fakeCollector struct {
	name string
	fn   func(ctx context.Context) (collectors.Result, error)
}

func (f fakeCollector) Name() string                                           { return f.name }
func (f fakeCollector) Sources() collectors.Sources                            { return collectors.Sources{} }
func (f fakeCollector) Collect(ctx context.Context) (collectors.Result, error) { return f.fn(ctx) }

func registry(cs ...collectors.Collector) func(collectors.Deps, config.CollectorsConfig) []collectors.Collector {
	return func(collectors.Deps, config.CollectorsConfig) []collectors.Collector { return cs }
}

func opts(t *testing.T, cs ...collectors.Collector) Options {
	t.Helper()
	eng, err := rules.NewEngine(rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return Options{
		Root:     hostfs.Live(),
		Runner:   execx.NewFake(),
		Log:      zerolog.Nop(),
		Engine:   eng,
		Profile:  report.Profile{Provider: "p", Tier: report.TierManaged},
		registry: registry(cs...),
	}
}

func TestRunMergesAndSurvivesFailures(t *testing.T) {
	t.Parallel()
	ok := fakeCollector{"osinfo", func(context.Context) (collectors.Result, error) {
		return collectors.Result{
			Host:       &report.Host{Hostname: "h1", OS: report.OS{ID: "debian", VersionID: "12"}},
			Components: []report.Component{{Layer: report.LayerOperatingSystem, Product: "debian", Version: "12"}},
			Notes:      []string{"a note"},
		}, nil
	}}
	partial := fakeCollector{"kernel", func(context.Context) (collectors.Result, error) {
		return collectors.Result{Host: &report.Host{Kernel: report.Kernel{Release: "6.1.0-28-amd64"}}}, errors.New("rpm: exit 1")
	}}
	panics := fakeCollector{"boom", func(context.Context) (collectors.Result, error) { panic("bad index") }}
	hangs := fakeCollector{"hang", func(ctx context.Context) (collectors.Result, error) {
		select {} // ignores its context: must be abandoned
	}}
	o := opts(t, ok, partial, panics, hangs)
	o.Collectors.Timeout = config.Duration(200 * time.Millisecond)
	o.HostID = "configured"
	r, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if r.Host.Hostname != "h1" || r.Host.Kernel.Release != "6.1.0-28-amd64" || r.Host.HostID != "configured" {
		t.Fatalf("host not merged: %+v", r.Host)
	}
	if len(r.Components) != 1 || len(r.Notes) != 1 || r.Notes[0].Collector != "osinfo" {
		t.Fatalf("components/notes: %+v %+v", r.Components, r.Notes)
	}
	got := map[string]string{}
	for _, e := range r.Errors {
		got[e.Collector] = e.Error
	}
	if len(got) != 3 || !strings.Contains(got["boom"], "panic") || got["kernel"] == "" || got["hang"] == "" {
		t.Fatalf("errors: %+v", r.Errors)
	}
	if r.Schema != report.Schema || len(r.ReportID) != 36 || r.Findings == nil {
		t.Fatalf("envelope: %+v", r)
	}
}

func TestOnly(t *testing.T) {
	t.Parallel()
	ran := make(chan string, 2)
	mk := func(n string) collectors.Collector {
		return fakeCollector{n, func(context.Context) (collectors.Result, error) { ran <- n; return collectors.Result{}, nil }}
	}
	o := opts(t, mk("a"), mk("b"))
	o.Only = []string{"b"}
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if n := <-ran; n != "b" || len(ran) != 0 {
		t.Fatalf("ran %s", n)
	}
	o.Only = []string{"nope"}
	if _, err := Run(context.Background(), o); !errors.Is(err, ErrUnknownCollector) {
		t.Fatalf("unknown collector: %v", err)
	}
}

func TestCancelled(t *testing.T) {
	t.Parallel()
	// Cancelled once the collector runs: the scan is in flight.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	slow := fakeCollector{"slow", func(ctx context.Context) (collectors.Result, error) {
		cancel()
		<-ctx.Done()
		return collectors.Result{}, ctx.Err()
	}}
	if _, err := Run(ctx, opts(t, slow)); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancel: %v", err)
	}
}

// TestReportIDsInTimeOrder: a scan's report id is a version 7 UUID of the
// scan's start, so a later scan's id sorts after an earlier one's (the
// server's index of report ids then grows at its end).
func TestReportIDsInTimeOrder(t *testing.T) {
	t.Parallel()
	o := opts(t)
	starts := []time.Time{time.Date(2026, 12, 8, 3, 0, 0, 0, time.UTC), time.Date(2026, 12, 8, 3, 0, 0, int(time.Millisecond), time.UTC)}
	var ids []string
	for _, at := range starts {
		o.Now = func() time.Time { return at }
		r, err := Run(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		// The first 48 bits are the start's Unix milliseconds.
		ms := fmt.Sprintf("%012x", at.UnixMilli())
		if id := r.ReportID; len(id) != 36 || id[14] != '7' || id[:8]+id[9:13] != ms {
			t.Fatalf("report id %q is not a version 7 UUID of %s (%s)", id, at, ms)
		}
		ids = append(ids, r.ReportID)
	}
	if ids[0] >= ids[1] {
		t.Errorf("a later scan's id %s sorts before %s", ids[1], ids[0])
	}
}

// TestPanickingCollectorReportIsAccepted: a collector's panic (its value
// with control characters and a stack of many kilobytes) once made the
// whole report one the server refused, parked forever by the agent. The
// report now carries a clipped, clean text and passes the server's decoder.
func TestPanickingCollectorReportIsAccepted(t *testing.T) {
	t.Parallel()
	huge := fakeCollector{"boom", func(context.Context) (collectors.Result, error) {
		panic("index out of range\x1b[31m " + strings.Repeat("frame ", 3000))
	}}
	noisy := fakeCollector{"noisy", func(context.Context) (collectors.Result, error) {
		return collectors.Result{Notes: []string{strings.Repeat("n", 10_000)}}, errors.New(strings.Repeat("e\x00", 5000))
	}}
	host := fakeCollector{"osinfo", func(context.Context) (collectors.Result, error) {
		return collectors.Result{Host: &report.Host{Hostname: "h1"}}, nil
	}}
	o := opts(t, huge, noisy, host)
	o.AgentName, o.HostID = "demarc", "0123456789abcdef0123456789abcdef"
	r, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Errors) != 2 {
		t.Fatalf("errors: %+v", r.Errors)
	}
	if err := report.Validate(r); err != nil {
		t.Fatalf("the scan's own report is invalid: %v", err)
	}
	for _, e := range r.Errors {
		if len(e.Error) > report.MaxText || !strings.HasSuffix(e.Error, "…") {
			t.Errorf("%s: error text of %d bytes not clipped", e.Collector, len(e.Error))
		}
	}
	if !strings.HasPrefix(r.Errors[0].Error, "panic: index out of range") {
		t.Errorf("panic text: %.60q", r.Errors[0].Error)
	}
	body, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.DecodeReport(bytes.NewReader(body), "", ingest.DefaultLimits); err != nil {
		t.Fatalf("the server refuses the report: %v", err)
	}
}
