package reportgen

import (
	"fmt"

	"github.com/demarc/demarc/report"
)

type osRelease struct {
	id, name, version, pretty, family, codename, kernel, pkgSource, eol string
	pastEOL                                                             bool
}

var osReleases = []osRelease{
	{"ubuntu", "Ubuntu", "22.04", "Ubuntu 22.04.4 LTS", "debian", "jammy", "5.15.0-105-generic", "/var/lib/dpkg/status", "2027-06-01", false},
	{"ubuntu", "Ubuntu", "20.04", "Ubuntu 20.04.6 LTS", "debian", "focal", "5.4.0-182-generic", "/var/lib/dpkg/status", "2025-05-31", true},
	{"debian", "Debian GNU/Linux", "12", "Debian GNU/Linux 12 (bookworm)", "debian", "bookworm", "6.1.0-21-amd64", "/var/lib/dpkg/status", "2028-06-30", false},
	{"almalinux", "AlmaLinux", "9.4", "AlmaLinux 9.4 (Seafoam Ocelot)", "rhel", "", "5.14.0-427.13.1.el9_4.x86_64", "rpm -qa", "2032-05-31", false},
	{"centos", "CentOS Linux", "7", "CentOS Linux 7 (Core)", "rhel", "", "3.10.0-1160.119.1.el7.x86_64", "rpm -qa", "2024-06-30", true},
	{"cloudlinux", "CloudLinux", "8.9", "CloudLinux 8.9 (Vladimir Aksenov)", "rhel", "", "4.18.0-513.24.1.lve.el8.x86_64", "rpm -qa", "2029-05-31", false},
}

var hostPrefixes = []string{"web", "db", "mail", "cp", "app", "vps", "node"}

type app struct {
	layer                                           report.Layer
	product, display, installed, latest, cycle, eol string
	source, pkg                                     string
	kind                                            report.Kind
	severity                                        report.Severity
}

var apps = []app{
	{report.LayerControlPanel, "cpanel", "cPanel & WHM", "11.118.0.15", "11.118.0.24", "118", "2025-09-30", "/usr/local/cpanel/version", "cpanel", report.KindPatchBehind, report.SeverityHigh},
	{report.LayerApplications, "php", "PHP", "8.1.27", "8.1.31", "8.1", "2025-12-31", "/usr/bin/php -v", "ea-php81", report.KindEOL, report.SeverityCritical},
	{report.LayerApplications, "mysql", "MySQL", "5.7.44", "8.4.3", "5.7", "2023-10-31", "mysqld --version", "mysql-server", report.KindEOL, report.SeverityCritical},
	{report.LayerApplications, "nginx", "nginx", "1.22.1", "1.26.2", "1.22", "2023-05-24", "nginx -v", "nginx", report.KindMajorBehind, report.SeverityMedium},
	{report.LayerApplications, "apache", "Apache HTTP Server", "2.4.57", "2.4.62", "2.4", "", "httpd -v", "httpd", report.KindPatchBehind, report.SeverityMedium},
	{report.LayerThirdPartyApps, "wordpress", "WordPress", "6.2.5", "6.6.2", "6.2", "", "/home/shop/public_html/wp-includes/version.php", "", report.KindMajorBehind, report.SeverityHigh},
	{report.LayerThirdPartyApps, "wp-plugin-contact-form-7", "Contact Form 7 (WordPress plugin)", "5.7.4", "5.9.8", "", "", "/home/shop/public_html/wp-content/plugins/contact-form-7/readme.txt", "", report.KindPatchBehind, report.SeverityMedium},
	{report.LayerPhysicalHost, "bios", "BIOS", "2.3.5", "2.19.1", "", "", "/sys/class/dmi/id/bios_version", "", report.KindPatchBehind, report.SeverityLow},
}

var osPackages = []string{
	"openssl", "openssh-server", "libc6", "sudo", "curl", "libcurl4", "bash", "coreutils", "systemd",
	"libssl3", "tzdata", "ca-certificates", "python3", "perl", "git", "vim", "rsync", "bind9-libs",
	"libxml2", "zlib1g", "expat", "libgnutls30", "krb5-libs", "glib2", "libpng16", "nss", "gnupg2",
	"polkit", "dbus", "util-linux", "tar", "gzip", "xz-libs", "less", "wget", "sqlite-libs",
	"libtiff", "libjpeg-turbo", "freetype", "fontconfig", "pam", "shadow-utils", "cronie", "logrotate",
	"iptables", "nftables", "firewalld", "chrony", "postfix", "dovecot", "exim", "bind", "unbound",
	"libssh", "libarchive", "file-libs", "grub2-common", "dracut", "kmod", "procps-ng",
}

