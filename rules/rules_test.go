package rules

import (
	"strings"
	"testing"

	"github.com/demarc/demarc/report"
)

// TestScenarios is the table of hosts the rules must get right. Each case
// is an Input on a date and the checks a hosting engineer would make.
func TestScenarios(t *testing.T) {
	const (
		OS     = report.LayerOperatingSystem
		Panel  = report.LayerControlPanel
		Apps   = report.LayerApplications
		Web    = report.LayerThirdPartyApps
		Virt   = report.LayerVirtualisation
		Metal  = report.LayerPhysicalHost
		prov   = report.ResponsibleProvider
		cust   = report.ResponsibleCustomer
		late26 = "2026-11-28"
	)
	tests := []struct {
		name  string
		in    func() Input
		at    string
		check func(t *testing.T, out Output)
	}{
		{"debian 12 is in LTS on 2026-11-28", func() Input { return host("debian", "12") }, late26,
			func(t *testing.T, out Output) {
				f := one(t, out, report.KindExtendedSupport, OS, "Debian")
				if f.Cycle != "12" || f.EOLDate != "2028-06-30" || f.Severity != report.SeverityMedium || f.Responsible != prov {
					t.Errorf("%+v", f)
				}
				for _, want := range []string{"2026-07-11", "Debian LTS", "2028-06-30"} {
					if !strings.Contains(f.Rationale, want) {
						t.Errorf("rationale lacks %q: %s", want, f.Rationale)
					}
				}
			}},
		{"debian 12 in regular support in 2025", func() Input { return host("debian", "12") }, "2025-06-01",
			func(t *testing.T, out Output) { none(t, out, OS) }},
		{"debian 12 ends soon with LTS after", func() Input { return host("debian", "12") }, "2026-06-01",
			func(t *testing.T, out Output) {
				f := one(t, out, report.KindEOLSoon, OS, "Debian")
				if f.Severity != report.SeverityLow || !strings.Contains(f.Rationale, "in 40 days") {
					t.Errorf("%s %s", f.Severity, f.Rationale)
				}
			}},
		{"debian 12 past LTS in 2028", func() Input { return host("debian", "12") }, "2028-07-01",
			func(t *testing.T, out Output) {
				if f := one(t, out, report.KindEOL, OS, "Debian"); f.Severity != report.SeverityCritical {
					t.Error(f.Severity)
				}
			}},
		{"ubuntu 18.04 in ESM", func() Input { return host("ubuntu", "18.04") }, late26,
			func(t *testing.T, out Output) {
				f := one(t, out, report.KindExtendedSupport, OS, "Ubuntu")
				if !strings.Contains(f.Rationale, "Expanded Security Maintenance") || f.Latest == "" {
					t.Errorf("%+v", f)
				}
			}},
		{"ubuntu 20.04 in ESM", func() Input { return host("ubuntu", "20.04") }, late26,
			func(t *testing.T, out Output) { one(t, out, report.KindExtendedSupport, OS, "Ubuntu") }},
		{"ubuntu 22.04 supported, newer LTS exists", func() Input { return host("ubuntu", "22.04") }, late26,
			func(t *testing.T, out Output) {
				f := one(t, out, report.KindMajorBehind, OS, "Ubuntu")
				if f.Severity != report.SeverityInfo || !strings.HasPrefix(f.Latest, "26.04") {
					t.Errorf("%+v", f)
				}
			}},
		{"ubuntu 24.04 before 26.04 exists", func() Input { return host("ubuntu", "24.04") }, "2026-01-15",
			func(t *testing.T, out Output) { none(t, out, OS) }},
		{"centos 7 is end of life", func() Input { return host("centos", "7") }, late26,
			func(t *testing.T, out Output) {
				f := one(t, out, report.KindEOL, OS, "CentOS")
				if f.Severity != report.SeverityCritical || f.Responsible != prov || !strings.Contains(f.Remediation, "AlmaLinux") {
					t.Errorf("%+v", f)
				}
			}},
		{"centos stream told apart by name", func() Input {
			in := host("centos", "9")
			in.Host.OS.Name = "CentOS Stream"
			return in
		}, "2027-06-15", func(t *testing.T, out Output) { one(t, out, report.KindEOL, OS, "CentOS Stream") }},
		{"cPanel 110 on CentOS 7 is blocked by the OS", func() Input {
			return host("centos", "7", comp(Panel, "cpanel", "11.110.0.154", "major", "110"))
		}, late26, func(t *testing.T, out Output) {
			osf := one(t, out, report.KindEOL, OS, "CentOS")
			p := one(t, out, report.KindExtendedSupport, Panel, "cPanel")
			if p.BlockedBy != osf.ID || p.Rule != "refinement/control-panel-os-limit" || p.Responsible != prov {
				t.Errorf("panel %+v, os id %s", p, osf.ID)
			}
			if !strings.Contains(p.Rationale, "blocks the upgrade") || !strings.Contains(p.Rationale, "to the extent the underlying operating system will allow") {
				t.Errorf("rationale: %s", p.Rationale)
			}
			if p.Severity != report.SeverityHigh { // ELS ends within 90 days
				t.Errorf("severity %s", p.Severity)
			}
		}},
		{"cPanel 110 on CentOS 7 after ELS", func() Input {
			return host("centos", "7", comp(Panel, "cpanel", "11.110.0.154"))
		}, "2027-02-01", func(t *testing.T, out Output) {
			p := one(t, out, report.KindEOL, Panel, "cPanel")
			if p.BlockedBy == "" || p.Severity != report.SeverityCritical {
				t.Errorf("%+v", p)
			}
		}},
		{"cPanel 110 on CloudLinux 7 blocked by CL7 in ELS", func() Input {
			return host("cloudlinux", "7.9", comp(Panel, "cpanel", "11.110.0.154"))
		}, late26, func(t *testing.T, out Output) {
			osf := one(t, out, report.KindExtendedSupport, OS, "CloudLinux")
			if p := one(t, out, report.KindExtendedSupport, Panel, "cPanel"); p.BlockedBy != osf.ID {
				t.Errorf("%+v", p)
			}
		}},
		{"cPanel 110 on AlmaLinux 8 is not covered by ELS and can upgrade", func() Input {
			return host("almalinux", "8.10", comp(Panel, "cpanel", "11.110.0.154"))
		}, late26, func(t *testing.T, out Output) {
			p := one(t, out, report.KindEOL, Panel, "cPanel")
			if p.BlockedBy != "" || p.Rule != "refinement/control-panel-maintenance" || !strings.Contains(p.Remediation, "138") {
				t.Errorf("%+v", p)
			}
		}},
		{"cPanel 118 on Ubuntu 20.04 is blocked", func() Input {
			return host("ubuntu", "20.04", comp(Panel, "cpanel", "11.118.0.63"))
		}, late26, func(t *testing.T, out Output) {
			osf := one(t, out, report.KindExtendedSupport, OS, "Ubuntu")
			if p := one(t, out, report.KindEOL, Panel, "cPanel"); p.BlockedBy != osf.ID {
				t.Errorf("%+v", p)
			}
		}},
		{"cPanel current on AlmaLinux 9", func() Input {
			return host("almalinux", "9.6", comp(Panel, "cpanel", "11.138.0.19", "major", "138", "tier", "release"))
		}, late26, func(t *testing.T, out Output) { none(t, out, Panel) }},
		{"cPanel 134 LTS behind on builds only", func() Input {
			return host("almalinux", "9.6", comp(Panel, "cpanel", "11.134.0.60", "tier", "lts"))
		}, late26, func(t *testing.T, out Output) {
			f := one(t, out, report.KindPatchBehind, Panel, "cPanel")
			if f.Latest != "11.134.0.67" || f.Severity != report.SeverityMedium || f.Responsible != prov {
				t.Errorf("%+v", f)
			}
			if len(pick(out, report.KindMajorBehind, Panel, "")) != 0 {
				t.Error("an LTS major is not behind a newer non-LTS one")
			}
		}},
		{"cPanel without a maintenance agreement is the customer's", func() Input {
			in := host("almalinux", "9.6", comp(Panel, "cpanel", "11.132.0.29"))
			in.Profile.MaintenanceAgreement = false
			return in
		}, late26, func(t *testing.T, out Output) {
			p := one(t, out, report.KindEOL, Panel, "cPanel")
			if p.Responsible != cust || p.Rule != "refinement/control-panel-no-maintenance" {
				t.Errorf("%+v", p)
			}
		}},
		{"cPanel pinned says so", func() Input {
			return host("almalinux", "9.6", comp(Panel, "cpanel", "11.132.0.29", "pinned", "true", "tier", "11.132.0.29"))
		}, late26, func(t *testing.T, out Output) {
			if p := one(t, out, report.KindEOL, Panel, "cPanel"); !strings.Contains(p.Remediation, "/etc/cpupdate.conf") {
				t.Error(p.Remediation)
			}
		}},
		{"cPanel 126's month-precision EOL (2026-08) holds through August 31", func() Input {
			return host("almalinux", "9.4", comp(Panel, "cpanel", "11.126.0.54"))
		}, "2026-08-31", func(t *testing.T, out Output) {
			f := one(t, out, report.KindEOLSoon, Panel, "cPanel")
			if !strings.Contains(f.Rationale, "end of 2026-08") {
				t.Error(f.Rationale)
			}
			// AlmaLinux 9.4 is below the 9.5 that cPanel 132+ need: a point
			// release, not a migration, unblocks it.
			if f.BlockedBy == "" || !strings.Contains(f.Remediation, "9.5 or later") {
				t.Errorf("%+v", f)
			}
		}},
		{"... and is over on September 1", func() Input {
			return host("almalinux", "9.4", comp(Panel, "cpanel", "11.126.0.54"))
		}, "2026-09-01", func(t *testing.T, out Output) {
			if f := one(t, out, report.KindEOL, Panel, "cPanel"); f.EOLDate != "2026-08-31" {
				t.Error(f.EOLDate)
			}
		}},
		{"Plesk behind its 12-week window is high, not critical", func() Input {
			return host("ubuntu", "22.04", comp(Panel, "plesk", "18.0.66", "update", "2"))
		}, late26, func(t *testing.T, out Output) {
			// Every Plesk update in the snapshot has ended by then: the way
			// forward is the newest known one.
			if p := one(t, out, report.KindEOL, Panel, "Plesk"); p.Severity != report.SeverityHigh || p.Installed != "18.0.66" ||
				p.Latest != "18.0.80.3" {
				t.Errorf("%+v", p)
			}
		}},
		{"Plesk current", func() Input {
			return host("ubuntu", "22.04", comp(Panel, "plesk", "18.0.80", "update", "3"))
		}, "2026-09-01", func(t *testing.T, out Output) { none(t, out, Panel) }},
		{"DirectAdmin and Webmin behind their channel", func() Input {
			return host("debian", "12", comp(Panel, "directadmin", "1.62.9"), comp(Panel, "webmin", "2.105"))
		}, late26, func(t *testing.T, out Output) {
			for _, p := range []string{"DirectAdmin", "Webmin"} {
				if f := one(t, out, report.KindPatchBehind, Panel, p); f.Severity != report.SeverityMedium {
					t.Errorf("%+v", f)
				}
			}
		}},
		{"PHP 5.6, 7.4 and 8.3 side by side", func() Input {
			return host("cloudlinux", "8.10",
				comp(Apps, "php", "5.6.40", "instance", "alt-php56", "package_version", "5.6.40-70.el8"),
				comp(Apps, "php", "7.4.33", "instance", "alt-php74", "package_version", "7.4.33-14.el8"),
				comp(Apps, "php", "8.3.14", "instance", "alt-php83", "package_version", "8.3.14-1.el8"))
		}, late26, func(t *testing.T, out Output) {
			eol := pick(out, report.KindEOL, Apps, "PHP")
			if len(eol) != 2 || eol[0].ID == eol[1].ID {
				t.Fatalf("want two EOL PHP findings:\n%s", dump(out))
			}
			for _, f := range eol {
				if f.Severity != report.SeverityHigh || f.Responsible != prov {
					t.Errorf("%+v", f)
				}
				// CloudLinux's hardened alt-php still gets backports.
				if strings.Contains(f.Rationale, "no longer gets security fixes") ||
					!strings.Contains(f.Rationale, "CloudLinux backports security fixes to its hardened build (alt-php") {
					t.Errorf("hardened PHP: %s", f.Rationale)
				}
			}
			if f := one(t, out, report.KindPatchBehind, Apps, "PHP"); f.Cycle != "8.3" {
				t.Errorf("%+v", f)
			}
		}},
		{"OS-packaged PHP on a supported Ubuntu gets backports", func() Input {
			return host("ubuntu", "22.04", comp(Apps, "php", "8.1.2", "instance", "system", "package", "php8.1-cli",
				"package_version", "8.1.2-1ubuntu2.18"))
		}, late26, func(t *testing.T, out Output) {
			f := one(t, out, report.KindExtendedSupport, Apps, "PHP")
			if f.Severity != report.SeverityLow || !strings.Contains(f.Rationale, "backport") || f.EOLDate != "2027-04-01" {
				t.Errorf("%+v", f)
			}
		}},
		{"OS-packaged PHP on Debian 12 in LTS", func() Input {
			return host("debian", "12", comp(Apps, "php", "8.2.29", "instance", "system", "package_version", "8.2.29-1~deb12u1"))
		}, "2027-03-01", func(t *testing.T, out Output) {
			f := one(t, out, report.KindExtendedSupport, Apps, "PHP")
			if f.Severity != report.SeverityMedium || !strings.Contains(f.Rationale, "Debian LTS") || f.EOLDate != "2028-06-30" {
				t.Errorf("%+v", f)
			}
		}},
		{"OS-packaged PHP on an end-of-life OS", func() Input {
			return host("debian", "10", comp(Apps, "php", "7.3.31", "instance", "system", "package_version", "7.3.31-1~deb10u7"))
		}, late26, func(t *testing.T, out Output) {
			if f := one(t, out, report.KindEOL, Apps, "PHP"); f.Severity != report.SeverityHigh {
				t.Errorf("%+v", f)
			}
		}},
		{"PHP from a third-party repository gets none", func() Input {
			return host("ubuntu", "22.04", comp(Apps, "php", "8.1.31", "instance", "system",
				"package_version", "8.1.31-1+ubuntu22.04.1+deb.sury.org+1"))
		}, late26, func(t *testing.T, out Output) {
			if f := one(t, out, report.KindEOL, Apps, "PHP"); f.Severity != report.SeverityHigh {
				t.Error(f.Severity)
			}
		}},
		{"current OS-packaged Apache is left to pending updates", func() Input {
			return host("debian", "13", comp(Apps, "apache-http-server", "2.4.65", "package_version", "2.4.65-2"))
		}, late26, func(t *testing.T, out Output) { none(t, out, Apps) }},
		{"OS-packaged nginx past its upstream branch on Debian 13", func() Input {
			return host("debian", "13", comp(Apps, "nginx", "1.26.3", "package_version", "1.26.3-3+deb13u1"))
		}, late26, func(t *testing.T, out Output) {
			if f := one(t, out, report.KindExtendedSupport, Apps, "nginx"); f.Severity != report.SeverityLow {
				t.Error(f.Severity)
			}
		}},
		{"applications are the customer's on iaas", func() Input {
			in := host("debian", "13", comp(Apps, "postgresql", "9.6.24"))
			in.Profile = iaas()
			return in
		}, late26, func(t *testing.T, out Output) {
			if f := one(t, out, report.KindEOL, Apps, "PostgreSQL"); f.Responsible != cust || f.Rule != "matrix/applications/iaas" {
				t.Errorf("%+v", f)
			}
		}},
		{"WordPress on managed is the customer's", func() Input {
			return host("almalinux", "9.6",
				comp(Web, "wordpress", "6.5.2", "path", "/home/a/public_html"),
				comp(Web, "wordpress", "6.8.1", "path", "/home/b/public_html"),
				comp(Web, "wordpress", "7.1.0", "path", "/home/c/public_html"))
		}, late26, func(t *testing.T, out Output) {
			eol := pick(out, report.KindEOL, Web, "WordPress")
			if len(eol) != 2 {
				t.Fatalf("two old sites:\n%s", dump(out))
			}
			for _, f := range eol {
				if f.Responsible != cust || f.Rule != "refinement/third-party-apps" || !strings.Contains(f.Rationale, "WordPress") {
					t.Errorf("%+v", f)
				}
			}
		}},
		{"Proxmox VE 7, 8 and 9", func() Input {
			in := host("debian", "13", comp(Virt, "proxmox-ve", "7.4.3"))
			in.Components = append(in.Components, comp(Virt, "proxmox-ve", "8.3.5", "instance", "b"), comp(Virt, "proxmox-ve", "9.2.0", "instance", "c"))
			return in
		}, late26, func(t *testing.T, out Output) {
			eol := pick(out, report.KindEOL, Virt, "Proxmox")
			if len(eol) != 2 || eol[0].Severity != report.SeverityCritical || eol[0].Responsible != prov {
				t.Fatalf("PVE 7 and 8 are EOL:\n%s", dump(out))
			}
			for _, f := range out.Findings {
				if f.Layer == Virt && f.Cycle == "9" {
					t.Errorf("PVE 9.2 is current: %+v", f)
				}
			}
		}},
		{"Proxmox VE 8 ends soon in June 2026", func() Input {
			return host("debian", "12", comp(Virt, "proxmox-ve", "8.4.1"))
		}, "2026-06-15", func(t *testing.T, out Output) { one(t, out, report.KindEOLSoon, Virt, "Proxmox") }},
		{"customer-managed virtualisation", func() Input {
			in := host("debian", "12", comp(Virt, "proxmox-ve", "7.4.3"))
			in.Profile.CustomerManagedVirtualisation = true
			return in
		}, late26, func(t *testing.T, out Output) {
			f := one(t, out, report.KindEOL, Virt, "Proxmox")
			if f.Responsible != cust || f.Rule != "refinement/customer-managed-virtualisation" ||
				!strings.Contains(f.Rationale, "managing their own virtualisation layers") {
				t.Errorf("%+v", f)
			}
		}},
		{"virtualisation on colocation", func() Input {
			in := host("debian", "12", comp(Virt, "proxmox-ve", "7.4.3"))
			in.Profile = colocation()
			return in
		}, late26, func(t *testing.T, out Output) {
			if f := one(t, out, report.KindEOL, Virt, "Proxmox"); f.Responsible != cust || f.Rule != "matrix/virtualisation/colocation" {
				t.Errorf("%+v", f)
			}
		}},
		{"old BIOS on managed", func() Input {
			return host("debian", "12", comp(Metal, "bios", "2.1.7", "date", "2019-05-01", "vendor", "Dell Inc.", "product_name", "PowerEdge R640"))
		}, late26, func(t *testing.T, out Output) {
			f := one(t, out, report.KindPatchBehind, Metal, "BIOS")
			if f.Severity != report.SeverityLow || f.Responsible != prov {
				t.Errorf("%+v", f)
			}
		}},
		{"an old BIOS's updates come from the system's maker, not the BIOS core's", func() Input {
			return host("debian", "12", comp(Metal, "bios", "2.6", "date", "2023-03-24",
				"vendor", "American Megatrends International, LLC.", "sys_vendor", "Supermicro", "product_name", "Super Server"))
		}, late26, func(t *testing.T, out Output) {
			f := one(t, out, report.KindPatchBehind, Metal, "BIOS")
			if strings.Contains(f.Rationale+f.Remediation, "American Megatrends") ||
				!strings.Contains(f.Remediation, "Check Supermicro's support site for Supermicro Super Server firmware") {
				t.Errorf("%s / %s", f.Rationale, f.Remediation)
			}
		}},
		{"old BIOS on colocation is the customer's", func() Input {
			in := host("debian", "12", comp(Metal, "bios", "2.1.7", "date", "2019-05-01"))
			in.Profile = colocation()
			return in
		}, late26, func(t *testing.T, out Output) {
			if f := one(t, out, report.KindPatchBehind, Metal, "BIOS"); f.Responsible != cust || f.Rule != "matrix/physical_host/colocation" {
				t.Errorf("%+v", f)
			}
		}},
		{"recent BIOS, virtual BIOS and junk dates", func() Input {
			return host("debian", "12",
				comp(Metal, "bios", "1.0", "date", "2025-01-01"),
				comp(Metal, "bios", "SeaBIOS", "date", "2014-04-01", "virtual", "true"),
				comp(Metal, "bios", "x", "date", "01/02/2019"),
				comp(Metal, "cpu-microcode", "0xf0"))
		}, late26, func(t *testing.T, out Output) { none(t, out, Metal) }},
		{"garbage versions are unknown, never a panic", func() Input {
			return host("debian", "12",
				comp(Panel, "cpanel", "11.x"), comp(Apps, "php", "", "instance", "ea-php99"),
				comp(Apps, "php", "9999999999999999999", "instance", "x"), comp(Web, "wordpress", "\x00\xff"),
				comp(Panel, "directadmin", ""))
		}, late26, func(t *testing.T, out Output) {
			if n := len(pick(out, report.KindUnknownLifecycle, "", "")); n != 3 {
				t.Errorf("want 3 unknown_lifecycle findings, got %d:\n%s", n, dump(out))
			}
			if len(out.Notes) != 2 {
				t.Errorf("empty versions are notes: %+v", out.Notes)
			}
			if f := one(t, out, report.KindUnknownLifecycle, Web, "WordPress"); f.Installed != `"\x00\xff"` {
				t.Errorf("binary version shown as %q", f.Installed)
			}
			for _, f := range pick(out, report.KindUnknownLifecycle, "", "") {
				if f.Severity != report.SeverityInfo {
					t.Errorf("%+v", f)
				}
			}
		}},
		{"products without data are a note", func() Input {
			return host("debian", "12", comp(Virt, "qemu", "8.2.2"), comp(Apps, "openssh", "9.2p1"), comp(Virt, "kvm", ""))
		}, late26, func(t *testing.T, out Output) {
			none(t, out, Virt)
			none(t, out, Apps)
			if len(out.Notes) != 1 || !strings.Contains(out.Notes[0].Message, "qemu 8.2.2") || strings.Contains(out.Notes[0].Message, "kvm") {
				t.Errorf("%+v", out.Notes)
			}
		}},
		{"rolling release", func() Input { return host("arch", "") }, late26,
			func(t *testing.T, out Output) {
				none(t, out, OS)
				if len(out.Notes) == 0 {
					t.Error("want a note")
				}
			}},
		{"unknown distribution", func() Input { return host("mystery", "1.0") }, late26,
			func(t *testing.T, out Output) { one(t, out, report.KindUnknownLifecycle, OS, "") }},
	}
	e := engine(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in()
			in.At = date(t, tt.at)
			out := e.Evaluate(in)
			for _, f := range out.Findings {
				checkFinding(t, f)
			}
			tt.check(t, out)
		})
	}
}

