package web

import (
	"net/http"
	"net/url"

	"github.com/demarc/demarc/ingest/store"
)

type findingsData struct {
	F        store.FindingFilter
	Q        query
	Groups   []store.FindingGroup
	Total    int64
	Findings []store.Finding
	Page     int
	From     int
	Next     string
	Products []string
	Tenants  []store.TenantCount
	Sorts    []sortOption
	// AllGroups lists every group instead of the first GroupsShown.
	AllGroups bool
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

func (u *UI) findings(w http.ResponseWriter, r *http.Request, v *view) {
	ctx, sc := r.Context(), v.P.Scope()
	f := store.FindingFilter{
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
	d := &findingsData{F: f, Q: query(r.URL.Query()), Page: pageNumber(r), Sorts: findingSorts,
		AllGroups: param(r, "groups", 8) == "all"}
	d.From = (d.Page-1)*pageSize + 1
	page, err := u.st.Findings(ctx, sc, f, store.Page{Limit: pageSize, Cursor: param(r, "cursor", 1024)})
	if err != nil {
		u.readError(w, r, err)
		return
	}
	d.Findings, d.Next = page.Findings, page.Next
	if d.Groups, err = u.st.FindingGroups(ctx, sc, f, store.MaxLimit); err != nil {
		u.readError(w, r, err)
		return
	}
	for _, g := range d.Groups {
		d.Total += g.Findings
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
	if v.Admin() {
		fc, err := u.st.Facets(ctx, sc)
		if err != nil {
			u.readError(w, r, err)
			return
		}
		d.Tenants = fc.Tenants
	}
	v.Title, v.Nav, v.Data = "Findings", "findings", d
	u.render(w, http.StatusOK, "findings", v)
}