// responsible applies the built-in matrix to a layer for the host's tier.
func responsible(l report.Layer, t report.Tier) (report.Responsible, string) {
	managed := t == report.TierManaged
	switch l {
	case report.LayerOperatingSystem, report.LayerControlPanel:
		if managed {
			return report.ResponsibleProvider, fmt.Sprintf("matrix:%s/%s:maintenance_agreement", t, l)
		}
		return report.ResponsibleCustomer, fmt.Sprintf("matrix:%s/%s:no_maintenance_agreement", t, l)
	case report.LayerApplications:
		if managed {
			return report.ResponsibleProvider, "matrix:managed/applications"
		}
	case report.LayerPhysicalHost:
		if t != report.TierColocation {
			return report.ResponsibleProvider, fmt.Sprintf("matrix:%s/physical_host", t)
		}
	}
	return report.ResponsibleCustomer, fmt.Sprintf("matrix:%s/%s", t, l)
}

func candidateFindings(h *Host) []report.Finding {
	var out []report.Finding
	add := func(f report.Finding) {
		f.Responsible, f.Rule = responsible(f.Layer, h.Tier)
		party := "the provider"
		if f.Responsible == report.ResponsibleCustomer {
			party = "you"
		}
		f.Rationale = fmt.Sprintf("%s %s is %s; under the %s tier %s patch the %s layer.",
			f.Product, f.Installed, kindWords[f.Kind], h.Tier, party, f.Layer)
		out = append(out, f)
	}
	if h.os.pastEOL {
		add(report.Finding{ID: "eol/operating_system/" + h.os.id + "/" + h.os.version, Kind: report.KindEOL,
			Layer: report.LayerOperatingSystem, Product: h.os.name, Installed: h.os.version, Cycle: h.os.version,
			EOLDate: h.os.eol, Severity: report.SeverityCritical,
			Remediation: "Upgrade to a supported release of " + h.os.name + ".",
			Evidence:    []string{"/etc/os-release: PRETTY_NAME=\"" + h.os.pretty + "\""}})
	}
	add(report.Finding{ID: "reboot_required/operating_system/linux-kernel", Kind: report.KindRebootRequired,
		Layer: report.LayerOperatingSystem, Product: "Linux kernel", Installed: h.os.kernel, Severity: report.SeverityMedium,
		Remediation: "Reboot into the newest installed kernel.", Evidence: []string{"/var/run/reboot-required exists"}})
	for _, a := range apps {
		add(report.Finding{ID: string(a.kind) + "/" + string(a.layer) + "/" + a.product, Kind: a.kind, Layer: a.layer,
			Product: a.display, Installed: a.installed, Latest: a.latest, Cycle: a.cycle, EOLDate: a.eol,
			Severity: a.severity, Remediation: "Update " + a.display + " to " + a.latest + ".",
			Evidence: []string{a.source + ": " + a.installed}})
	}
	for i, p := range osPackages {
		sev := []report.Severity{report.SeverityHigh, report.SeverityMedium, report.SeverityLow}[i%3]
		inst := fmt.Sprintf("%d.%d.%d-%dubuntu0.%d", 1+i%3, i%10, i%7, 1+i%4, i%5)
		add(report.Finding{ID: "patch_behind/operating_system/" + slug(p), Kind: report.KindPatchBehind,
			Layer: report.LayerOperatingSystem, Product: p, Installed: inst, Latest: inst + "+esm1",
			Severity: sev, Remediation: "Run the package manager's upgrade for " + p + ".",
			Evidence: []string{h.os.pkgSource + ": " + p + " " + inst}})
	}
	return out
}

var kindWords = map[report.Kind]string{
	report.KindEOL:              "past the end of all support",
	report.KindExtendedSupport:  "only in extended support",
	report.KindEOLSoon:          "reaching its end of life within 90 days",
	report.KindMajorBehind:      "behind the current major release",
	report.KindPatchBehind:      "behind on patches",
	report.KindUpdatesPending:   "waiting for OS updates",
	report.KindRebootRequired:   "waiting for a reboot",
	report.KindUnknownLifecycle: "of unknown lifecycle",
}
