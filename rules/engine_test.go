package rules

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/report"
	"github.com/demarc/demarc/rules/matrix"
)

// A tier change moves the OS findings from the provider to the customer,
// and the rationale quotes the rule that decided it.
func TestTierChangeMovesOSFindings(t *testing.T) {
	e := engine(t)
	in := host("centos", "7", comp(report.LayerControlPanel, "cpanel", "11.110.0.154"))
	in.Updates = &report.Updates{Manager: "yum", Count: 5, SecurityCount: 2, SecurityDataAvailable: true}
	in.Host.Kernel = report.Kernel{Release: "3.10.0-1160.el7.x86_64", NewestInstalled: "3.10.0-1160.119.1.el7", NewerInstalled: true}
	in.At = date(t, "2026-11-28")

	before := e.Evaluate(in)
	in.Profile = iaas()
	after := e.Evaluate(in)
	osKinds := []report.Kind{report.KindEOL, report.KindUpdatesPending, report.KindRebootRequired}
	for _, k := range osKinds {
		m := one(t, before, k, report.LayerOperatingSystem, "")
		i := one(t, after, k, report.LayerOperatingSystem, "")
		if m.Responsible != report.ResponsibleProvider || i.Responsible != report.ResponsibleCustomer {
			t.Errorf("%s: managed %s, iaas %s", k, m.Responsible, i.Responsible)
		}
		if i.Rule != "matrix/operating_system/iaas" || !strings.Contains(i.Rationale, "not under a maintenance agreement") ||
			!strings.Contains(i.Rationale, "Cloud Hosting (IaaS) without a maintenance agreement") {
			t.Errorf("%s iaas rationale: [%s] %s", k, i.Rule, i.Rationale)
		}
		if m.ID != i.ID {
			t.Errorf("%s: the gap is the same, the id must be too", k)
		}
	}
	// The blocked panel follows its way out: the OS owner.
	if p := one(t, after, report.KindExtendedSupport, report.LayerControlPanel, "cPanel"); p.Responsible != report.ResponsibleCustomer {
		t.Errorf("panel on iaas: %+v", p)
	}
	// iaas with a maintenance agreement keeps the OS with the provider.
	in.Profile.MaintenanceAgreement = true
	if f := one(t, e.Evaluate(in), report.KindEOL, report.LayerOperatingSystem, ""); f.Responsible != report.ResponsibleProvider {
		t.Errorf("iaas with agreement: %s", f.Responsible)
	}
}

func TestUpdatesPending(t *testing.T) {
	e := engine(t)
	tests := []struct {
		name    string
		u       report.Updates
		sev     report.Severity
		mention string // in the rationale; "" for no finding
	}{
		{"security", report.Updates{Manager: "apt", Count: 12, SecurityCount: 3, SecurityDataAvailable: true}, report.SeverityHigh, "3 of them security"},
		{"no security data", report.Updates{Manager: "dnf", Count: 4, SecurityDataAvailable: false}, report.SeverityMedium, "publish no security data"},
		{"plain", report.Updates{Manager: "apt", Count: 2, SecurityDataAvailable: true}, report.SeverityLow, "none marked"},
		{"stale lists", report.Updates{Manager: "apt", Count: 2, SecurityDataAvailable: true, MetadataAgeSeconds: 30 * 86400}, report.SeverityLow, "30 days old"},
		{"nothing", report.Updates{Manager: "apt", SecurityDataAvailable: true}, "", ""},
		// One update, or one security fix, in grammatical English.
		{"one security", report.Updates{Manager: "dnf", Count: 1, SecurityCount: 1, SecurityDataAvailable: true}, report.SeverityHigh, "1 dnf update is pending, a security fix;"},
		{"one of several", report.Updates{Manager: "dnf", Count: 4, SecurityCount: 1, SecurityDataAvailable: true}, report.SeverityHigh, "4 dnf updates are pending, 1 of them a security fix;"},
		{"all security", report.Updates{Manager: "apt", Count: 2, SecurityCount: 2, SecurityDataAvailable: true}, report.SeverityHigh, "2 apt updates are pending, all of them security fixes;"},
		{"one plain", report.Updates{Manager: "dnf", Count: 1, SecurityDataAvailable: true}, report.SeverityLow, "1 dnf update is pending, not marked as a security fix;"},
		{"one, no data", report.Updates{Manager: "apk", Count: 1}, report.SeverityMedium, "so it may be a security fix;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := host("debian", "13")
			in.Updates = &tt.u
			in.At = date(t, "2026-11-28")
			out := e.Evaluate(in)
			fs := pick(out, report.KindUpdatesPending, report.LayerOperatingSystem, "")
			if tt.mention == "" {
				if len(fs) != 0 {
					t.Fatalf("no updates, no finding:\n%s", dump(out))
				}
				return
			}
			f := one(t, out, report.KindUpdatesPending, report.LayerOperatingSystem, "Debian")
			if f.Severity != tt.sev || !strings.Contains(f.Rationale, tt.mention) {
				t.Errorf("%s: %s", f.Severity, f.Rationale)
			}
		})
	}
	t.Run("stale lists with nothing pending is a note", func(t *testing.T) {
		in := host("debian", "13")
		in.Updates = &report.Updates{Manager: "apt", MetadataAgeSeconds: 20 * 86400}
		out := e.Evaluate(in)
		if len(out.Findings) != 0 || len(out.Notes) != 1 {
			t.Errorf("%+v %+v", out.Findings, out.Notes)
		}
	})
}

