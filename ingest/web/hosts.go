package web

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/demarc/demarc/ingest"
	"github.com/demarc/demarc/ingest/sla"
	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// pageSize is the rows of a list page.
const pageSize = 50

// param reads a query parameter of at most max bytes of UTF-8, or "".
func param(r *http.Request, name string, max int) string {
	s := r.URL.Query().Get(name)
	if len(s) > max || !utf8.ValidString(s) {
		return ""
	}
	return s
}

// enum reads a parameter that must be valid; anything else is "" (any).
func enum[T ~string](r *http.Request, name string, valid func(T) bool) T {
	s := T(param(r, name, 64))
	if s == "" || !valid(s) {
		return ""
	}
	return s
}

func validTier(t report.Tier) bool         { return t.Valid() }
func validParty(p report.Responsible) bool { return p.Valid() }
func validSeverity(s report.Severity) bool { return s.Valid() }
func validKind(k report.Kind) bool         { return k.Valid() }
func validLayer(l report.Layer) bool       { return l.Valid() }
func validTenant(t string) bool            { return ingest.ValidTenant(t) }
func oneOf(vals ...string) func(s string) bool {
	return func(s string) bool { return slices.Contains(vals, s) }
}
func pageNumber(r *http.Request) int { n, _ := strconv.Atoi(param(r, "page", 6)); return max(n, 1) }
func validStatus(s store.Status) bool {
	return s == store.StatusOpen || s == store.StatusResolved || s == store.StatusAny
}
func statusOr(s store.Status, def store.Status) store.Status {
	if s == "" {
		return def
	}
	return s
}

type hostsData struct {
	F      store.HostFilter
	Q      query
	Hosts  []store.Host
	Total  int64
	Page   int
	From   int
	Next   string
	Facets store.Facets
	Sorts  []sortOption
	// Fields are the filter form's fields (filters.go).
	Fields []filterField
	// EOLOS holds the "id:version" of the OS releases with end-of-life
	// hosts.
	EOLOS map[string]bool
}

type sortOption struct{ Value, Label string }

var hostSorts = []sortOption{
	{"-provider_open", "Provider backlog, worst first"},
	{"hostname", "Hostname"},
	{"-scanned_at", "Last scan, newest first"},
}

func (u *UI) hosts(w http.ResponseWriter, r *http.Request, v *view) {
	ctx, sc := r.Context(), v.P.Scope()
	f := store.HostFilter{
		Tier:        enum(r, "tier", validTier),
		OS:          param(r, "os", 128),
		Responsible: enum(r, "responsible", validParty),
		Severity:    enum(r, "severity", validSeverity),
		Search:      param(r, "q", 128),
		Sort:        enum(r, "sort", oneOf("hostname", "-scanned_at", "-provider_open")),
		// failing=1: hosts whose last scan could not check everything.
		FailingCollectors: param(r, "failing", 1) == "1",
		// claim=1: hosts whose agent.yaml claims another tier than the
		// one they are judged on.
		ClaimDisagrees: param(r, "claim", 1) == "1",
	}
	if v.Admin() {
		f.Tenant = enum(r, "tenant", validTenant)
	}
	if f.Sort == "" {
		f.Sort = "-provider_open"
	}
	if fm, ok := u.exportFormat(w, r); !ok {
		return
	} else if fm != "" {
		u.srv.ExportHosts(w, r, fm, sc, f)
		return
	}
	d := &hostsData{F: f, Q: query(r.URL.Query()), Page: pageNumber(r), Sorts: hostSorts}
	d.From = (d.Page-1)*pageSize + 1
	page, err := u.st.Hosts(ctx, sc, f, store.Page{Limit: pageSize, Cursor: param(r, "cursor", 1024)})
	if err != nil {
		u.readError(w, r, err)
		return
	}
	d.Hosts, d.Next = page.Hosts, page.Next
	if d.Total, err = u.st.CountHosts(ctx, sc, f); err != nil {
		u.readError(w, r, err)
		return
	}
	if d.Facets, err = u.st.Facets(ctx, sc); err != nil {
		u.readError(w, r, err)
		return
	}
	d.Fields = hostFields(f, d.Facets, v.Admin())
	d.EOLOS = map[string]bool{}
	for _, o := range d.Facets.OS {
		d.EOLOS[o.ID+":"+o.VersionID] = o.EOL > 0
	}
	v.Title, v.Nav, v.Data = "Hosts", "hosts", d
	u.render(w, http.StatusOK, "hosts", v)
}

// pendingPage is how many pending packages a host page shows at once.
const pendingPage = 50

type hostData struct {
	// AcceptProvider and AcceptCustomer say whether the signed-in
	// principal may accept the risk of each party's findings.
	AcceptProvider, AcceptCustomer bool
	Host                           store.Host
	Provider                       partyFindings
	Customer                       partyFindings
	Resolved                       []store.Finding
	Reports                        []store.ReportMeta
	Components                     []report.Component
	// Sites are the sites of the latest report's panel accounts, by PHP,
	// then account and domain, at most maxSites (SitesMore counts the
	// rest).
	Sites     []accountSite
	SitesMore int
	Updates   *report.Updates
	// Pending is a page of the packages pending on the host (the store's
	// list, kept across reports that could not check); PendingAfter the
	// cursor it was read after ("" for the first page).
	Pending      store.UpdatePage
	PendingAfter string
	Errors       []report.CollectorError
	// Blockers names the findings that block others, by id.
	Blockers map[string]store.Finding
	// Unverified says, by finding id, why an unverified finding could not
	// be checked.
	Unverified map[string]string
	// Record is the provider's record card (record.go).
	Record *recordCard
	// Claimed is the profile the host's latest report claims (its
	// agent.yaml); Unrecorded the server's policy for hosts without a
	// record.
	Claimed    *report.Profile
	Unrecorded ingest.Policy
	// SLA counts the host's open findings past and near their SLA, per
	// party.
	SLA sla.Fleet
}

