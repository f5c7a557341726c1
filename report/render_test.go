package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/internal/golden"
)

func sampleReport() *Report {
	findings := []Finding{
		{ID: "f-os", Kind: KindEOL, Layer: LayerOperatingSystem, Product: "CentOS Linux", Installed: "7", Latest: "none (migrate to AlmaLinux or Rocky Linux 9)", Cycle: "7", EOLDate: "2024-06-30",
			Severity: SeverityCritical, Responsible: ResponsibleProvider, Rule: "matrix.operating_system.managed",
			Rationale:   "CentOS Linux 7 reached end of life on 2024-06-30; under a maintenance agreement Example Hosting keeps the operating system patched.",
			Remediation: "Migrate to a supported release.", Evidence: []string{"/etc/os-release: VERSION_ID=\"7\""}},
		{ID: "f-cp", Kind: KindEOL, Layer: LayerControlPanel, Product: "cPanel & WHM", Installed: "11.110.0.48", Latest: "11.110.0.60", Cycle: "110",
			Severity: SeverityHigh, Responsible: ResponsibleProvider, Rule: "refinement.control_panel.os_ceiling",
			Rationale: "cPanel 110 is the last major this OS allows.", Remediation: "Upgrade the OS first.", BlockedBy: "f-os"},
		{ID: "f-up", Kind: KindUpdatesPending, Layer: LayerOperatingSystem, Product: "OS packages", Installed: "12 pending", Severity: SeverityHigh,
			Responsible: ResponsibleProvider, Rule: "matrix.operating_system.managed", Rationale: "12 package updates are pending, 3 of them security fixes."},
		{ID: "f-wp", Kind: KindMajorBehind, Layer: LayerThirdPartyApps, Product: "WordPress", Installed: "5.8.3", Latest: "6.6.2", Cycle: "5.8",
			Severity: SeverityMedium, Responsible: ResponsibleCustomer, Rule: "refinement.third_party_apps",
			Rationale: "WordPress sites are the customer's | even on managed <b>hosting</b>.", Remediation: "Update WordPress in its dashboard."},
	}
	r := &Report{
		Schema: Schema, ReportID: "3f1c2a9e-0d4b-4c55-9a6e-2b7d8e9f0a1b",
		Agent:     Agent{Name: "demarc", Version: "v0.1.0"},
		ScannedAt: time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC), EvaluatedAt: "2026-11-28", DurationMS: 412,
		Host: Host{Hostname: "web01.example.net", HostID: "0123456789abcdef0123456789abcdef",
			OS:             OS{ID: "centos", Name: "CentOS Linux", VersionID: "7", PrettyName: "CentOS Linux 7 (Core)", Family: "rhel"},
			Kernel:         Kernel{Release: "3.10.0-1160.119.1.el7.x86_64", Arch: "x86_64"},
			Virtualization: Virtualization{System: "kvm", Role: "guest"}},
		Profile:    Profile{Provider: "Example Hosting", Tier: TierManaged, MaintenanceAgreement: true},
		Components: []Component{{Layer: LayerControlPanel, Product: "cpanel", Version: "11.110.0.48", Source: "/usr/local/cpanel/version", Details: map[string]string{"major": "110"}}},
		Updates:    &Updates{Manager: "yum", Count: 12, SecurityCount: 3, MetadataAgeSeconds: 3600, Source: "yum -C check-update", Packages: []Package{{Name: "openssl", Installed: "1:1.0.2k-25.el7_9", Candidate: "1:1.0.2k-26.el7_9", Security: true}}},
		Findings:   findings,
		Summary:    Summarize(findings),
		Lifecycle:  &LifecycleData{SnapshotDate: "2026-08-22", AgeDays: 98},
		Errors:     []CollectorError{{Collector: "webapps", Error: "walk /home: permission denied"}},
		Notes:      []Note{{Collector: "osinfo", Message: "host id derived from the hostname"}},
	}
	return r
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	golden.Check(t, path, got)
}

