package report

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ANSI colours for the terminal table, used only when RenderOptions.Color.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiBlue   = "\x1b[34m"
	ansiCyan   = "\x1b[36m"
)

var severityColor = map[Severity]string{
	SeverityCritical: ansiBold + ansiRed,
	SeverityHigh:     ansiRed,
	SeverityMedium:   ansiYellow,
	SeverityLow:      ansiCyan,
	SeverityInfo:     ansiDim,
}

// RenderTable writes the report for a person at a terminal: a host line,
// then "The provider's to fix" and "Yours to fix", each sorted by severity,
// one line per finding with product, installed → latest and why; then
// collector errors and notes. Colour only when o.Color is set.
func RenderTable(w io.Writer, r *Report, o RenderOptions) error {
	p := &printer{w: w, color: o.Color, width: o.Width, byID: indexFindings(r.Findings), osUnknown: r.OSUnidentified()}
	p.header(r)
	p.section(providerSection(r), byParty(r.Findings, ResponsibleProvider), r.Summary.Provider)
	p.section("Yours to fix", byParty(r.Findings, ResponsibleCustomer), r.Summary.Customer)
	p.pending(r.Updates)
	p.footer(r)
	return p.err
}

type printer struct {
	w     io.Writer
	color bool
	width int
	err   error
	byID  map[string]Finding
	// osUnknown: the report's OS is unknown (Report.OSUnidentified), so an empty
	// section says so.
	osUnknown bool
}

func indexFindings(fs []Finding) map[string]Finding {
	m := make(map[string]Finding, len(fs))
	for _, f := range fs {
		m[f.ID] = f
	}
	return m
}

// blockedText says what blocks a finding, by the blocking finding's product
// and gap when it is in the report.
func (p *printer) blockedText(id string) string {
	if b, ok := p.byID[id]; ok {
		return fmt.Sprintf("blocked by %s %s: %s", b.Product, b.Installed, strings.ReplaceAll(string(b.Kind), "_", " "))
	}
	return "blocked by finding " + id
}

func (p *printer) printf(format string, a ...any) {
	if p.err != nil {
		return
	}
	_, p.err = fmt.Fprintf(p.w, format, a...)
}

func (p *printer) paint(code, s string) string {
	if !p.color || code == "" {
		return s
	}
	return code + s + ansiReset
}

func (p *printer) header(r *Report) {
	h := r.Host
	osName := osDisplayName(h.OS)
	parts := []string{clean(h.Hostname)}
	if osName != "" {
		parts = append(parts, clean(osName))
	}
	if h.Kernel.Release != "" {
		parts = append(parts, "kernel "+clean(h.Kernel.Release))
	}
	if v := h.Virtualization; v.Role != "" {
		parts = append(parts, clean(strings.TrimSpace(v.System+" "+v.Role)))
	}
	p.printf("%s %s\n", p.paint(ansiBold, "demarc scan:"), strings.Join(nonEmpty(parts), " · "))
	if p.osUnknown {
		p.printf("%s\n", p.paint(ansiBold+ansiRed, UnknownOSText))
	}
	prof := r.Profile
	terms := string(prof.Tier)
	if prof.MaintenanceAgreement {
		terms += ", maintenance agreement"
	} else {
		terms += ", no maintenance agreement"
	}
	if prof.CustomerManagedVirtualisation {
		terms += ", customer-managed virtualisation"
	}
	date := r.EvaluatedAt
	if date == "" {
		date = r.ScannedAt.Format("2006-01-02")
	}
	p.printf("%s %s (%s) · lifecycle as of %s\n", p.paint(ansiDim, "service:"), clean(prof.Provider), terms, date)
	if r.Updates != nil {
		u := r.Updates
		p.printf("%s %s via %s\n", p.paint(ansiDim, "updates:"), u.PendingText(), u.Manager)
	}
}

