package osinfo

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/internal/collectortest"
	"github.com/demarc/demarc/internal/fixture"
	"github.com/demarc/demarc/internal/hostfs"
)

var sentinels = []collectortest.Sentinel{{Name: "osinfo.ErrMalformed", Err: ErrMalformed}}

// collect runs the collector on root as a mounted root.
func collect(t *testing.T, root hostfs.Root) collectors.Result {
	t.Helper()
	return collectLive(t, root, nil)
}

// collectLive runs the collector on root as a running host with live.
func collectLive(t *testing.T, root hostfs.Root, live collectors.LiveFacts) collectors.Result {
	t.Helper()
	c := New(collectors.Deps{Root: root, Log: zerolog.Nop(), Live: live})
	res, err := c.Collect(context.Background())
	if err != nil {
		t.Fatalf("%s: %v", root.Dir(), err)
	}
	return res
}

// runCases runs the collector on every case under dir (see collectortest),
// compares with its want.json and checks the component mirrors the host.
func runCases(t *testing.T, dir string) {
	for _, dir := range collectortest.Cases(t, dir) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			deps := collectortest.Deps(t, dir)
			res := collectortest.Check(t, dir, deps, New(deps), sentinels)
			if res.Host == nil {
				t.Fatal("no host facts")
			}
			checkComponent(t, dir, res.Host.OS, res.Components)
		})
	}
}

// TestCases runs the collector over testdata/cases/<case>.
func TestCases(t *testing.T) {
	t.Parallel()
	runCases(t, "testdata/cases")
}

// TestBadReleaseFiles: a bad os-release is an error entry wrapping the
// cause, and the next file still decides the release.
func TestBadReleaseFiles(t *testing.T) {
	t.Parallel()
	good := "ID=rocky\nVERSION_ID=9.4\n"
	cases := []struct {
		name    string
		etc     string
		wantErr error
	}{
		{"binary", "\x00\x01\x02ID=x", ErrMalformed},
		{"junk", "not a release file at all\n", ErrMalformed},
		{"huge", strings.Repeat("#", hostfs.DefaultLimit+10), hostfs.ErrTooLarge},
	}
	for _, c := range cases {
		dir := collectortest.Root(t, map[string]string{"etc/os-release": c.etc, "usr/lib/os-release": good})
		res := collect(t, dir)
		if res.Host.OS.ID != "rocky" || res.Host.OS.VersionID != "9.4" || res.Host.OS.Source != "/usr/lib/os-release" {
			t.Errorf("%s: OS %+v", c.name, res.Host.OS)
		}
		if len(res.Errors) != 1 || !errors.Is(res.Errors[0], c.wantErr) {
			t.Errorf("%s: errors %v, want one wrapping %v", c.name, res.Errors, c.wantErr)
		}
	}

	// Empty or ID-less os-release: a note, then the fallback files.
	for _, etc := range []string{"", "NAME=Something\n"} {
		dir := collectortest.Root(t, map[string]string{"etc/os-release": etc, "etc/redhat-release": "CentOS Linux release 7.9.2009 (Core)\n"})
		res := collect(t, dir)
		if res.Host.OS.ID != "centos" || res.Host.OS.VersionID != "7.9.2009" || len(res.Errors) != 0 || len(res.Notes) == 0 {
			t.Errorf("%q: %+v errors %v notes %v", etc, res.Host.OS, res.Errors, res.Notes)
		}
	}

	// A bad fallback file is an error when it was needed, a note when
	// os-release already answered.
	dir := collectortest.Root(t, map[string]string{"etc/redhat-release": "\x00\x00"})
	if res := collect(t, dir); len(res.Errors) != 1 || !errors.Is(res.Errors[0], ErrMalformed) || res.Host.OS.ID != "" {
		t.Errorf("bad redhat-release alone: %+v %v", res.Host.OS, res.Errors)
	}
	dir = collectortest.Root(t, map[string]string{"etc/os-release": good, "etc/redhat-release": "\x00\x00"})
	if res := collect(t, dir); len(res.Errors) != 0 || res.Host.OS.ID != "rocky" || len(res.Notes) == 0 {
		t.Errorf("bad redhat-release beside os-release: %+v %v %v", res.Host.OS, res.Errors, res.Notes)
	}
}

func TestUnreadableFileIsANote(t *testing.T) {
	t.Parallel()
	root := collectortest.Root(t, map[string]string{"etc/os-release": "ID=debian\n", "etc/machine-id": strings.Repeat("a", 32)})
	res := collect(t, root.Deny("/etc/os-release"))
	if len(res.Errors) != 0 || len(res.Notes) == 0 {
		t.Fatalf("errors %v notes %v", res.Errors, res.Notes)
	}
}

func TestHostID(t *testing.T) {
	t.Parallel()
	// python3 -c 'import hmac,hashlib;print(hmac.new(b"demarc",b"0123456789abcdef0123456789abcdef",hashlib.sha256).hexdigest()[:32])'
	const want = "69a8105a64822522c671a79c1a3c02e4"
	if got := hostID("0123456789abcdef0123456789abcdef"); got != want {
		t.Fatalf("hostID = %s, want %s", got, want)
	}
	mid := "0123456789abcdef0123456789abcdef\n"
	a := collect(t, collectortest.Root(t, map[string]string{"etc/machine-id": mid}))
	b := collect(t, collectortest.Root(t, map[string]string{"var/lib/dbus/machine-id": mid, "etc/machine-id": "uninitialized\n"}))
	if a.Host.HostID != want || b.Host.HostID != want {
		t.Fatalf("host ids %q %q, want %q", a.Host.HostID, b.Host.HostID, want)
	}
}