// TestWording: rationales say what is true in grammatical English: the end
// of all support where no extended window follows, a month-precision date
// "at the end of" its month, and a backporting OS by its release cycle,
// not its point release.
func TestWording(t *testing.T) {
	e := engine(t)
	at := date(t, "2026-11-28")
	eval := func(in Input) Output { in.At = at; return e.Evaluate(in) }

	php := comp(report.LayerApplications, "php", "8.2.29", "instance", "ea-php82", "branch", "8.2")
	f := one(t, eval(host("almalinux", "9.6", php)), report.KindEOLSoon, report.LayerApplications, "PHP")
	if !strings.Contains(f.Rationale, "PHP 8.2 reaches the end of all support on 2026-12-31, in 33 days, after which it gets no security fixes") {
		t.Errorf("eol soon without an extended window: %s", f.Rationale)
	}

	// Only the branch known: its end of life is judged, its patch level is
	// not (nothing says which 8.3 release is installed).
	branch := comp(report.LayerApplications, "php", "", "instance", "ea-php83", "branch", "8.3")
	out := eval(host("almalinux", "9.6", branch))
	for _, f := range out.Findings {
		if f.Kind == report.KindPatchBehind {
			t.Errorf("patch level judged without a version: %s", f.Rationale)
		}
	}
	if len(out.Notes) == 0 {
		t.Error("no note that the patch level was not judged")
	}

	cp := comp(report.LayerControlPanel, "cpanel", "11.130.0.19", "major", "130", "tier", "release")
	f = one(t, eval(host("almalinux", "8.10", cp)), report.KindEOL, report.LayerControlPanel, "cPanel")
	if !strings.Contains(f.Rationale, "end of all support at the end of 2025-12,") {
		t.Errorf("month-precision date: %s", f.Rationale)
	}

	pg := comp(report.LayerApplications, "postgresql", "12.7", "package", "postgresql-server",
		"package_version", "12.7-1.module+el8.4.0+587+d46efd10", "instance", "postgresql-server")
	f = one(t, eval(host("rocky", "8.4", pg)), report.KindExtendedSupport, report.LayerApplications, "PostgreSQL")
	if strings.Contains(f.Rationale, "8.4") || !strings.Contains(f.Rationale, "from Rocky Linux 8's own repositories") ||
		!strings.Contains(f.Rationale, "until Rocky Linux 8 leaves regular support on 2029-05-31") {
		t.Errorf("backporting OS named by its point release: %s", f.Rationale)
	}

	da := comp(report.LayerControlPanel, "directadmin", "1.681", "channel", "stable")
	f = one(t, eval(host("debian", "12", da)), report.KindPatchBehind, report.LayerControlPanel, "DirectAdmin")
	if !strings.Contains(f.Rationale, "DirectAdmin 1.681 is behind 1.703, its newest release, and DirectAdmin ships fixes only in new releases") ||
		strings.Contains(f.Rationale, ".)") {
		t.Errorf("channel product: %s", f.Rationale)
	}
}

