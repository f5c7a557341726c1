package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/demarc/demarc/ingest/notify"
	"github.com/demarc/demarc/ingest/store"
)

type webhooksData struct {
	Schema string
	Subs   []notify.Subscription
	Log    []store.Delivery
	// Sent names the subscription a test event was just queued for.
	Sent string
}

// webhooks is /webhooks (admins): the subscriptions, a "send test" button
// each, and the latest delivery attempts.
func (u *UI) webhooks(w http.ResponseWriter, r *http.Request, v *view) {
	if !v.Admin() {
		u.errorPage(w, r, http.StatusForbidden, "Only an admin may see the webhooks.")
		return
	}
	d := &webhooksData{Schema: notify.Schema, Sent: param(r, "sent", 64)}
	if n := u.srv.Webhooks(); n != nil {
		d.Subs = n.Subscriptions()
	}
	if ob, ok := u.st.(store.Outbox); ok {
		log, err := ob.Deliveries(r.Context(), "", 100)
		if err != nil {
			u.readError(w, r, err)
			return
		}
		d.Log = log
	}
	v.Title, v.Nav, v.Data = "Webhooks", "webhooks", d
	u.render(w, http.StatusOK, "webhooks", v)
}

// testWebhook is POST /webhooks/{id}/test: an admin's "send test".
func (u *UI) testWebhook(w http.ResponseWriter, r *http.Request, v *view) {
	if !u.formOK(w, r, v) {
		return
	}
	if !v.Admin() {
		u.errorPage(w, r, http.StatusForbidden, "Only an admin may send a test event.")
		return
	}
	n, id := u.srv.Webhooks(), r.PathValue("id")
	if n == nil {
		u.errorPage(w, r, http.StatusNotFound, "There is no such webhook.")
		return
	}
	if _, err := n.SendTest(r.Context(), id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			u.errorPage(w, r, http.StatusNotFound, "There is no such webhook.")
			return
		}
		u.readError(w, r, err)
		return
	}
	http.Redirect(w, r, "/webhooks?sent="+url.QueryEscape(id), http.StatusSeeOther)
}