func (p *printer) section(title string, fs []Finding, c Counts) {
	p.printf("\n%s", p.paint(ansiBold, title))
	if len(fs) == 0 {
		p.printf(": %s\n", p.nothingFound())
		return
	}
	p.printf(": %s\n", countsText(c))
	type row struct {
		sev                  Severity
		product, change, why string
		accounts             string // the accounts line, once per row
	}
	var rows []row
	pw, cw := 0, 0
	// Whose each gap is, and the model's words for it, are said once per
	// section: rows that share them point at one note below. Findings of
	// one product instance and release cycle (PHP 8.2 near its end of life
	// and behind on patches) share one row, at the first's (the most
	// severe) severity; pending updates and reboots keep their own rows.
	var owners []string
	same := map[string]int{} // product instance and cycle → row
	for _, f := range fs {
		change := clean(f.Installed)
		if f.Latest != "" && f.Latest != f.Installed {
			change += " → " + clean(f.Latest)
		}
		why := clean(f.Rationale)
		if gap, whose, ok := SplitRationale(f.Rationale); ok {
			n := slices.Index(owners, whose)
			if n < 0 {
				owners = append(owners, whose)
				n = len(owners) - 1
			}
			why = fmt.Sprintf("%s [%d]", clean(gap), n+1)
		}
		if f.BlockedBy != "" {
			why += " (" + clean(p.blockedText(f.BlockedBy)) + ")"
		}
		product := clean(productText(&f))
		key := product + "\x00" + f.Cycle
		if f.Cycle == "" || f.Kind == KindUpdatesPending || f.Kind == KindRebootRequired {
			key = "\x00" + f.ID // pending work is a row of its own
		}
		if i, ok := same[key]; ok {
			rows[i].why += "; also, " + why
			continue
		}
		same[key] = len(rows)
		rows = append(rows, row{f.Severity, product, change, why, clean(f.Accounts())})
		pw = max(pw, runeLen(product))
		cw = max(cw, runeLen(change))
	}
	// Severity is fixed-width so colour codes never upset the alignment.
	indent := 2 + 8 + 2 + pw + 2 + cw + 2
	for _, rw := range rows {
		cols := pad(rw.product, pw) + "  " + pad(rw.change, cw) + "  "
		if rw.accounts != "" {
			rw.why += "; " + rw.accounts
		}
		why := wrap(rw.why, indent, p.width)
		if strings.HasPrefix(why, "\n") {
			cols = strings.TrimRight(cols, " ")
		}
		p.printf("  %s  %s%s\n", p.paint(severityColor[rw.sev], fmt.Sprintf("%-8s", rw.sev)), cols, why)
	}
	for i, o := range owners {
		mark := fmt.Sprintf("  [%d] ", i+1)
		p.printf("%s%s\n", p.paint(ansiDim, mark), wrap(upperFirst(clean(o)), runeLen(mark), p.width))
	}
}

// tablePending is how many pending updates the table names; the Markdown
// and JSON reports list every one.
const tablePending = 10

// pending names the pending updates, security fixes first.
func (p *printer) pending(u *Updates) {
	if u == nil || len(u.Packages) == 0 {
		return
	}
	p.printf("\n%s: %s via %s\n", p.paint(ansiBold, "Pending updates"), u.PendingText(), clean(u.Manager))
	ps := pendingInOrder(u)
	nw := 0
	for _, pk := range ps[:min(len(ps), tablePending)] {
		nw = max(nw, runeLen(clean(pk.Name)))
	}
	for i, pk := range ps {
		if i == tablePending {
			p.printf("  … and %d more (--format markdown or json lists every one)\n", len(ps)-tablePending)
			break
		}
		tag := ""
		switch {
		case pk.Security:
			tag = "  " + p.paint(ansiRed, "security")
		case pk.Phased:
			tag = "  phased"
		}
		p.printf("  %s  %s → %s%s\n", pad(clean(pk.Name), nw), clean(pk.Installed), clean(pk.Candidate), tag)
	}
}

