package web

import (
	"net/http"
	"net/url"

	"github.com/demarc/demarc/ingest/export"
	"github.com/demarc/demarc/ingest/store"
)

// Every list page is also a download: ?format=csv (or jsonl) on the page's
// own address, with the page's filters, streams every matching row (the
// same export as the API's, package export). The pages' "Download CSV"
// links are Download of their query.

// exportFormat reads a list page's format parameter; ok false when it
// answered (an unknown format is a 400 page).
func (u *UI) exportFormat(w http.ResponseWriter, r *http.Request) (export.Format, bool) {
	f, _, err := export.ParseFormat(r.URL.Query().Get("format"))
	if err != nil {
		u.errorPage(w, r, http.StatusBadRequest, "Unknown download format: use format=csv or format=jsonl.")
		return "", false
	}
	return f, true
}

// Download is the address of the list as a CSV file: the query with its
// filters, without its page.
func (q query) Download() string {
	v := url.Values{}
	for k, vs := range q {
		if k != "cursor" && k != "page" && k != "groups" && k != "updates" {
			v[k] = vs
		}
	}
	v.Set("format", "csv")
	return "?" + v.Encode()
}

// hostUpdates is /hosts/{host_id}/updates: the host's pending packages as
// a download (format=csv or jsonl); without a format, the host page's
// list.
func (u *UI) hostUpdates(w http.ResponseWriter, r *http.Request, v *view) {
	fm, ok := u.exportFormat(w, r)
	if !ok {
		return
	}
	id := r.PathValue("host_id")
	if fm == "" {
		http.Redirect(w, r, "/hosts/"+url.PathEscape(id)+"#updates", http.StatusSeeOther)
		return
	}
	if _, err := u.st.Host(r.Context(), v.P.Scope(), id); err != nil {
		u.readError(w, r, err)
		return
	}
	u.srv.ExportUpdates(w, r, fm, v.P.Scope(), id, store.UpdateFilter{})
}

// backlog is /backlog: the findings page's groups (the filters of
// /findings) as a download; without a format, the findings page.
func (u *UI) backlog(w http.ResponseWriter, r *http.Request, v *view) {
	fm, ok := u.exportFormat(w, r)
	if !ok {
		return
	}
	f := u.findingFilter(r, v)
	f.ByAge, f.Ages = false, nil // the groups keep no SLA clock (see the API's backlog)
	if fm == "" {
		http.Redirect(w, r, "/findings?"+r.URL.RawQuery, http.StatusSeeOther)
		return
	}
	u.srv.ExportBacklog(w, r, fm, v.P.Scope(), f)
}
