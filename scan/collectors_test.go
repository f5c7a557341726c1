package scan

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/collectors/all"
	"github.com/demarc/demarc/config"
	"github.com/demarc/demarc/report"
)

// TestCollectorRuns: the report lists every collector of the registry and
// how it ended, so that a gap a failed collector did not look for is not
// taken for a fix.
func TestCollectorRuns(t *testing.T) {
	t.Parallel()
	result := func(err error, partial ...error) func(context.Context) (collectors.Result, error) {
		return func(context.Context) (collectors.Result, error) { return collectors.Result{Errors: partial}, err }
	}
	cs := []collectors.Collector{
		fakeCollector{"osinfo", func(context.Context) (collectors.Result, error) {
			return collectors.Result{Host: &report.Host{Hostname: "h1"}}, nil
		}},
		fakeCollector{"kernel", result(nil, errors.New("rpm -q kernel: exit 1"))},
		fakeCollector{"packages", result(fmt.Errorf("yum: cannot ask yum about the root /mnt: %w", collectors.ErrNotApplicable))},
		fakeCollector{"controlpanel", result(errors.New("read /usr/local/cpanel/version: permission denied"))},
		fakeCollector{"boom", func(context.Context) (collectors.Result, error) { panic("bad index") }},
		fakeCollector{"hang", func(context.Context) (collectors.Result, error) { select {} }},
		fakeCollector{"polite", func(ctx context.Context) (collectors.Result, error) {
			<-ctx.Done()
			return collectors.Result{}, ctx.Err()
		}},
		fakeCollector{"skipped", result(nil)},
	}
	o := opts(t, cs...)
	o.Collectors.Timeout = config.Duration(100 * time.Millisecond)
	o.Only = []string{"osinfo", "kernel", "packages", "controlpanel", "boom", "hang", "polite"}
	r, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	want := []report.CollectorRun{
		{Name: "osinfo", Status: report.CollectorOK},
		{Name: "kernel", Status: report.CollectorPartial},
		{Name: "packages", Status: report.CollectorNotRun},
		{Name: "controlpanel", Status: report.CollectorFailed},
		{Name: "boom", Status: report.CollectorFailed},
		{Name: "hang", Status: report.CollectorTimedOut},
		{Name: "polite", Status: report.CollectorTimedOut},
		{Name: "skipped", Status: report.CollectorNotRun},
	}
	if len(r.Collectors) != len(want) {
		t.Fatalf("collectors %+v", r.Collectors)
	}
	for i, w := range want {
		if g := r.Collectors[i]; g.Name != w.Name || g.Status != w.Status || g.DurationMS < 0 {
			t.Errorf("collector %d: %+v, want %s %s", i, g, w.Name, w.Status)
		}
	}
	if r.Collectors[7].DurationMS != 0 {
		t.Error("a collector that did not run has a duration")
	}
	// Every collector that did not end ok has its reason in errors but
	// the one --only left out.
	named := map[string]bool{}
	for _, e := range r.Errors {
		named[e.Collector] = true
	}
	for _, c := range r.Collectors {
		if (c.Status != report.CollectorOK) != named[c.Name] && c.Name != "skipped" {
			t.Errorf("%s (%s): in errors %v", c.Name, c.Status, named[c.Name])
		}
	}
}

// TestEvidenceCollectorsAreRegistered: every collector the evidence table
// names is one of the registry's (a renamed collector would otherwise
// leave its findings forever unverified).
func TestEvidenceCollectorsAreRegistered(t *testing.T) {
	t.Parallel()
	names := all.Names()
	for _, n := range report.EvidenceCollectorNames() {
		if !slices.Contains(names, n) {
			t.Errorf("report's evidence table names %q, not a collector (have %v)", n, names)
		}
	}
}
