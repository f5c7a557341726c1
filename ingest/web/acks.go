package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/demarc/demarc/ingest"
	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// acksData is the acknowledgements page: the live ones in scope and a
// page of the audit log.
type acksData struct {
	Live    []store.Ack
	Log     []store.AckEvent
	LogNext string
	// Withdraw says, by id, whether the principal may withdraw it.
	Withdraw map[string]bool
	Done     string
}

// acks is GET /acknowledgements.
func (u *UI) acks(w http.ResponseWriter, r *http.Request, v *view) {
	ctx, sc := r.Context(), v.P.Scope()
	live, err := u.srv.LiveAcks(ctx, sc)
	if err != nil {
		u.readError(w, r, err)
		return
	}
	log, next, err := u.st.AckLog(ctx, sc, store.Page{Limit: store.MaxLimit, Cursor: param(r, "cursor", 32)})
	if err != nil {
		u.readError(w, r, err)
		return
	}
	d := &acksData{Live: live, Log: log, LogNext: next, Withdraw: map[string]bool{}, Done: param(r, "done", 16)}
	for _, a := range live {
		d.Withdraw[a.ID] = u.srv.MayAccept(*v.P, a.Responsible) && (v.Admin() || a.Tenant == v.P.Tenant)
	}
	v.Title, v.Nav, v.Data = "Accepted risks", "acks", d
	u.render(w, http.StatusOK, "acks", v)
}

// formOK reads a posted form (at most 16 KiB) and checks its CSRF token
// and origin; on a refusal it has written the error page.
func (u *UI) formOK(w http.ResponseWriter, r *http.Request, v *view) bool {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		u.errorPage(w, r, http.StatusBadRequest, "The form could not be read.")
		return false
	}
	if !equal(r.PostForm.Get("csrf"), v.CSRF) || !sameOrigin(r) {
		u.errorPage(w, r, http.StatusForbidden, "This form did not come from a page of this site, or it has expired. Reload the page and try again.")
		return false
	}
	return true
}

// localBack is a posted return address if it is a path of this site,
// else the acknowledgements page.
func localBack(s string) string {
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.ContainsAny(s, "\\\r\n") {
		return "/acknowledgements"
	}
	if u, err := url.Parse(s); err != nil || u.Host != "" || u.Scheme != "" {
		return "/acknowledgements"
	}
	return s
}

// ackFailed answers a refused acceptance or withdrawal.
func (u *UI) ackFailed(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, ingest.ErrForbidden):
		u.errorPage(w, r, http.StatusForbidden, "You may not do this: "+err.Error())
	case errors.Is(err, store.ErrInvalid):
		u.errorPage(w, r, http.StatusBadRequest, "The risk was not accepted: "+err.Error())
	default:
		u.readError(w, r, err)
	}
}

// accept is POST /acknowledgements: the accept form of a host page's
// finding or a findings page's group.
func (u *UI) accept(w http.ResponseWriter, r *http.Request, v *view) {
	if !u.formOK(w, r, v) {
		return
	}
	f := r.PostForm.Get
	req := ingest.AckRequest{HostID: f("host_id"), FindingID: f("finding_id"), Product: f("product"), Cycle: f("cycle"),
		Tenant: f("tenant"), Responsible: report.Responsible(f("responsible")), Reason: f("reason"), Expires: f("expires")}
	if _, err := u.srv.Acknowledge(r.Context(), *v.P, req); err != nil {
		u.ackFailed(w, r, err)
		return
	}
	http.Redirect(w, r, localBack(f("back")), http.StatusSeeOther)
}

// withdraw is POST /acknowledgements/{id}/withdraw.
func (u *UI) withdraw(w http.ResponseWriter, r *http.Request, v *view) {
	if !u.formOK(w, r, v) {
		return
	}
	if err := u.srv.Withdraw(r.Context(), *v.P, r.PathValue("id")); err != nil {
		u.ackFailed(w, r, err)
		return
	}
	http.Redirect(w, r, "/acknowledgements?done=withdrawn", http.StatusSeeOther)
}

// tenantReport is GET /report?format=md|json: the open findings of the
// hosts in scope, the customer's first, as a download (an admin narrows
// it with tenant=).
func (u *UI) tenantReport(w http.ResponseWriter, r *http.Request, v *view) {
	md := r.URL.Query().Get("format") != "json"
	tenant := param(r, "tenant", 64)
	if tenant != "" && !ingest.ValidTenant(tenant) {
		u.errorPage(w, r, http.StatusBadRequest, "This tenant name is not valid.")
		return
	}
	u.srv.TenantReport(w, r, v.P.Scope(), tenant, md)
}