// The finding id is stable for the same gap whatever the counts, and
// different for another gap.
func TestFindingIDStable(t *testing.T) {
	e := engine(t)
	mk := func(count int, php, hostID, inst string) Output {
		in := host("ubuntu", "22.04", comp(report.LayerApplications, "php", php, "instance", inst))
		in.Host.HostID = hostID
		in.Updates = &report.Updates{Manager: "apt", Count: count, SecurityCount: count / 2, SecurityDataAvailable: true}
		in.At = date(t, "2026-11-28")
		return e.Evaluate(in)
	}
	a, b := mk(10, "7.4.30", "h1", "ea-php74"), mk(3, "7.4.33", "h1", "ea-php74")
	ida := one(t, a, report.KindUpdatesPending, "", "").ID
	if one(t, b, report.KindUpdatesPending, "", "").ID != ida {
		t.Error("updates id changed with the count")
	}
	if one(t, a, report.KindEOL, report.LayerApplications, "PHP").ID != one(t, b, report.KindEOL, report.LayerApplications, "PHP").ID {
		t.Error("PHP EOL id changed with the patch version")
	}
	if one(t, mk(10, "7.4.30", "h2", "ea-php74"), report.KindUpdatesPending, "", "").ID == ida {
		t.Error("another host, same id")
	}
	if one(t, mk(10, "7.4.30", "h1", "alt-php74"), report.KindEOL, report.LayerApplications, "PHP").ID ==
		one(t, a, report.KindEOL, report.LayerApplications, "PHP").ID {
		t.Error("another instance, same id")
	}
}

func TestSorted(t *testing.T) {
	e := engine(t)
	in := host("centos", "7",
		comp(report.LayerThirdPartyApps, "wordpress", "6.5.2", "path", "/a"),
		comp(report.LayerApplications, "php", "8.3.14", "instance", "ea-php83"),
		comp(report.LayerApplications, "php", "7.4.33", "instance", "ea-php74"),
		comp(report.LayerPhysicalHost, "bios", "1", "date", "2015-01-01"))
	in.Updates = &report.Updates{Manager: "yum", Count: 1}
	in.At = date(t, "2026-11-28")
	fs := e.Evaluate(in).Findings
	for i := 1; i < len(fs); i++ {
		a, b := fs[i-1], fs[i]
		if a.Responsible != b.Responsible {
			if a.Responsible != report.ResponsibleProvider {
				t.Errorf("customer before provider at %d", i)
			}
			continue
		}
		if a.Severity.Rank() > b.Severity.Rank() || a.Severity == b.Severity && a.Product > b.Product {
			t.Errorf("out of order at %d: %s/%s then %s/%s", i, a.Severity, a.Product, b.Severity, b.Product)
		}
	}
}

