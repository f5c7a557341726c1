package controlpanel

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/internal/collectortest"
	"github.com/demarc/demarc/internal/execx"
)

var sentinels = []collectortest.Sentinel{{Name: "controlpanel.ErrMalformed", Err: ErrMalformed}}

// newCase builds the collector for the case in dir (see collectortest): a
// case with a live.yaml is scanned as a running host, so that its
// commands run (against the fake); its deny file lists host paths made
// unreadable.
func newCase(t *testing.T, dir string) (*Collector, collectors.Deps) {
	t.Helper()
	deps := collectortest.Deps(t, dir)
	c := New(deps)
	c.cmdTimeout = 200 * time.Millisecond
	return c, deps
}

// TestCases runs the collector on every testdata case and compares the
// result with its want.json.
func TestCases(t *testing.T) {
	for _, dir := range collectortest.Cases(t, "testdata") {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			c, deps := newCase(t, dir)
			collectortest.Check(t, dir, deps, c, sentinels)
		})
	}
}

// TestSecretsNeverReported runs the cases whose files hold (fake)
// credentials and checks that nothing of them reaches the result.
func TestSecretsNeverReported(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"ispconfig", "interworx", "bad-input"} {
		c, _ := newCase(t, filepath.Join("testdata", name))
		res, err := c.Collect(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var all []string
		all = append(all, res.Notes...)
		for _, e := range res.Errors {
			all = append(all, e.Error())
		}
		b, _ := json.Marshal(res.Components)
		all = append(all, string(b))
		for _, s := range all {
			if strings.Contains(s, "FAKE-") || strings.Contains(s, "password") {
				t.Errorf("%s: secret material in the result: %s", name, s)
			}
		}
	}
}

func TestOversizedAndSpecialFiles(t *testing.T) {
	t.Parallel()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// > 1 MiB of a valid-looking line: refused, not parsed.
	big := append([]byte("11.118.0.15\n"), bytes.Repeat([]byte("x"), 2<<20)...)
	root := collectortest.Root(t, map[string]string{"usr/local/cpanel/version": string(big)})
	// A FIFO would block a reader forever: hostfs refuses it.
	must(os.MkdirAll(filepath.Join(root.Dir(), "usr/local/psa"), 0o755))
	must(syscall.Mkfifo(filepath.Join(root.Dir(), "usr/local/psa/version"), 0o644))
	c := New(collectors.Deps{Root: root, Run: execx.NewFake(), Log: zerolog.Nop()})
	res, err := c.Collect(context.Background())
	must(err)
	var classes []string
	for _, e := range res.Errors {
		classes = append(classes, collectortest.Classify(e, sentinels))
	}
	if strings.Join(classes, ",") != "hostfs.ErrTooLarge,hostfs.ErrNotRegular" {
		t.Fatalf("errors %v: %v", classes, res.Errors)
	}
	if len(res.Components) != 2 || res.Components[0].Version != "" || res.Components[1].Version != "" {
		t.Fatalf("want cpanel and plesk with unknown versions: %+v", res.Components)
	}
}

func TestCanceledContext(t *testing.T) {
	t.Parallel()
	c, _ := newCase(t, "testdata/cpanel-centos7")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Collect(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
}

func TestSources(t *testing.T) {
	t.Parallel()
	c := New(collectors.Deps{})
	s := c.Sources()
	if c.Name() != Name || s.Detects == "" || len(s.Files) == 0 || s.Privileges == "" || s.NotDetected == "" {
		t.Fatalf("incomplete sources: %+v", s)
	}
}

// TestLiveCommands: DirectAdmin's binary is run only on a running host
// (Deps.Live: the root "/", a golden fixture host, the fleet simulation),
// never under a mounted root.
func TestLiveCommands(t *testing.T) {
	t.Parallel()
	deps := collectortest.Deps(t, "testdata/directadmin-debian12")
	fake := deps.Run.(*execx.Fake)
	version := func(c *Collector) string {
		res, err := c.Collect(context.Background())
		if err != nil || len(res.Components) != 1 {
			t.Fatalf("collect: %v, %+v", err, res.Components)
		}
		return res.Components[0].Version
	}
	deps.Live = nil
	if v := version(New(deps)); v != "" || len(fake.Calls()) != 0 {
		t.Fatalf("mounted root: version %q, calls %v", v, fake.Calls())
	}
	deps.Live = collectortest.Running()
	if v := version(New(deps)); v != "1.703" {
		t.Fatalf("running host: version %q, calls %v", v, fake.Calls())
	}
}
