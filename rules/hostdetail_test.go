package rules

import (
	"strings"
	"testing"

	"github.com/demarc/demarc/report"
)

// TestAccountEvidence: on a shared server whose panel lists its accounts,
// an end-of-life PHP names the accounts with sites on it, and an old
// WordPress names the account and domain whose document root holds it.
func TestAccountEvidence(t *testing.T) {
	in := host("almalinux", "9.6",
		comp(report.LayerApplications, "php", "7.4.33", "instance", "ea-php74"),
		comp(report.LayerApplications, "php", "8.3.14", "instance", "ea-php83"),
		comp(report.LayerThirdPartyApps, "wordpress", "6.5.2", "path", "/home/bob/addon.example.net/blog"),
		comp(report.LayerThirdPartyApps, "wordpress", "6.5.2", "path", "/home/zed/public_html"))
	in.Host.Accounts = []report.Account{
		{Panel: "cpanel", User: "bob", Domains: []report.AccountDomain{
			{Name: "example.com", DocumentRoot: "/home/bob/public_html", PHP: "ea-php83"},
			{Name: "addon.example.net", DocumentRoot: "/home/bob/addon.example.net", PHP: "ea-php74"},
		}},
		{Panel: "cpanel", User: "carol", Domains: []report.AccountDomain{
			{Name: "carol.example.org", DocumentRoot: "/home/carol/public_html", PHP: "ea-php74", PHPInherited: true},
		}},
		// A document root that is a prefix of another as a string only.
		{Panel: "cpanel", User: "bo", Domains: []report.AccountDomain{{Name: "bo.example", DocumentRoot: "/home/bo", PHP: "ea-php83"}}},
	}
	in.At = date(t, "2026-11-28")
	out := engine(t).Evaluate(in)
	php := one(t, out, report.KindEOL, report.LayerApplications, "PHP")
	want := "accounts: bob (addon.example.net), carol (carol.example.org by default)"
	if !contains(php.Evidence, want) {
		t.Errorf("PHP 7.4 evidence lacks %q: %q", want, php.Evidence)
	}
	for _, f := range pick(out, report.KindEOL, report.LayerThirdPartyApps, "WordPress") {
		ev := strings.Join(f.Evidence, "\n")
		switch {
		case strings.Contains(ev, "/home/bob/addon.example.net/blog"):
			if !strings.Contains(ev, "account: bob (addon.example.net, document root /home/bob/addon.example.net)") {
				t.Errorf("bob's site: %q", f.Evidence)
			}
		case strings.Contains(ev, "account:"):
			t.Errorf("a site under no listed document root got an account: %q", f.Evidence)
		}
	}
	// No accounts listed: no account evidence.
	in.Host.Accounts = nil
	for _, f := range engine(t).Evaluate(in).Findings {
		for _, e := range f.Evidence {
			if strings.Contains(e, "account") {
				t.Errorf("account evidence without accounts: %q", e)
			}
		}
	}
}