func TestReboot(t *testing.T) {
	e := engine(t)
	for _, tt := range []struct {
		k   report.Kernel
		sev report.Severity
	}{
		{report.Kernel{Release: "6.1.0-25-amd64", NewestInstalled: "6.1.0-28-amd64", NewerInstalled: true}, report.SeverityMedium},
		{report.Kernel{Release: "6.1.0-28-amd64", RebootFlag: true, RebootPackages: []string{"libc6"}}, report.SeverityLow},
		{report.Kernel{Release: "6.1.0-28-amd64"}, ""},
		// Live patches that carry the installed kernel's fixes: the reboot
		// is housekeeping, not an open hole.
		{report.Kernel{Release: "6.1.0-25-amd64", NewestInstalled: "6.1.0-28-amd64", NewerInstalled: true,
			LivePatch: &report.LivePatch{System: "kernelcare", EffectiveRelease: "6.1.0-28-amd64", CoversNewest: true}}, report.SeverityLow},
		// Patches whose reach is unknown change nothing.
		{report.Kernel{Release: "6.1.0-25-amd64", NewestInstalled: "6.1.0-28-amd64", NewerInstalled: true,
			LivePatch: &report.LivePatch{System: "kpatch", Patches: []string{"kpatch_6_1_0_25"}}}, report.SeverityMedium},
		// Live patches on a current kernel are no reboot finding.
		{report.Kernel{Release: "6.1.0-28-amd64", LivePatch: &report.LivePatch{System: "livepatch", Patches: []string{"p"}}}, ""},
	} {
		in := host("debian", "13")
		in.Host.Kernel = tt.k
		out := e.Evaluate(in)
		fs := pick(out, report.KindRebootRequired, report.LayerOperatingSystem, "")
		if tt.sev == "" {
			if len(fs) != 0 {
				t.Errorf("no reboot pending: %+v", fs)
			}
			continue
		}
		if len(fs) != 1 || fs[0].Severity != tt.sev {
			t.Errorf("%+v: %s", tt.k, dump(out))
			continue
		}
		if lp := tt.k.LivePatch; lp != nil && !strings.Contains(fs[0].Rationale+strings.Join(fs[0].Evidence, "\n"), lp.Name()) {
			t.Errorf("the finding does not name %s: %s", lp.Name(), dump(out))
		}
	}
}

// --at evaluates lifecycle as of the date, in the past and the future.
func TestAtPastAndFuture(t *testing.T) {
	e := engine(t)
	in := host("ubuntu", "20.04", comp(report.LayerApplications, "php", "8.3.1", "instance", "ea-php83"))
	tests := []struct {
		at      string
		osKind  report.Kind
		phpKind report.Kind // "" none
	}{
		{"2023-06-01", report.KindMajorBehind, ""}, // 22.04 exists; PHP 8.3 not released yet
		{"2024-02-01", report.KindMajorBehind, report.KindPatchBehind},
		{"2026-11-28", report.KindExtendedSupport, report.KindPatchBehind},
		{"2030-01-01", report.KindExtendedSupport, report.KindEOL}, // ESM to 2030-04-02
		{"2031-01-01", report.KindEOL, report.KindEOL},
	}
	for _, tt := range tests {
		in.At = date(t, tt.at)
		out := e.Evaluate(in)
		one(t, out, tt.osKind, report.LayerOperatingSystem, "Ubuntu")
		php := pick(out, tt.phpKind, report.LayerApplications, "PHP")
		if tt.phpKind != "" && len(php) != 1 {
			t.Errorf("%s: want PHP %s:\n%s", tt.at, tt.phpKind, dump(out))
		}
		if tt.at == "2023-06-01" && len(pick(out, report.KindPatchBehind, report.LayerApplications, "")) != 0 {
			t.Errorf("%s: no PHP 8.3 release was out:\n%s", tt.at, dump(out))
		}
	}
}