func TestRenderGolden(t *testing.T) {
	t.Parallel()
	r := sampleReport()
	for _, c := range []struct {
		file string
		f    Format
		o    RenderOptions
	}{
		{"table.golden", FormatTable, RenderOptions{}},
		{"table-color.golden", FormatTable, RenderOptions{Color: true}},
		{"markdown.golden", FormatMarkdown, RenderOptions{}},
		{"json.golden", FormatJSON, RenderOptions{}},
	} {
		var buf bytes.Buffer
		if err := Render(&buf, c.f, r, c.o); err != nil {
			t.Fatal(err)
		}
		checkGolden(t, c.file, buf.Bytes())
	}
}

func TestTableGroupsAndOrder(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := RenderTable(&buf, sampleReport(), RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	prov := strings.Index(out, "The provider's to fix (Example Hosting)")
	yours := strings.Index(out, "Yours to fix")
	crit := strings.Index(out, "critical  CentOS Linux")
	high := strings.Index(out, "cPanel & WHM")
	wp := strings.Index(out, "WordPress")
	if prov < 0 || yours < prov || crit < prov || high < crit || wp < yours {
		t.Fatalf("wrong grouping or order:\n%s", out)
	}
	if strings.Contains(out, "\x1b[") {
		t.Fatal("colour without a terminal")
	}
}

func TestHostileStrings(t *testing.T) {
	t.Parallel()
	r := sampleReport()
	r.Host.Hostname = "evil\x1b[2J\nhost|<script>alert(1)</script>"
	r.Findings[0].Product = "x\x07y\tz"
	var tb, md bytes.Buffer
	if err := RenderTable(&tb, r, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(tb.String(), "\x1b\x07") {
		t.Fatal("control characters reached the terminal")
	}
	if err := RenderMarkdown(&md, r); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(md.String(), "<script>") || strings.Contains(md.String(), "host|<") {
		t.Fatalf("markup not escaped:\n%s", md.String())
	}
}

func TestEmptyReport(t *testing.T) {
	t.Parallel()
	r := &Report{Schema: Schema}
	for _, f := range []Format{FormatTable, FormatMarkdown, FormatJSON} {
		var buf bytes.Buffer
		if err := Render(&buf, f, r, RenderOptions{}); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, os.ErrClosed }

func TestWriteErrors(t *testing.T) {
	t.Parallel()
	for _, f := range []Format{FormatTable, FormatMarkdown, FormatJSON} {
		if err := Render(failWriter{}, f, sampleReport(), RenderOptions{}); err == nil {
			t.Errorf("%s: write error swallowed", f)
		}
	}
}

func TestParseFormat(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"table", "json", "markdown"} {
		if _, err := ParseFormat(s); err != nil {
			t.Error(err)
		}
	}
	if _, err := ParseFormat("xml"); err == nil {
		t.Error("xml accepted")
	}
}

// TestCompat decodes one sample report per released v1 minor: a field
// rename or retype would break it.
func TestCompat(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("testdata/compat/*.json")
	if len(files) == 0 {
		t.Fatal("no compat samples")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var r Report
		dec := json.NewDecoder(bytes.NewReader(b))
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if r.Schema != Schema || r.ReportID == "" || len(r.Findings) == 0 || r.Findings[0].Responsible == "" {
			t.Fatalf("%s: decoded wrongly: %+v", f, r)
		}
		// Round trip: everything a v1.0 reader wrote is still written.
		var orig, again map[string]any
		_ = json.Unmarshal(b, &orig)
		out, _ := json.Marshal(&r)
		_ = json.Unmarshal(out, &again)
		for k := range orig {
			if _, ok := again[k]; !ok {
				t.Errorf("%s: field %q lost", f, k)
			}
		}
	}
}

func TestTableWraps(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := RenderTable(&buf, sampleReport(), RenderOptions{Width: 100}); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "table-wrapped.golden", buf.Bytes())
	for _, line := range strings.Split(buf.String(), "\n") {
		if n := len([]rune(line)); n > 100 && !strings.HasPrefix(line, "demarc scan:") {
			t.Errorf("line of %d runes: %q", n, line)
		}
	}
	if w := wrap("word", 10, 0); w != "word" {
		t.Errorf("no width: %q", w)
	}
	if w := wrap("a b c d e f g h i j k l m n o p q r s t u v w x y z", 90, 100); !strings.Contains(w, "\n            ") {
		t.Errorf("narrow column: %q", w)
	}
}

// TestPendingUpdatesNamed: every renderer names the pending packages,
// security fixes first (the table ten of them, the Markdown all), and
// without security data says "security unknown", never "0 security".
func TestPendingUpdatesNamed(t *testing.T) {
	mk := func(n int, secData bool) *Report {
		r := sampleReport()
		u := &Updates{Manager: "yum", Count: n, SecurityDataAvailable: secData}
		for i := range n {
			p := Package{Name: fmt.Sprintf("pkg%02d", n-i), Installed: "1.0", Candidate: "1.1"}
			if secData && i%4 == 0 {
				p.Security = true
				u.SecurityCount++
			}
			u.Packages = append(u.Packages, p)
		}
		r.Updates = u
		return r
	}
	for _, tc := range []struct {
		name    string
		r       *Report
		want    []string
		notWant []string
	}{
		{"no security data", mk(3, false),
			[]string{"3 pending (security unknown)", "pkg01", "pkg03"}, []string{"0 security", "more"}},
		{"many", mk(14, true),
			[]string{"14 pending (4 security)", "… and 4 more"}, []string{"security unknown"}},
	} {
		var table, md bytes.Buffer
		if err := RenderTable(&table, tc.r, RenderOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := RenderMarkdown(&md, tc.r); err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.want {
			if !strings.Contains(table.String(), w) && !strings.Contains(md.String(), w) {
				t.Errorf("%s: %q in neither output", tc.name, w)
			}
		}
		for _, w := range tc.notWant {
			if strings.Contains(table.String(), w) {
				t.Errorf("%s: table says %q", tc.name, w)
			}
		}
		// Markdown lists every package, security fixes first.
		rows := strings.Split(between(md.String(), "| Origin |\n| --- | --- | --- | --- | --- |\n", "\n\n"), "\n")
		if len(rows) != len(tc.r.Updates.Packages) {
			t.Errorf("%s: markdown lists %d packages, want %d", tc.name, len(rows), len(tc.r.Updates.Packages))
		}
		seenPlain := false
		for _, row := range rows {
			sec := strings.Contains(row, "| yes |")
			if sec && seenPlain {
				t.Errorf("%s: a security fix after a plain update: %q", tc.name, row)
			}
			seenPlain = seenPlain || !sec
		}
	}
}

// TestProviderSectionTitle: the section reads properly with and without
// the provider's name.
func TestProviderSectionTitle(t *testing.T) {
	for provider, want := range map[string]string{
		"":                "The provider's to fix:",
		"the provider":    "The provider's to fix:",
		"Example Hosting": "The provider's to fix (Example Hosting):",
	} {
		r := sampleReport()
		r.Profile.Provider = provider
		var b bytes.Buffer
		if err := RenderTable(&b, r, RenderOptions{}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), want) {
			t.Errorf("provider %q: no %q in\n%s", provider, want, b.String())
		}
	}
}

func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i+len(from):]
	if j := strings.Index(s, to); j >= 0 {
		return s[:j]
	}
	return strings.TrimRight(s, "\n")
}