func (u *UI) host(w http.ResponseWriter, r *http.Request, v *view) {
	ctx, sc, id := r.Context(), v.P.Scope(), r.PathValue("host_id")
	h, err := u.st.Host(ctx, sc, id)
	if err != nil {
		u.readError(w, r, err)
		return
	}
	d := &hostData{Host: h, Blockers: map[string]store.Finding{}}
	open, err := u.st.Findings(ctx, sc, store.FindingFilter{HostID: id, Sort: "severity"}, store.Page{Limit: store.MaxLimit})
	if err != nil {
		u.readError(w, r, err)
		return
	}
	d.Unverified = unverifiedWhy(h, open.Findings)
	if err := u.srv.Annotate(ctx, sc, open.Findings); err != nil {
		u.readError(w, r, err)
		return
	}
	d.AcceptProvider = u.srv.MayAccept(*v.P, report.ResponsibleProvider)
	d.AcceptCustomer = u.srv.MayAccept(*v.P, report.ResponsibleCustomer)
	d.SLA = slaOf(open.Findings)
	for _, f := range open.Findings {
		d.Blockers[f.ID] = f
		if f.Responsible == report.ResponsibleProvider {
			d.Provider.add(f)
		} else {
			d.Customer.add(f)
		}
	}
	res, err := u.st.Findings(ctx, sc, store.FindingFilter{HostID: id, Status: store.StatusResolved, Sort: "-last_seen"}, store.Page{Limit: 20})
	if err != nil {
		u.readError(w, r, err)
		return
	}
	d.Resolved = res.Findings
	reps, err := u.st.Reports(ctx, sc, id, store.Page{Limit: 30})
	if err != nil {
		u.readError(w, r, err)
		return
	}
	d.Reports = reps.Reports
	d.PendingAfter = param(r, "updates", 1024)
	if d.Pending, err = u.st.HostUpdates(ctx, sc, id, store.Page{Limit: pendingPage, Cursor: d.PendingAfter}); err != nil {
		u.readError(w, r, err)
		return
	}
	if body, err := u.st.HostReportBody(ctx, sc, h.HostID, h.LatestReportID); err == nil {
		var latest report.Report
		if json.Unmarshal(body, &latest) == nil {
			d.Components, d.Updates, d.Errors = latest.Components, latest.Updates, latest.Errors
			d.Sites, d.SitesMore = accountSites(latest.Host.Accounts)
			d.Claimed = &latest.Profile
		}
	}
	d.Unrecorded = u.srv.Unrecorded()
	if d.Record, err = u.loadRecordCard(r, v, id); err != nil {
		u.readError(w, r, err)
		return
	}
	v.Title, v.Nav, v.Data = h.Hostname, "hosts", d
	u.render(w, recordStatus(r), "host", v)
}

// accountSite is one site of a control panel account on a host.
type accountSite struct {
	Panel, User, Owner string
	report.AccountDomain
}

// maxSites bounds the sites a host page lists (a shared server may host
// thousands; the report's JSON has them all).
const maxSites = 500

// accountSites lists the accounts' sites by PHP (the ones the server's
// default covers with it), then user and domain: which accounts must move
// off an end-of-life PHP reads down one column.
func accountSites(accounts []report.Account) ([]accountSite, int) {
	var out []accountSite
	for _, a := range accounts {
		for _, dom := range a.Domains {
			out = append(out, accountSite{Panel: a.Panel, User: a.User, Owner: a.Owner, AccountDomain: dom})
		}
	}
	slices.SortFunc(out, func(a, b accountSite) int {
		return cmp.Or(cmp.Compare(a.PHP, b.PHP), cmp.Compare(a.User, b.User), cmp.Compare(a.Name, b.Name))
	})
	if len(out) > maxSites {
		return out[:maxSites], len(out) - maxSites
	}
	return out, 0
}

// partyFindings are one party's open findings on a host: the critical,
// high and medium ones, and the low and info ones shown on request.
type partyFindings struct {
	Main, Minor []store.Finding
}

// Len counts them all.
func (p partyFindings) Len() int { return len(p.Main) + len(p.Minor) }

func (p *partyFindings) add(f store.Finding) {
	if f.Severity.AtLeast(report.SeverityMedium) {
		p.Main = append(p.Main, f)
	} else {
		p.Minor = append(p.Minor, f)
	}
}

// reportJSON serves a stored report as it was received, as JSON that a
// browser shows as text.
func (u *UI) reportJSON(w http.ResponseWriter, r *http.Request, v *view) {
	body, err := u.st.ReportBody(r.Context(), v.P.Scope(), r.PathValue("report_id"))
	if err != nil {
		u.readError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	_, _ = w.Write(body)
}