func TestLifecycleDataAndStaleness(t *testing.T) {
	e := engine(t)
	snap := e.Lifecycle().SnapshotDate.Time()
	for _, tt := range []struct {
		at    time.Time
		stale bool
		age   int
	}{
		{snap.AddDate(0, 0, 10), false, 10},
		{snap.AddDate(0, 0, 200), true, 200},
		{snap.AddDate(0, -1, 0), false, 0},
	} {
		in := host("debian", "13")
		in.At = tt.at
		out := e.Evaluate(in)
		if out.Lifecycle == nil || out.Lifecycle.Stale != tt.stale || out.Lifecycle.AgeDays != tt.age ||
			out.Lifecycle.SnapshotDate != e.Lifecycle().SnapshotDate.String() {
			t.Errorf("%s: %+v", tt.at.Format(time.DateOnly), out.Lifecycle)
		}
		hasNote := false
		for _, n := range out.Notes {
			hasNote = hasNote || strings.Contains(n.Message, "lifecycle data is")
		}
		if hasNote != tt.stale {
			t.Errorf("%s: stale note %v", tt.at.Format(time.DateOnly), hasNote)
		}
	}
}

func TestEmptyInputAndDefaults(t *testing.T) {
	e, err := NewEngine(Options{Now: func() time.Time { return date(t, "2026-11-28") }})
	if err != nil {
		t.Fatal(err)
	}
	out := e.Evaluate(Input{})
	if len(out.Findings) != 0 || out.Lifecycle == nil {
		t.Errorf("%+v", out)
	}
	// Host.OS alone is enough; an unknown tier is judged as managed with a note.
	in := Input{Host: report.Host{OS: report.OS{ID: "centos", VersionID: "7"}}, Profile: report.Profile{Tier: "gold"}}
	out = e.Evaluate(in)
	f := one(t, out, report.KindEOL, report.LayerOperatingSystem, "CentOS")
	if f.Rule != "matrix/operating_system/managed" || !strings.Contains(f.Rationale, "the provider") {
		t.Errorf("%+v", f)
	}
	if len(out.Notes) == 0 {
		t.Error("unknown tier must be noted")
	}
}

func TestMatrixFile(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("layers:\n  data: {managed: customer}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := NewEngine(Options{MatrixFile: bad})
	var me *matrix.Error
	if !errors.As(err, &me) || !errors.Is(err, matrix.ErrMissing) {
		t.Fatalf("err = %v", err)
	}
	if _, err := NewEngine(Options{MatrixFile: filepath.Join(dir, "none.yaml")}); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	// A provider whose model keeps applications on IaaS too, and names itself.
	custom := strings.Replace(string(matrix.DefaultYAML()), "    label: Applications\n    managed: provider\n    iaas: customer\n",
		"    label: Applications\n    managed: provider\n    iaas: provider\n", 1)
	custom = strings.Replace(custom, "provider: \"\"", "provider: Acme Cloud", 1)
	good := filepath.Join(dir, "good.yaml")
	if err := os.WriteFile(good, []byte(custom), 0o600); err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine(Options{MatrixFile: good})
	if err != nil {
		t.Fatal(err)
	}
	in := host("debian", "13", comp(report.LayerApplications, "postgresql", "9.6.24"))
	in.Profile = report.Profile{Provider: "the provider", Tier: report.TierIaaS}
	in.At = date(t, "2026-11-28")
	f := one(t, e.Evaluate(in), report.KindEOL, report.LayerApplications, "PostgreSQL")
	if f.Responsible != report.ResponsibleProvider || !strings.Contains(f.Rationale, "Acme Cloud") {
		t.Errorf("%+v", f)
	}
}

func TestSentence(t *testing.T) {
	for in, want := range map[string]string{
		`a: "quote."`: `a: "quote."`,
		`a: "quote"`:  `a: "quote".`,
		"a b":         "a b.",
		"a b.":        "a b.",
	} {
		if got := sentence(in); got != want {
			t.Errorf("%q → %q", in, got)
		}
	}
}