// TestLateRelease: WordPress ships courtesy security releases to branches
// long past their end (6.6.7 in August 2026), so "no longer gets security
// fixes" would be untrue there; a final release days after the end (PHP
// 5.6.40) changes nothing.
func TestLateRelease(t *testing.T) {
	e := engine(t)
	eval := func(c report.Component) report.Finding {
		in := host("almalinux", "8.10", c)
		in.At = date(t, "2026-11-28")
		return one(t, e.Evaluate(in), report.KindEOL, c.Layer, "")
	}
	wp := func(v string) report.Component {
		return comp(report.LayerThirdPartyApps, "wordpress", v, "path", "/home/bob/public_html")
	}
	f := eval(wp("6.6.2"))
	for _, want := range []string{"past its end of support since 2024-11-12", "6.6.7 came out on 2026-08-12 as a courtesy security release", "WordPress 6.6.2 lacks even that"} {
		if !strings.Contains(f.Rationale, want) {
			t.Errorf("rationale lacks %q: %s", want, f.Rationale)
		}
	}
	if strings.Contains(f.Rationale, "no longer gets security fixes") || !strings.Contains(f.Remediation, "6.6.7") ||
		f.Severity != report.SeverityHigh || f.Responsible != report.ResponsibleCustomer {
		t.Errorf("%+v", f)
	}
	if f := eval(wp("6.6.7")); strings.Contains(f.Rationale, "lacks") || strings.Contains(f.Remediation, "until then") {
		t.Errorf("up to date on its branch: %s / %s", f.Rationale, f.Remediation)
	}
	php := comp(report.LayerApplications, "php", "5.6.40", "instance", "alt-php56", "branch", "5.6")
	if f := eval(php); !strings.Contains(f.Rationale, "no longer gets security fixes") {
		t.Errorf("a final release days after the end is not a courtesy: %s", f.Rationale)
	}
}

