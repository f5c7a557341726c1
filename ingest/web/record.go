package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/demarc/demarc/ingest"
	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/ingest/store/recordfile"
	"github.com/demarc/demarc/report"
)

// recordHistoryLen is the changes of a record the host page lists.
const recordHistoryLen = 20

// recordCard is the host page's "Provider's record" card: the record (nil
// without one), its last changes, and for admins the edit form's values.
type recordCard struct {
	Rec       *store.HostRecord
	Agreement bool
	History   []store.RecordChange
	// Form holds the form's values by field: the record's, or those
	// posted when they were refused (Error says why).
	Form  map[string]string
	Error string
	Saved bool
	Tiers []report.Tier
}

// recordPost is a refused form, handed to the host page it is shown on.
type recordPost struct {
	form map[string]string
	err  string
}

type recordPostKey struct{}

// loadRecordCard reads the card of a host in the viewer's scope.
func (u *UI) loadRecordCard(r *http.Request, v *view, hostID string) (*recordCard, error) {
	ctx, sc := r.Context(), v.P.Scope()
	c := &recordCard{Tiers: report.Tiers, Saved: r.URL.Query().Get("record") == "saved"}
	rec, err := u.st.HostRecord(ctx, sc, hostID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		c.Form = map[string]string{"tier": string(report.TierManaged), "customer_managed_virtualisation": "false"}
	case err != nil:
		return nil, err
	default:
		c.Rec, c.Agreement, c.Form = &rec, rec.Agreement(), rec.Values()
		h, err := u.st.RecordHistory(ctx, sc, hostID, store.Page{Limit: recordHistoryLen})
		if err != nil {
			return nil, err
		}
		c.History = h.Changes
	}
	if p, ok := ctx.Value(recordPostKey{}).(recordPost); ok {
		c.Form, c.Error, c.Saved = p.form, p.err, false
	}
	return c, nil
}

// recordStatus is the host page's status: 422 when it shows a refused
// form.
func recordStatus(r *http.Request) int {
	if _, ok := r.Context().Value(recordPostKey{}).(recordPost); ok {
		return http.StatusUnprocessableEntity
	}
	return http.StatusOK
}

// recordFormFields are the fields the edit form posts; the host id is the
// page's, the tenant the host's, and the hostname and machine id are kept.
var recordFormFields = []string{"tier", "maintenance_agreement", "customer_managed_virtualisation", "customer", "contract", "data_centre"}

// saveRecord is POST /hosts/{host_id}/record: an admin's edit of the
// host's record, with the page's CSRF token, validated as an import is
// and audit-logged as the admin's token. A refused edit shows the page
// again with the error and the values posted.
func (u *UI) saveRecord(w http.ResponseWriter, r *http.Request, v *view) {
	if !u.formOK(w, r, v) {
		return
	}
	if !v.Admin() {
		u.errorPage(w, r, http.StatusForbidden, "Only an admin may change the provider's record of a host.")
		return
	}
	ctx, id := r.Context(), r.PathValue("host_id")
	h, err := u.st.Host(ctx, store.AllTenants(), id)
	if err != nil {
		u.readError(w, r, err)
		return
	}
	form := map[string]string{"customer_managed_virtualisation": "false"}
	for _, f := range recordFormFields {
		if s := r.PostForm.Get(f); s != "" {
			form[f] = s
		}
	}
	rec, err := recordfile.FromStrings(func(f string) string {
		switch f {
		case "host_id":
			return id
		case "tenant":
			return h.Tenant
		}
		return form[f]
	})
	if err == nil {
		_, _, err = u.srv.PutRecord(ctx, *v.P, rec)
	}
	var re *store.RecordError
	switch {
	case errors.As(err, &re):
		r = r.WithContext(context.WithValue(ctx, recordPostKey{}, recordPost{form: form, err: re.Reason()}))
		u.host(w, r, v)
		return
	case errors.Is(err, ingest.ErrUnauthorized):
		u.errorPage(w, r, http.StatusForbidden, "Only an admin may change the provider's record of a host.")
		return
	case err != nil:
		u.readError(w, r, err)
		return
	}
	http.Redirect(w, r, "/hosts/"+url.PathEscape(id)+"?record=saved#record", http.StatusSeeOther)
}