// TestUnknownOSSaidAtTheTop: a scan that looked for the OS and found none
// says so first in the table and the Markdown, and its empty sections do
// not read as clean; a scan that did not look (--only) and a known OS say
// nothing of it.
func TestUnknownOSSaidAtTheTop(t *testing.T) {
	t.Parallel()
	runs := func(status CollectorStatus) []CollectorRun {
		return []CollectorRun{{Name: "osinfo", Status: status}, {Name: "packages", Status: CollectorOK}}
	}
	for _, tc := range []struct {
		name string
		os   OS
		runs []CollectorRun
		want bool
	}{
		{"nothing identifies the os", OS{}, runs(CollectorOK), true},
		{"osinfo failed", OS{}, runs(CollectorFailed), true},
		{"osinfo left out", OS{}, runs(CollectorNotRun), false},
		{"known by name only", OS{Name: "Linux"}, runs(CollectorOK), false},
		{"known", OS{ID: "debian", VersionID: "12"}, runs(CollectorOK), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &Report{Schema: Schema, Host: Host{Hostname: "web1", OS: tc.os}, Collectors: tc.runs}
			if got := r.OSUnidentified(); got != tc.want {
				t.Fatalf("OSUnidentified = %v, want %v", got, tc.want)
			}
			var table, md bytes.Buffer
			if err := RenderTable(&table, r, RenderOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := RenderMarkdown(&md, r); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(table.String(), "\n")
			said := strings.HasPrefix(lines[1], "operating system unknown")
			empty := strings.Count(table.String(), "nothing found (the operating system is unknown: see above)")
			mdSaid := strings.Contains(md.String(), "\n**Operating system unknown") &&
				strings.Contains(md.String(), "Nothing found (the operating system is unknown")
			if said != tc.want || (empty == 2) != tc.want || mdSaid != tc.want {
				t.Errorf("table says it %v (%d empty sections qualified), markdown %v; want %v\n%s\n%s",
					said, empty, mdSaid, tc.want, table.String(), md.String())
			}
		})
	}
}