// TestPlatformHostOS: on a Proxmox VE host the Debian underneath is part of
// the virtualisation platform: the hypervisor and the OS it is upgraded
// with go to the same party, whatever the OS row says; a plain KVM host
// and a guest keep the OS row.
func TestPlatformHostOS(t *testing.T) {
	e := engine(t)
	pve := comp(report.LayerVirtualisation, "proxmox-ve", "8.3.5")
	qemu := comp(report.LayerVirtualisation, "qemu", "9.0.2")
	eval := func(p report.Profile, role string, c report.Component) Output {
		in := host("debian", "12", c)
		in.Host.Virtualization = report.Virtualization{System: "kvm", Role: role}
		in.Updates = &report.Updates{Manager: "apt", Count: 2, SecurityCount: 1, SecurityDataAvailable: true}
		in.Profile, in.At = p, date(t, "2026-11-28")
		return e.Evaluate(in)
	}
	customerManaged := managed()
	customerManaged.CustomerManagedVirtualisation = true
	tests := []struct {
		name      string
		p         report.Profile
		role      string
		c         report.Component
		who, rule string
	}{
		{"provider's PVE host on IaaS", iaas(), "host", pve, "provider", "matrix/virtualisation/iaas"},
		{"customer-managed PVE host on managed", customerManaged, "host", pve, "customer", "refinement/customer-managed-virtualisation"},
		{"PVE host on colocation", colocation(), "host", pve, "customer", "matrix/virtualisation/colocation"},
		{"plain KVM host on IaaS keeps the OS row", iaas(), "host", qemu, "customer", "matrix/operating_system/iaas"},
		{"PVE seen from a guest keeps the OS row", managed(), "guest", pve, "provider", "matrix/operating_system/managed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := eval(tt.p, tt.role, tt.c)
			for _, k := range []report.Kind{report.KindExtendedSupport, report.KindUpdatesPending} {
				f := one(t, out, k, report.LayerOperatingSystem, "Debian")
				if string(f.Responsible) != tt.who || f.Rule != tt.rule {
					t.Errorf("%s: %s %s: %s", k, f.Responsible, f.Rule, f.Rationale)
				}
			}
		})
	}
}

