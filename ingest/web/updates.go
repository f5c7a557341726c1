package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/demarc/demarc/ingest"
	"github.com/demarc/demarc/ingest/export"
	"github.com/demarc/demarc/ingest/store"
)

// updatesData is the Updates page: the ranking of pending packages, or the
// hosts still waiting for one package, advisory or CVE.
type updatesData struct {
	// Q is the search as typed; Ref the advisory or CVE id it was read
	// as, Package the package name ("" for the ranking).
	Q, Ref, Package string
	Sort            string
	Security        bool
	Tenant          string
	Tenants         []store.TenantCount
	Packages        store.PackagePage
	Hosts           store.UpdatePage
	// Fields are the filter form's fields (filters.go).
	Fields []filterField
	// Page numbers the page of the list shown (1 for the first).
	Page  int
	Query query
	Sorts []sortOption
}

// updates is /updates: the fleet's pending packages ranked (security
// first, the most hosts, the longest pending or by name), narrowed by
// tenant (admin) and to security updates; with q, the hosts on which that
// package is pending, or whose pending packages fix that advisory or CVE
// (a CVE id in any case; an advisory id when no package of that name is
// pending in scope, then as=ref on its later pages), each with its
// pending age. format=csv or jsonl downloads the hosts of a search.
func (u *UI) updates(w http.ResponseWriter, r *http.Request, v *view) {
	ctx, sc := r.Context(), v.P.Scope()
	d := &updatesData{Q: strings.TrimSpace(param(r, "q", 256)), Sort: param(r, "sort", 16), Security: param(r, "security", 8) == "true",
		Query: query(r.URL.Query()), Page: pageNumber(r), Sorts: packageSorts}
	if v.Admin() {
		d.Tenant = enum(r, "tenant", validTenant)
	}
	if !ingest.ValidPackageName(d.Q) {
		u.errorPage(w, r, http.StatusBadRequest, "Search for a package name, an advisory id or a CVE id.")
		return
	}
	fm, ok := u.exportFormat(w, r)
	if !ok {
		return
	}
	cursor := param(r, "cursor", 1024)
	if d.Q == "" {
		if fm != "" {
			u.errorPage(w, r, http.StatusBadRequest, "Search for a package, an advisory or a CVE to download the hosts that wait for it.")
			return
		}
		var err error
		f := store.PackageFilter{Tenant: d.Tenant, SecurityOnly: d.Security, Sort: d.Sort}
		if d.Packages, err = u.st.PendingPackages(ctx, sc, f, store.Page{Cursor: cursor}); err != nil {
			u.readError(w, r, err)
			return
		}
		d.Packages.SetAge(u.cfg.Now())
	} else {
		f, err := u.updatesSearch(r, sc, d, cursor, fm)
		if err != nil {
			u.readError(w, r, err)
			return
		}
		if fm != "" {
			u.srv.ExportUpdates(w, r, fm, sc, "", f)
			return
		}
		if d.Hosts, err = u.st.PendingUpdates(ctx, sc, f, store.Page{Cursor: cursor}); err != nil {
			u.readError(w, r, err)
			return
		}
		d.Hosts.SetAge(u.cfg.Now())
	}
	var err error
	if d.Tenants, err = u.tenantMenu(ctx, v); err != nil {
		u.readError(w, r, err)
		return
	}
	d.Fields = updateFields(d, v.Admin())
	v.Title, v.Nav, v.Data = "Pending updates", "updates", d
	u.render(w, http.StatusOK, "updates", v)
}

// updatesSearch reads the search d.Q as a CVE id, a package name or an
// advisory id, sets d.Package or d.Ref, and returns the filter.
func (u *UI) updatesSearch(r *http.Request, sc store.Scope, d *updatesData, cursor string, fm export.Format) (store.UpdateFilter, error) {
	f := store.UpdateFilter{Tenant: d.Tenant, SecurityOnly: d.Security}
	switch id, isCVE := ingest.CVEID(d.Q); {
	case isCVE:
		f.Ref = id
	case param(r, "as", 8) == "ref" && ingest.ValidAdvisoryID(d.Q):
		f.Ref = d.Q
	case cursor == "" && ingest.ValidAdvisoryID(d.Q):
		// A package pending in scope, else an advisory id.
		first, err := u.st.PendingUpdates(r.Context(), sc, store.UpdateFilter{Tenant: f.Tenant, Package: d.Q}, store.Page{Limit: 1})
		if err != nil {
			return f, err
		}
		if len(first.Updates) == 0 {
			f.Ref = d.Q
		} else {
			f.Package = d.Q
		}
	default:
		f.Package = d.Q
	}
	if f.Ref != "" {
		q := url.Values{}
		for k, vs := range d.Query {
			q[k] = vs
		}
		q.Set("as", "ref") // its later pages and its download read the same list
		d.Query = query(q)
	}
	d.Package, d.Ref = f.Package, f.Ref
	return f, nil
}

var packageSorts = []sortOption{
	{"", "most hosts with a security update"}, {store.PackagesByHosts, "most hosts"},
	{store.PackagesByAge, "longest pending"}, {store.PackagesByName, "name"},
}