// wrap breaks text into lines that fit width when printed from column
// indent, continuing at that column; width 0 means no wrapping. When the
// column leaves too little room for a readable paragraph, the text goes on
// its own lines below, at a small indent.
func wrap(text string, indent, width int) string {
	if width <= 0 || indent+runeLen(text) <= width {
		return text
	}
	room := width - indent
	if room < 60 {
		indent = 12
		room = width - indent
		if room < 20 {
			return text
		}
		return "\n" + strings.Repeat(" ", indent) + strings.Join(fill(text, room), "\n"+strings.Repeat(" ", indent))
	}
	return strings.Join(fill(text, room), "\n"+strings.Repeat(" ", indent))
}

// fill splits text at spaces into lines of at most room runes (a longer
// word gets a line of its own).
func fill(text string, room int) []string {
	var lines []string
	var cur strings.Builder
	n := 0
	for _, word := range strings.Fields(text) {
		wl := runeLen(word)
		if n > 0 && n+1+wl > room {
			lines = append(lines, cur.String())
			cur.Reset()
			n = 0
		}
		if n > 0 {
			cur.WriteByte(' ')
			n++
		}
		cur.WriteString(word)
		n += wl
	}
	if n > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

func pad(s string, w int) string {
	if n := runeLen(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}

func (p *printer) footer(r *Report) {
	if len(r.Errors) > 0 {
		p.printf("\n%s\n", p.paint(ansiBold+ansiYellow, "Could not check"))
		for _, e := range r.Errors {
			p.printf("  %s: %s\n", clean(e.Collector), clean(firstLineOf(e.Error)))
		}
	}
	if len(r.Notes) > 0 {
		p.printf("\n%s\n", p.paint(ansiBold+ansiBlue, "Notes"))
		for _, n := range r.Notes {
			p.printf("  %s: %s\n", clean(n.Collector), clean(n.Message))
		}
	}
	if l := r.Lifecycle; l != nil {
		stale := ""
		if l.Stale {
			stale = p.paint(ansiYellow, " — STALE: update demarc for current end-of-life dates")
		}
		p.printf("\n%s snapshot %s (%d days old)%s\n", p.paint(ansiDim, "lifecycle data:"), l.SnapshotDate, l.AgeDays, stale)
	}
}

// byParty returns the findings owned by party, most severe first, then by
// product.
func byParty(all []Finding, party Responsible) []Finding {
	var out []Finding
	for _, f := range all {
		if f.Responsible == party {
			out = append(out, f)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Severity.Rank() != b.Severity.Rank() {
			return a.Severity.Rank() < b.Severity.Rank()
		}
		return a.Product < b.Product
	})
	return out
}

func countsText(c Counts) string {
	var parts []string
	for _, s := range Severities {
		n := map[Severity]int{SeverityCritical: c.Critical, SeverityHigh: c.High, SeverityMedium: c.Medium, SeverityLow: c.Low, SeverityInfo: c.Info}[s]
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	if len(parts) == 0 {
		return "nothing found"
	}
	return strings.Join(parts, ", ")
}

// clean makes an untrusted string safe for a terminal: control characters
// (escape sequences from a hostile version file or hostname) become '?',
// and tabs and newlines become spaces so one finding stays one line.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return ' '
		case unicode.IsControl(r) || r == unicode.ReplacementChar:
			return '?'
		}
		return r
	}, s)
}

func firstLineOf(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

// osDisplayName names the OS for people: PRETTY_NAME, else NAME and
// VERSION_ID, else the ID.
// nothingFound is what an empty section says: "nothing found", with the
// reason it means little when the OS is unknown.
func (p *printer) nothingFound() string {
	if p.osUnknown {
		return "nothing found (the operating system is unknown: see above)"
	}
	return "nothing found"
}

func osDisplayName(o OS) string {
	return firstNonEmpty(o.PrettyName, strings.TrimSpace(firstNonEmpty(o.Name, o.ID)+" "+o.VersionID))
}

// upperFirst capitalises the first letter of s (ASCII).
func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