func TestParseHostname(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want string
		ok   bool
	}{
		{"web01\n", "web01", true},
		{"# comment\n\n  web01.example.net  \nsecond\n", "web01.example.net", true},
		{"under_score-1\n", "under_score-1", true},
		{"", "", false},
		{"bad host\n", "bad host", false},
		{"-leading\n", "-leading", false},
		{"a..b\n", "a..b", false},
		{strings.Repeat("a", 64) + "\n", strings.Repeat("a", 64), false},
		{"\x00\x01\n", "\x00\x01", false},
	}
	for _, c := range cases {
		got, ok := parseHostname([]byte(c.in))
		if got != c.want || ok != c.ok {
			t.Errorf("%q: got %q %v", c.in, got, ok)
		}
	}
}

func TestParseMachineID(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"0123456789abcdef0123456789abcdef\n": "0123456789abcdef0123456789abcdef",
		"uninitialized\n":                    "",
		"":                                   "",
		"0123456789ABCDEF0123456789ABCDEF":   "",
		"0123456789abcdef0123456789abcdeg":   "",
		"0123456789abcdef":                   "",
	} {
		if got := parseMachineID([]byte(in)); got != want {
			t.Errorf("%q: got %q", in, got)
		}
	}
}

func FuzzParseHostname(f *testing.F) {
	f.Add([]byte("web01.example.net\n"))
	f.Add([]byte("# c\n-bad\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		name, ok := parseHostname(b)
		if ok && (strings.ContainsAny(name, " \t\n/") || len(name) > 253) {
			t.Fatalf("accepted %q", name)
		}
		_ = parseMachineID(b)
	})
}

// liveOf is a running host with these live facts.
func liveOf(hostname string, uptime uint64, system, role string) collectors.LiveFacts {
	l := &fixture.Live{Hostname: hostname, UptimeSeconds: uptime}
	l.Virtualization.System, l.Virtualization.Role = system, role
	return l.Facts()
}

func TestLiveFacts(t *testing.T) {
	t.Parallel()
	cl := collectortest.Root(t, map[string]string{"etc/os-release": "ID=cloudlinux\nVERSION_ID=8.10\n", "proc/lve/list": ""})
	res := collectLive(t, cl, liveOf("cl8.example.net", 3600, "openvz", "guest"))
	h := res.Host
	if h.Hostname != "cl8.example.net" || h.UptimeSeconds != 3600 || h.Virtualization.System != "" || h.Virtualization.Role != "" {
		t.Errorf("cloudlinux: %+v", h)
	}
	if len(h.Virtualization.Evidence) != 2 {
		t.Errorf("cloudlinux evidence: %q", h.Virtualization.Evidence)
	}

	vz := collectortest.Root(t, map[string]string{"etc/os-release": "ID=centos\nVERSION_ID=7\n"})
	res = collectLive(t, vz, liveOf("ct1", 0, "openvz", "guest"))
	if v := res.Host.Virtualization; v.System != "openvz" || v.Role != "guest" || len(v.Evidence) != 1 {
		t.Errorf("openvz guest: %+v", v)
	}

	boom := errors.New("boom")
	res = collectLive(t, vz, collectortest.FailingLive{Err: boom})
	if len(res.Errors) != 3 || !slices.ContainsFunc(res.Errors, func(e error) bool { return errors.Is(e, boom) }) {
		t.Errorf("live errors: %v", res.Errors)
	}
	if res.Host.OS.ID != "centos" {
		t.Errorf("live errors lost the OS: %+v", res.Host.OS)
	}
}

func TestNotLiveHasNoLiveFacts(t *testing.T) {
	t.Parallel()
	res := collect(t, collectortest.Root(t, map[string]string{"etc/hostname": "img01\n", "proc/uptime": "100.0 50.0\n"}))
	if res.Host.UptimeSeconds != 0 || len(res.Host.Virtualization.Evidence) != 0 || res.Host.Hostname != "img01" {
		t.Fatalf("%+v", res.Host)
	}
}

func TestCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := New(collectors.Deps{Root: hostfs.Live()}).Collect(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

func TestSources(t *testing.T) {
	t.Parallel()
	s := New(collectors.Deps{}).Sources()
	if s.Detects == "" || s.NotDetected == "" || !slices.Contains(s.Files, "/etc/os-release") || len(s.Commands) != 0 {
		t.Fatalf("%+v", s)
	}
}

func BenchmarkCollect(b *testing.B) {
	root, err := hostfs.New(filepath.Join(distrosDir, "rocky9", "rootfs"))
	if err != nil {
		b.Fatal(err)
	}
	c := New(collectors.Deps{Root: root, Log: zerolog.Nop()})
	for b.Loop() {
		if _, err := c.Collect(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
