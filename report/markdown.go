package report

import (
	"fmt"
	"io"
	"strings"
	"unicode"
)

// RenderMarkdown writes the report as Markdown for a ticket or an e-mail:
// host facts, the provider's and the customer's findings as tables with
// rationale and remediation, what was found installed, and what could not
// be checked. Every untrusted string is escaped so that a hostile hostname
// or version cannot inject markup.
func RenderMarkdown(w io.Writer, r *Report) error {
	p := &printer{w: w, byID: indexFindings(r.Findings), osUnknown: r.OSUnidentified()}
	h := r.Host
	p.printf("# demarc scan: %s\n\n", mdText(h.Hostname))
	if p.osUnknown {
		p.printf("**%s.**\n\n", mdText(upperFirst(UnknownOSText)))
	}
	p.printf("| | |\n| --- | --- |\n")
	row := func(k, v string) {
		if strings.TrimSpace(v) != "" {
			p.printf("| %s | %s |\n", k, mdCell(v))
		}
	}
	row("Host", h.Hostname)
	row("Host ID", h.HostID)
	row("Operating system", osDisplayName(h.OS))
	row("Kernel", h.Kernel.Release)
	row("Virtualization", strings.TrimSpace(h.Virtualization.System+" "+h.Virtualization.Role))
	row("Provider", r.Profile.Provider)
	tier := string(r.Profile.Tier)
	if r.Profile.MaintenanceAgreement {
		tier += ", maintenance agreement"
	}
	row("Service", tier)
	row("Scanned", r.ScannedAt.UTC().Format("2006-01-02 15:04:05 MST"))
	row("Lifecycle as of", r.EvaluatedAt)
	if r.Updates != nil {
		row("Pending updates", fmt.Sprintf("%d (%s) via %s", r.Updates.Count, r.Updates.SecurityText(), r.Updates.Manager))
	}
	mdFindings(p, providerSection(r), byParty(r.Findings, ResponsibleProvider), r.Summary.Provider)
	mdFindings(p, "Yours to fix", byParty(r.Findings, ResponsibleCustomer), r.Summary.Customer)
	if u := r.Updates; u != nil && len(u.Packages) > 0 {
		p.printf("\n## Pending updates\n\n%s via %s, security fixes first.\n\n", mdText(u.PendingText()), mdText(u.Manager))
		p.printf("| Package | Installed | Candidate | Security | Origin |\n| --- | --- | --- | --- | --- |\n")
		for _, pk := range pendingInOrder(u) {
			sec := "no"
			switch {
			case pk.Security:
				sec = "yes"
			case !u.SecurityDataAvailable:
				sec = "unknown"
			}
			name := pk.Name
			if pk.Arch != "" {
				name += " (" + pk.Arch + ")"
			}
			if pk.Phased {
				sec += ", phased"
			}
			p.printf("| %s | %s | %s | %s | %s |\n", mdCell(name), mdCell(pk.Installed), mdCell(pk.Candidate), sec, mdCell(pk.Origin))
		}
	}

	if len(r.Components) > 0 {
		p.printf("\n## Installed\n\n| Layer | Product | Version | Source |\n| --- | --- | --- | --- |\n")
		for _, c := range r.Components {
			p.printf("| %s | %s | %s | %s |\n", mdCell(string(c.Layer)), mdCell(c.Product), mdCell(c.Version), mdCell(c.Source))
		}
	}
	if len(r.Errors) > 0 {
		p.printf("\n## Could not check\n\n")
		for _, e := range r.Errors {
			p.printf("- **%s**: %s\n", mdText(e.Collector), mdText(firstLineOf(e.Error)))
		}
	}
	if len(r.Notes) > 0 {
		p.printf("\n## Notes\n\n")
		for _, n := range r.Notes {
			p.printf("- **%s**: %s\n", mdText(n.Collector), mdText(n.Message))
		}
	}
	if l := r.Lifecycle; l != nil {
		p.printf("\nLifecycle data snapshot %s (%d days old)", l.SnapshotDate, l.AgeDays)
		if l.Stale {
			p.printf(": **stale**, recent releases and end-of-life changes may be missing")
		}
		p.printf(".\n")
	}
	p.printf("\n_Report %s, %s %s, schema %s._\n", mdText(r.ReportID), mdText(r.Agent.Name), mdText(r.Agent.Version), r.Schema)
	return p.err
}

func mdFindings(p *printer, title string, fs []Finding, c Counts) {
	p.printf("\n## %s\n\n", mdText(title))
	if len(fs) == 0 {
		p.printf("%s.\n", upperFirst(p.nothingFound()))
		return
	}
	p.printf("%s.\n\n", countsText(c))
	p.printf("| Severity | Product | Installed | Latest | Gap | Why | What to do |\n| --- | --- | --- | --- | --- | --- | --- |\n")
	for _, f := range fs {
		why := f.Rationale
		if f.BlockedBy != "" {
			why += " (" + p.blockedText(f.BlockedBy) + ")"
		}
		if a := f.Accounts(); a != "" {
			why += "; " + a
		}
		p.printf("| %s | %s | %s | %s | %s | %s | %s |\n", f.Severity, mdCell(productText(&f)), mdCell(f.Installed),
			mdCell(f.Latest), mdCell(strings.ReplaceAll(string(f.Kind), "_", " ")), mdCell(why), mdCell(f.Remediation))
	}
}

// mdText escapes Markdown and HTML metacharacters in running text and table
// cells: emphasis, code, links, strikethrough, cell separators and tags.
// Underscores inside words are left alone (GFM does not emphasise them).
func mdText(s string) string {
	rs := []rune(clean(s))
	var b strings.Builder
	for i, r := range rs {
		switch r {
		case '\\', '`', '*', '[', ']', '|', '~':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '_':
			if i > 0 && i+1 < len(rs) && isWord(rs[i-1]) && isWord(rs[i+1]) {
				b.WriteRune(r)
			} else {
				b.WriteString("\\_")
			}
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isWord(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// mdCell is mdText for a table cell; an empty cell shows a dash.
func mdCell(s string) string {
	if strings.TrimSpace(s) == "" {
		return "–"
	}
	return mdText(s)
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}