// TestInstanceBesideProduct: two findings of one product tell their
// instances apart in the table and the Markdown, and a hostile instance
// (a directory name is the host's to choose) cannot inject escapes or
// markup.
func TestInstanceBesideProduct(t *testing.T) {
	t.Parallel()
	wp := func(id, dir string) Finding {
		return Finding{ID: id, Kind: KindEOL, Layer: LayerThirdPartyApps, Product: "WordPress", Installed: "4.9.26",
			Severity: SeverityHigh, Responsible: ResponsibleCustomer, Rationale: "old",
			Evidence: []string{dir + "/wp-includes/version.php: wordpress 4.9.26", InstanceEvidence + dir}}
	}
	r := &Report{Schema: Schema, Host: Host{Hostname: "web1", OS: OS{ID: "debian"}},
		Findings: []Finding{wp("a", "/home/bob/public_html/blog"), wp("b", "/home/x/\x1b[31m|evil")}}
	r.Summary = Summarize(r.Findings)
	var table, md bytes.Buffer
	if err := RenderTable(&table, r, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := RenderMarkdown(&md, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table.String(), "WordPress (/home/bob/public_html/blog)") || strings.Contains(table.String(), "\x1b") {
		t.Errorf("table:\n%q", table.String())
	}
	if !strings.Contains(md.String(), "| WordPress (/home/bob/public_html/blog) |") || !strings.Contains(md.String(), `\|evil`) {
		t.Errorf("markdown:\n%s", md.String())
	}
}

// TestOneRowPerProductCycle: two findings of one product instance and
// release cycle share a row at the more severe one's severity; another
// instance or cycle keeps its own.
func TestOneRowPerProductCycle(t *testing.T) {
	t.Parallel()
	php := func(id, build, cycle string, kind Kind, sev Severity, gap string) Finding {
		return Finding{ID: id, Kind: kind, Layer: LayerApplications, Product: "PHP", Installed: cycle + ".29", Cycle: cycle,
			Severity: sev, Responsible: ResponsibleProvider, Rationale: gap + "; this is the provider's to fix under Managed Services.",
			Evidence: []string{InstanceEvidence + build}}
	}
	r := &Report{Schema: Schema, Host: Host{Hostname: "web1", OS: OS{ID: "debian"}}, Findings: []Finding{
		php("a", "ea-php82", "8.2", KindPatchBehind, SeverityMedium, "behind on patches"),
		php("b", "ea-php82", "8.2", KindEOLSoon, SeverityHigh, "end of life soon"),
		php("c", "ea-php83", "8.2", KindPatchBehind, SeverityMedium, "other build"),
		php("d", "ea-php82", "8.1", KindPatchBehind, SeverityMedium, "other cycle"),
	}}
	r.Summary = Summarize(r.Findings)
	var b bytes.Buffer
	if err := RenderTable(&b, r, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, "high      PHP (ea-php82)  8.2.29  end of life soon [1]; also, behind on patches [1]") {
		t.Errorf("the two ea-php82 8.2 findings are not one row:\n%s", out)
	}
	if strings.Count(out, "  PHP (") != 3 || !strings.Contains(out, "other build") || !strings.Contains(out, "other cycle") {
		t.Errorf("another build or cycle lost its row:\n%s", out)
	}
}
