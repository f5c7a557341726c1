package web

import (
	"net/http"
	"net/url"

	"github.com/demarc/demarc/ingest/sla"
	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

type findingsData struct {
	F      store.FindingFilter
	Q      query
	Groups []store.FindingGroup
	// Accepted is the groups a live group acknowledgement covers (out
	// of Groups, listed apart with their badge).
	Accepted []store.FindingGroup
	// Back is the page's own address (where an accept form returns).
	Back     string
	Total    int64
	Findings []store.Finding
	Page     int
	From     int
	Next     string
	Products []string
	Tenants  []store.TenantCount
	Sorts    []sortOption
	// Fields are the filter form's fields (filters.go).
	Fields []filterField
	// AllGroups lists every group instead of the first GroupsShown.
	AllGroups bool
	// SLA counts the open findings in scope past and near their SLA;
	// SLAState is the page's sla filter ("", breached, due).
	SLA      sla.Fleet
	SLAState string
}

// GroupsShown is how many groups the page lists unless asked for all.
func (d *findingsData) GroupsShown() int { return 12 }

// GroupURL is the query string of the list narrowed to one group.
func (d *findingsData) GroupURL(g store.FindingGroup) string {
	v := url.Values{}
	for k, vs := range d.Q {
		if k != "cursor" && k != "page" && k != "groups" {
			v[k] = vs
		}
	}
	v.Set("product", g.Product)
	v.Set("kind", string(g.Kind))
	v.Set("layer", string(g.Layer))
	v.Set("responsible", string(g.Responsible))
	v.Set("severity", string(g.Severity))
	return "?" + v.Encode()
}

var findingSorts = []sortOption{
	{"severity", "Severity, most severe first"},
	{"opened_at", "Open longest first"},
	{"-last_seen", "Last seen, newest first"},
}

// findingFilter reads the findings page's filters (the tenant for an
// admin only; sla=breached|due keeps the open findings past or near their
// SLA at the UI's clock).
func (u *UI) findingFilter(r *http.Request, v *view) store.FindingFilter {
	f := store.FindingFilter{
		HostID:      param(r, "host_id", 256),
		Responsible: enum(r, "responsible", validParty),
		Severity:    enum(r, "severity", validSeverity),
		Kind:        enum(r, "kind", validKind),
		Layer:       enum(r, "layer", validLayer),
		Product:     param(r, "product", 256),
		Tier:        enum(r, "tier", validTier),
		Status:      statusOr(enum(r, "status", validStatus), store.StatusOpen),
		Sort:        enum(r, "sort", oneOf("opened_at", "severity", "-last_seen")),
	}
	if v.Admin() {
		f.Tenant = enum(r, "tenant", validTenant)
	}
	if f.Sort == "" {
		f.Sort = "severity"
	}
	if st := param(r, "sla", 16); st == sla.Breached || st == sla.Due {
		f.Status, f.ByAge, f.Ages = store.StatusOpen, true, u.srv.SLA().Windows(u.cfg.Now(), st)
	}
	return f
}

func (u *UI) findings(w http.ResponseWriter, r *http.Request, v *view) {
	ctx, sc := r.Context(), v.P.Scope()
	f := u.findingFilter(r, v)
	if fm, ok := u.exportFormat(w, r); !ok {
		return
	} else if fm != "" {
		u.srv.ExportFindings(w, r, fm, sc, f)
		return
	}
	now := u.cfg.Now()
	d := &findingsData{F: f, Back: r.URL.RequestURI(), Q: query(r.URL.Query()), Page: pageNumber(r), Sorts: findingSorts,
		AllGroups: param(r, "groups", 8) == "all", SLAState: param(r, "sla", 16)}
	d.From = (d.Page-1)*pageSize + 1
	page, err := u.st.Findings(ctx, sc, f, store.Page{Limit: pageSize, Cursor: param(r, "cursor", 1024)})
	if err != nil {
		u.readError(w, r, err)
		return
	}
	if err := u.srv.Annotate(ctx, sc, page.Findings); err != nil {
		u.readError(w, r, err)
		return
	}
	d.Findings, d.Next = page.Findings, page.Next
	if d.SLA, err = u.srv.SLA().Count(ctx, u.st, sc, f.Tenant, now); err != nil {
		u.readError(w, r, err)
		return
	}
	if f.ByAge {
		// The SLA filter's groups would be a pass over every matching
		// finding: the page shows the list and, unless other filters
		// narrow it, its total from the SLA counts.
		d.Total = -1
		if f.HostID == "" && f.Severity == "" && f.Kind == "" && f.Layer == "" && f.Product == "" && f.Tier == "" {
			d.Total = 0
			for _, party := range []report.Responsible{report.ResponsibleProvider, report.ResponsibleCustomer} {
				if c := d.SLA.Of(party); f.Responsible == "" || f.Responsible == party {
					if d.SLAState == sla.Breached {
						d.Total += c.Breached
					} else {
						d.Total += c.Due
					}
				}
			}
		}
	} else {
		if d.Groups, err = u.st.FindingGroups(ctx, sc, f, store.MaxLimit); err != nil {
			u.readError(w, r, err)
			return
		}
		for _, g := range d.Groups {
			d.Total += g.Findings
		}
		if f.Status == "" || f.Status == store.StatusOpen {
			if d.Groups, d.Accepted, err = u.srv.SplitAccepted(ctx, sc, f.Tenant, d.Groups); err != nil {
				u.readError(w, r, err)
				return
			}
		}
	}
	// The product menu lists the products of open findings (from the fleet
	// aggregates; the resolved ones would take a pass over every finding).
	all, err := u.st.FindingGroups(ctx, sc, store.FindingFilter{}, store.MaxLimit)
	if err != nil {
		u.readError(w, r, err)
		return
	}
	seen := map[string]bool{}
	for _, g := range all {
		if !seen[g.Product] {
			seen[g.Product] = true
			d.Products = append(d.Products, g.Product)
		}
	}
	if d.Tenants, err = u.tenantMenu(ctx, v); err != nil {
		u.readError(w, r, err)
		return
	}
	d.Fields = findingFields(d, v.Admin())
	v.Title, v.Nav, v.Data = "Findings", "findings", d
	u.render(w, http.StatusOK, "findings", v)
}