// TestAltPHPOffCloudLinux: alt-php on another OS is TuxCare's paid ELS,
// which demarc cannot see: upstream's verdict stands.
func TestAltPHPOffCloudLinux(t *testing.T) {
	in := host("almalinux", "8.10", comp(report.LayerApplications, "php", "5.6.40", "instance", "alt-php56"))
	in.At = date(t, "2026-11-28")
	f := one(t, engine(t).Evaluate(in), report.KindEOL, report.LayerApplications, "PHP")
	if !strings.Contains(f.Rationale, "no longer gets security fixes") || f.Severity != report.SeverityHigh {
		t.Errorf("%+v", f)
	}
}

// TestPlatformKernel: a Proxmox VE host's pending reboot is for Proxmox's
// kernel, not Debian's.
func TestPlatformKernel(t *testing.T) {
	in := host("debian", "12", comp(report.LayerVirtualisation, "proxmox-ve", "8.3.5"))
	in.Host.Virtualization = report.Virtualization{System: "kvm", Role: "host"}
	in.Host.Kernel = report.Kernel{Release: "6.8.12-4-pve", NewestInstalled: "6.8.12-5-pve", NewerInstalled: true}
	in.At = date(t, "2026-11-28")
	if f := one(t, engine(t).Evaluate(in), report.KindRebootRequired, report.LayerOperatingSystem, ""); f.Product != "Proxmox VE kernel" {
		t.Errorf("%+v", f)
	}
}
