package lifecycle

import (
	"testing"
	"time"
)

func day(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func data(t *testing.T) *Dataset {
	t.Helper()
	d, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestEvaluate pins the embedded data's verdicts on dates chosen around
// the boundaries; a data refresh that moves one must be looked at.
func TestEvaluate(t *testing.T) {
	d := data(t)
	tests := []struct {
		product, version, at string
		cycle                string
		state                State
		newer                string // newest supported newer cycle, "" none
		patchBehind          bool
	}{
		// Debian 12: security support to 2026-07-11, LTS to 2028-06-30.
		{"debian", "12", "2026-11-28", "12", StateExtended, "13", true},
		{"debian", "12", "2026-07-11", "12", StateEOLSoon, "13", true},
		{"debian", "12", "2026-07-12", "12", StateExtended, "13", true},
		{"debian", "12", "2025-01-01", "12", StateCurrent, "", true},
		{"debian", "11", "2026-11-28", "11", StateEOL, "13", true},
		{"debian", "13", "2026-11-28", "13", StateCurrent, "", true},
		// Ubuntu LTS: 18.04 and 20.04 in ESM, 22.04 and 24.04 supported.
		{"ubuntu", "18.04", "2026-11-28", "18.04", StateExtended, "26.04", true},
		{"ubuntu", "20.04", "2026-11-28", "20.04", StateExtended, "26.04", true},
		{"ubuntu", "22.04", "2026-11-28", "22.04", StateCurrent, "26.04", true},
		{"ubuntu", "22.04", "2027-02-01", "22.04", StateEOLSoon, "26.04", true},
		{"ubuntu", "24.04", "2026-11-28", "24.04", StateCurrent, "26.04", true},
		{"ubuntu", "24.04", "2026-01-01", "24.04", StateCurrent, "", true},
		// CentOS 7 is over; CentOS Stream 9 ends 2027-05-31.
		{"centos", "7", "2026-11-28", "7", StateEOL, "", false},
		{"centos-stream", "9", "2026-11-28", "9", StateCurrent, "10", false},
		// RHEL family by major.
		{"rhel", "9.4", "2026-11-28", "9", StateCurrent, "10", true},
		{"rhel", "7.9", "2026-11-28", "7", StateExtended, "10", false},
		{"almalinux", "9.4", "2026-11-28", "9", StateCurrent, "10", true},
		{"rocky", "8.10", "2026-11-28", "8", StateCurrent, "10", false},
		{"ol", "7.9", "2026-11-28", "7", StateExtended, "10", false},
		{"cloudlinux", "7.9", "2026-11-28", "7", StateExtended, "10", false},
		{"cloudlinux", "8.10", "2026-11-28", "8", StateCurrent, "10", false},
		{"cloudlinux", "6.10", "2026-11-28", "6", StateEOL, "10", false},
		{"alpine", "3.19.1", "2026-11-28", "3.19", StateEOL, "3.24", true},
		{"sles", "15-SP5", "2026-11-28", "15.5", StateExtended, "16.0", false},
		{"sles", "15.7", "2026-11-28", "15.7", StateCurrent, "16.0", false},
		{"amzn", "2", "2026-11-28", "2", StateEOL, "2023", true},
		{"amzn", "2023", "2026-11-28", "2023", StateCurrent, "", true},
		{"fedora", "42", "2026-11-28", "42", StateEOL, "44", false},
		{"opensuse-leap", "15.6", "2026-11-28", "15.6", StateEOL, "16.0", false},
		// Runtimes, servers and web apps.
		{"php", "5.6.40", "2026-11-28", "5.6", StateEOL, "8.5", false},
		{"php", "7.4.33", "2026-11-28", "7.4", StateEOL, "8.5", false},
		{"php", "8.3.14", "2026-11-28", "8.3", StateCurrent, "8.5", true},
		{"php", "8.3.33", "2026-11-28", "8.3", StateCurrent, "8.5", false},
		{"php", "8.2.10", "2026-11-28", "8.2", StateEOLSoon, "8.5", true},
		{"mariadb", "10.11.6", "2026-11-28", "10.11", StateCurrent, "12.3", true},
		{"postgresql", "9.6.24", "2026-11-28", "9.6", StateEOL, "18", false},
		{"postgresql", "16.2", "2026-11-28", "16", StateCurrent, "18", true},
		{"apache-http-server", "2.4.58", "2026-11-28", "2.4", StateCurrent, "", true},
		{"nginx", "1.24.0", "2026-11-28", "1.24", StateEOL, "1.31", false},
		{"wordpress", "7.1.0", "2026-11-28", "7.1", StateCurrent, "", false},
		{"wordpress", "6.5.2", "2026-11-28", "6.5", StateEOL, "7.1", true},
		{"joomla", "5.1.2", "2026-11-28", "5", StateCurrent, "6", true},
		{"drupal", "7.98", "2026-11-28", "7", StateEOL, "11.4", true},
		// Virtualisation.
		{"proxmox-ve", "7.4.3", "2026-11-28", "7", StateEOL, "9", false},
		{"proxmox-ve", "8.3.5", "2026-11-28", "8", StateEOL, "9", true},
		{"proxmox-ve", "8.3.5", "2026-06-15", "8", StateEOLSoon, "9", true},
		{"proxmox-ve", "9.2", "2026-11-28", "9", StateCurrent, "", false},
		{"xcp-ng", "8.2.1", "2026-11-28", "8.2", StateEOL, "8.3", false},
		{"esxi", "7.0.3", "2026-11-28", "7.0", StateEOL, "9.1", false},
		// Control panels.
		{"cpanel", "11.110.0.97", "2026-11-28", "110", StateExtended, "134", true},
		{"cpanel", "11.110.0.154", "2027-01-02", "110", StateEOL, "134", false},
		{"cpanel", "11.118.0.15", "2026-11-28", "118", StateEOL, "134", true},
		{"cpanel", "11.134.0.67", "2026-11-28", "134", StateCurrent, "", false},
		{"cpanel", "11.132.0.29", "2026-11-28", "132", StateEOL, "138", false},
		{"cpanel", "11.138.0.19", "2026-11-28", "138", StateCurrent, "", false},
		{"plesk", "18.0.66", "2026-11-28", "18.0.66", StateEOL, "", true},
		{"plesk", "18.0.80.3", "2026-09-01", "18.0.80", StateCurrent, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.product+"/"+tt.version+"@"+tt.at, func(t *testing.T) {
			st := d.Evaluate(tt.product, tt.version, day(t, tt.at))
			if st.Cycle == nil || st.Cycle.Name != tt.cycle {
				t.Fatalf("cycle = %v (%s), want %s", st.Cycle, st.Why, tt.cycle)
			}
			if st.State != tt.state {
				t.Errorf("state = %s, want %s", st.State, tt.state)
			}
			newer := ""
			if st.Newer != nil {
				newer = st.Newer.Name
			}
			if newer != tt.newer {
				t.Errorf("newer = %q, want %q", newer, tt.newer)
			}
			if st.PatchBehind != tt.patchBehind {
				t.Errorf("patch behind = %v (latest %q), want %v", st.PatchBehind, st.Latest, tt.patchBehind)
			}
		})
	}
}

func TestEvaluateUnmatched(t *testing.T) {
	d := data(t)
	at := day(t, "2026-11-28")
	tests := []struct {
		product, version string
		state            State
		placed           Placement
	}{
		{"php", "11.x", StateUnknown, PlacedInCycle},
		{"php", "", StateUnknown, PlacedInCycle},
		{"php", "9999999999999999999", StateUnknown, PlacedInCycle},
		{"php", "9.0.1", StateCurrent, PlacedNewer},
		{"plesk", "18.0.81", StateCurrent, PlacedNewer},
		{"plesk", "18.0.40", StateEOL, PlacedOlder},
		{"plesk", "12.5.30", StateEOL, PlacedOlder},
		{"cpanel", "11.119.9999.1", StateEOL, PlacedOlder}, // odd: a development build of 120
		{"cpanel", "11.88.0.5", StateEOL, PlacedOlder},
		{"ubuntu", "22", StateUnknown, PlacedUnmatched},
		{"virtuozzo", "7.5", StateUnknown, PlacedInCycle},
		{"no-such-product", "1.0", StateUnknown, PlacedInCycle},
	}
	for _, tt := range tests {
		st := d.Evaluate(tt.product, tt.version, at)
		if st.State != tt.state || st.Placement != tt.placed {
			t.Errorf("%s %q: %s/%s (%s), want %s/%s", tt.product, tt.version, st.State, st.Placement, st.Why, tt.state, tt.placed)
		}
		if st.State == StateUnknown && st.Why == "" {
			t.Errorf("%s %q: unknown without a reason", tt.product, tt.version)
		}
	}
}

func TestChannelProducts(t *testing.T) {
	d := data(t)
	tests := []struct {
		product, version, at, latest string
		behind                       bool
	}{
		{"directadmin", "1.703", "2026-11-28", "1.703", false},
		{"directadmin", "1.62.9", "2026-11-28", "1.703", true},
		{"directadmin", "1.700", "2026-05-01", "1.700", false},
		{"directadmin", "1.702", "2026-06-15", "1.702", false}, // 1.703 (June) counts from June 30
		{"webmin", "2.105", "2026-11-28", "2.660", true},
		{"webmin", "2.660", "2026-11-28", "2.660", false},
	}
	for _, tt := range tests {
		st := d.Evaluate(tt.product, tt.version, day(t, tt.at))
		if st.State != StateCurrent || st.Latest != tt.latest || st.PatchBehind != tt.behind {
			t.Errorf("%s %s@%s: %s latest %q behind %v", tt.product, tt.version, tt.at, st.State, st.Latest, st.PatchBehind)
		}
	}
}

// --at in the past must not see releases that had not happened yet.
func TestEvaluateInThePast(t *testing.T) {
	d := data(t)
	st := d.Evaluate("php", "8.3.1", day(t, "2024-01-10"))
	if st.Latest != "8.3.1" || st.PatchBehind {
		t.Errorf("PHP 8.3.1 on 2024-01-10: latest %q behind %v", st.Latest, st.PatchBehind)
	}
	if st.Newer != nil {
		t.Errorf("PHP 8.4 did not exist on 2024-01-10, got newer %s", st.Newer.Name)
	}
	if st := d.Evaluate("ubuntu", "20.04", day(t, "2023-01-01")); st.State != StateCurrent {
		t.Errorf("Ubuntu 20.04 in 2023: %s", st.State)
	}
}

func TestCPanelOSCeilings(t *testing.T) {
	p := data(t).Product("cpanel")
	at := day(t, "2026-11-28")
	tests := []struct {
		os, version   string
		best, ceiling string
	}{
		{"centos", "7.9", "110", "110"},
		{"cloudlinux", "7.9", "110", "110"},
		{"almalinux", "9.4", "", "138"}, // 132+ need 9.5 (carried forward from 132)
		{"almalinux", "9.6", "138", "138"},
		{"ubuntu", "20.04", "", "118"},
		{"ubuntu", "22.04", "134", "134"},
		{"rocky", "9.4", "", "134"},
		{"rocky", "9.6", "134", "134"},
		{"cloudlinux", "6.10", "", "108"},
	}
	for _, tt := range tests {
		best, ceil := "", ""
		if c := p.BestForOS(tt.os, tt.version, at); c != nil {
			best = c.Name
		}
		if c := p.OSCeiling(tt.os, tt.version); c != nil {
			ceil = c.Name
		}
		if best != tt.best || ceil != tt.ceiling {
			t.Errorf("%s %s: best %q ceiling %q, want %q %q", tt.os, tt.version, best, ceil, tt.best, tt.ceiling)
		}
	}
	if got := p.PointReleaseNeeded(p.Cycle("126"), "almalinux", "9.4", at); got != "9.5" {
		t.Errorf("point release for AlmaLinux 9.4 on 126: %q", got)
	}
	if got := p.PointReleaseNeeded(p.Cycle("110"), "centos", "7.9", at); got != "" {
		t.Errorf("CentOS 7 has no point release way out: %q", got)
	}
	if p.MentionsOS("debian", "12") {
		t.Error("cPanel never listed Debian")
	}
	if !p.MentionsOS("centos", "7") {
		t.Error("cPanel lists CentOS 7")
	}
}

func TestStale(t *testing.T) {
	d := data(t)
	snap := d.SnapshotDate.Time()
	if d.Stale(snap.AddDate(0, 0, 180)) {
		t.Error("180 days is not stale")
	}
	if !d.Stale(snap.AddDate(0, 0, 181)) {
		t.Error("181 days is stale")
	}
	if d.Stale(snap.AddDate(-1, 0, 0)) {
		t.Error("a date before the snapshot is not stale")
	}
}

func TestParseRejects(t *testing.T) {
	for _, in := range []string{"", "{}", `{"schema":"other/v9"}`, `{"schema":"demarc.lifecycle/v1","extra":1}`,
		`{"schema":"demarc.lifecycle/v1","products":[{"id":"a","cycles":[]},{"id":"a","cycles":[]}]}`} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("%q: want an error", in)
		}
	}
}

// BenchmarkParseEmbedded is the cost of loading the embedded data (once
// per process).
func BenchmarkParseEmbedded(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(embedded); err != nil {
			b.Fatal(err)
		}
	}
}