// TestAccountEvidencePlesk: Plesk names its PHP builds as the
// applications collector names their instances (plesk-php74), and the
// distribution's PHP by its branch (system-8.1), which the collector
// calls plain "system" when it is the only one: both name the accounts.
func TestAccountEvidencePlesk(t *testing.T) {
	accts := []report.Account{
		{Panel: "plesk", User: "acmeweb", Domains: []report.AccountDomain{
			{Name: "acme.example.com", PHP: "plesk-php74"},
			{Name: "shop.acme.example.com", PHP: "system-8.1"},
		}},
		{Panel: "plesk", User: "bob", Domains: []report.AccountDomain{{Name: "bob.example.net", PHP: "system-7.4"}}},
	}
	for _, c := range []struct {
		inst, branch, want string
	}{
		{"plesk-php74", "7.4", "accounts: acmeweb (acme.example.com)"},
		{"system", "8.1", "accounts: acmeweb (shop.acme.example.com)"},
		{"system-7.4", "7.4", "accounts: bob (bob.example.net)"},
		{"system", "", ""},
		{"system", "8.3", ""},
		{"plesk-php81", "8.1", ""},
	} {
		if got := accountsOn(accts, c.inst, c.branch); got != c.want {
			t.Errorf("%s %s: got %q, want %q", c.inst, c.branch, got, c.want)
		}
	}
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// TestPluginsListedNotJudged: WordPress plugins and themes have no
// published support periods: no finding, one note counting them.
func TestPluginsListedNotJudged(t *testing.T) {
	in := host("almalinux", "9.6",
		comp(report.LayerThirdPartyApps, "wordpress-plugin", "5.3.5", "instance", "akismet in /home/a/public_html"),
		comp(report.LayerThirdPartyApps, "wordpress-plugin", "1.7.2", "instance", "hello in /home/a/public_html"),
		comp(report.LayerThirdPartyApps, "wordpress-theme", "1.2", "instance", "twentytwentyfour in /home/a/public_html"))
	in.At = date(t, "2026-11-28")
	out := engine(t).Evaluate(in)
	for _, f := range out.Findings {
		if f.Layer == report.LayerThirdPartyApps {
			t.Errorf("a plugin or theme was judged: %+v", f)
		}
	}
	var notes []string
	for _, n := range out.Notes {
		notes = append(notes, n.Message)
	}
	want := "listed with their versions but not judged, as their makers publish no support periods: 1 WordPress theme, 2 WordPress plugins"
	if !contains(notes, want) {
		t.Errorf("notes %q lack %q", notes, want)
	}
}

// TestExtendedChannel: Ubuntu 18.04 in ESM is covered only on a host that
// fetches ESM; one whose apt lists have no ESM index gets no fixes.
func TestExtendedChannel(t *testing.T) {
	for _, c := range []struct {
		name     string
		os       report.OS
		sev      report.Severity
		contains string
	}{
		{"attached", report.OS{Channels: []string{"esm-apps", "esm-infra"}, ChannelsKnown: true}, report.SeverityMedium, "this host receives it (esm-apps, esm-infra)"},
		{"not attached", report.OS{ChannelsKnown: true}, report.SeverityHigh, "which this host does not receive"},
		{"only esm-apps", report.OS{Channels: []string{"esm-apps"}, ChannelsKnown: true}, report.SeverityHigh, "which this host does not receive"},
		{"unknown", report.OS{}, report.SeverityMedium, "(a subscription)"},
	} {
		in := host("ubuntu", "18.04")
		c.os.ID, c.os.VersionID = "ubuntu", "18.04"
		in.Host.OS = c.os
		in.At = date(t, "2026-11-28")
		f := one(t, engine(t).Evaluate(in), report.KindExtendedSupport, report.LayerOperatingSystem, "Ubuntu")
		if f.Severity != c.sev || !strings.Contains(f.Rationale, c.contains) {
			t.Errorf("%s: %s %q", c.name, f.Severity, f.Rationale)
		}
		if c.name == "unknown" && strings.Contains(f.Rationale, "receive") {
			t.Errorf("unknown channels claimed: %q", f.Rationale)
		}
	}
}

// TestAdvisorySeverity: the pending-updates finding takes the highest
// rating of the advisories its security updates fix, and says how many of
// each; without ratings it stays high for any security fix.
func TestAdvisorySeverity(t *testing.T) {
	pkg := func(sec bool, rating string) report.Package {
		return report.Package{Name: "p" + rating, Installed: "1", Candidate: "2", Security: sec, Severity: rating}
	}
	for _, c := range []struct {
		name string
		pkgs []report.Package
		sev  report.Severity
		text string
	}{
		{"critical wins", []report.Package{pkg(true, "Critical"), pkg(true, "Important"), pkg(true, "Moderate"), pkg(false, "")}, report.SeverityCritical, "(1 critical, 1 important, 1 moderate)"},
		{"moderate only", []report.Package{pkg(true, "Moderate"), pkg(true, "low")}, report.SeverityMedium, "(1 moderate, 1 low)"},
		{"an unrated security fix is high", []report.Package{pkg(true, "Low"), pkg(true, "")}, report.SeverityHigh, "(1 low, 1 unrated)"},
		{"no ratings", []report.Package{pkg(true, ""), pkg(false, "")}, report.SeverityHigh, "1 of them a security fix"},
		{"ratings on non-security updates are ignored", []report.Package{pkg(false, "Critical")}, report.SeverityLow, "not marked as a security fix"},
	} {
		in := host("almalinux", "9.6")
		u := &report.Updates{Manager: "dnf", Count: len(c.pkgs), SecurityDataAvailable: true, Packages: c.pkgs, MetadataAgeSeconds: 60}
		for _, p := range c.pkgs {
			if p.Security {
				u.SecurityCount++
			}
		}
		in.Updates = u
		in.At = date(t, "2026-11-28")
		f := one(t, engine(t).Evaluate(in), report.KindUpdatesPending, report.LayerOperatingSystem, "AlmaLinux OS")
		if f.Severity != c.sev || !strings.Contains(f.Rationale, c.text) {
			t.Errorf("%s: %s %q", c.name, f.Severity, f.Rationale)
		}
	}
}

// TestAdvisorySeveritySUSE: SUSE writes its ratings in lower case
// (critical, important, moderate, low); zypper counts patches, not
// packages, so the counts by rating, which are of the packages the
// patches update, say so.
func TestAdvisorySeveritySUSE(t *testing.T) {
	pkgs := []report.Package{
		{Name: "bind-libs", Installed: "9.4.2-28.1", Candidate: "9.4.2-39.2", Security: true, Advisories: []string{"SUSE-1"}, Severity: "important"},
		{Name: "bind-utils", Installed: "9.4.2-28.1", Candidate: "9.4.2-39.2", Security: true, Advisories: []string{"SUSE-1"}, Severity: "important"},
		{Name: "clamav", Installed: "0.93.1-0.1", Candidate: "0.94-0.1", Security: true, Advisories: []string{"SUSE-2"}, Severity: "critical"},
		{Name: "timezone", Installed: "2008c-0.1", Candidate: "2008h-1.1"},
	}
	in := host("sles", "15.6")
	in.Updates = &report.Updates{Manager: "zypper", Count: len(pkgs), SecurityCount: 2, SecurityDataAvailable: true, Packages: pkgs, MetadataAgeSeconds: 60}
	in.At = date(t, "2026-11-28")
	f := one(t, engine(t).Evaluate(in), report.KindUpdatesPending, report.LayerOperatingSystem, "SUSE Linux Enterprise Server")
	if f.Severity != report.SeverityCritical || !strings.Contains(f.Rationale, "2 of them security fixes (by package: 1 critical, 2 important)") {
		t.Errorf("%s %q", f.Severity, f.Rationale)
	}
}
