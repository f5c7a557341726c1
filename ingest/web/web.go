package web

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"
	"time"

	"github.com/rs/zerolog"

	"github.com/demarc/demarc/ingest"
	"github.com/demarc/demarc/ingest/store"
)

// Config configures the web UI. Zero values take the defaults.
type Config struct {
	// SessionTTL is how long a sign-in lasts (default 12 h).
	SessionTTL time.Duration
	// SecureCookies marks cookies Secure on plain HTTP too, for a server
	// behind a proxy that terminates TLS. Over TLS they always are.
	SecureCookies bool
	// TrendDays is the span of the chart of open findings (default 28).
	TrendDays int
	// Log receives failed store reads (default: none).
	Log zerolog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// UI is the web UI mounted on a Server.
type UI struct {
	cfg   Config
	st    store.Store
	srv   *ingest.Server
	auth  *ingest.Authenticator
	pages map[string]*template.Template
}

// Mount adds the web UI's pages to srv: the overview at /, /hosts,
// /hosts/{host_id}, /findings, /sla (the monthly SLA report),
// /acknowledgements (accepted risks and their audit log; the accept and
// withdraw forms post there), /reports/{report_id} (a stored report's JSON), /signin, /signout and
// /static/; every other path outside /api/ is a 404 page. The lists are
// downloads too (?format=csv): /hosts, /findings, /backlog (the findings'
// groups) and /hosts/{host_id}/updates.
func Mount(srv *ingest.Server, cfg Config) (*UI, error) {
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.TrendDays <= 0 {
		cfg.TrendDays = 28
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	u := &UI{cfg: cfg, st: srv.Store(), srv: srv, auth: srv.Auth(), pages: pages}
	srv.Handle("GET /{$}", u.secure(u.page(u.overview)))
	srv.Handle("GET /hosts", u.secure(u.page(u.hosts)))
	srv.Handle("GET /hosts/{host_id}", u.secure(u.page(u.host)))
	srv.Handle("POST /hosts/{host_id}/record", u.secure(u.page(u.saveRecord)))
	srv.Handle("GET /hosts/{host_id}/updates", u.secure(u.page(u.hostUpdates)))
	srv.Handle("GET /findings", u.secure(u.page(u.findings)))
	srv.Handle("GET /updates", u.secure(u.page(u.updates)))
	srv.Handle("GET /backlog", u.secure(u.page(u.backlog)))
	srv.Handle("GET /sla", u.secure(u.page(u.slaReport)))
	srv.Handle("GET /acknowledgements", u.secure(u.page(u.acks)))
	srv.Handle("GET /report", u.secure(u.page(u.tenantReport)))
	srv.Handle("POST /acknowledgements", u.secure(u.page(u.accept)))
	srv.Handle("POST /acknowledgements/{id}/withdraw", u.secure(u.page(u.withdraw)))
	srv.Handle("GET /webhooks", u.secure(u.page(u.webhooks)))
	srv.Handle("POST /webhooks/{id}/test", u.secure(u.page(u.testWebhook)))
	srv.Handle("GET /reports/{report_id}", u.secure(u.page(u.reportJSON)))
	srv.Handle("GET /signin", u.secure(http.HandlerFunc(u.signinForm)))
	srv.Handle("POST /signin", u.secure(http.HandlerFunc(u.signin)))
	srv.Handle("POST /signout", u.secure(http.HandlerFunc(u.signout)))
	srv.Handle("GET /static/{name}", http.HandlerFunc(serveStatic))
	srv.Handle("/", u.secure(http.HandlerFunc(u.notFound)))
	return u, nil
}

// csp allows the page's own stylesheet, script and images, nothing inline,
// no framing, and forms that post only to this server.
const csp = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// secure sets the security headers of every page.
func (u *UI) secure(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", csp)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		hd.Set("Cache-Control", "no-store")
		if r.TLS != nil {
			hd.Set("Strict-Transport-Security", "max-age=31536000")
		}
		h.ServeHTTP(w, r)
	})
}

// view is what every page's template gets.
type view struct {
	Title string
	// Nav is the active section: overview, hosts or findings.
	Nav string
	// P is the signed-in principal (nil on the sign-in and error pages of
	// a visitor who is not signed in).
	P    *ingest.Principal
	CSRF string
	Now  time.Time
	Data any
}

// Admin reports whether the viewer sees every tenant.
func (v *view) Admin() bool { return v.P != nil && v.P.Role == store.RoleAdmin }

// render writes a page with status.
func (u *UI) render(w http.ResponseWriter, status int, name string, v *view) {
	if v.Now.IsZero() {
		v.Now = u.cfg.Now()
	}
	var buf bytes.Buffer
	if err := u.pages[name].ExecuteTemplate(&buf, "layout", v); err != nil {
		u.cfg.Log.Error().Err(err).Str("page", name).Msg("render page")
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// errorPage renders the page of an error status.
func (u *UI) errorPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	v := &view{Title: http.StatusText(status), Data: errorData{Status: status, Message: msg}}
	if p, ok := ingest.PrincipalFrom(r.Context()); ok {
		v.P = &p
		v.CSRF = csrfFrom(r)
	}
	u.render(w, status, "error", v)
}

type errorData struct {
	Status  int
	Message string
}

func (u *UI) notFound(w http.ResponseWriter, r *http.Request) {
	u.errorPage(w, r, http.StatusNotFound, "There is no page at this address.")
}

// readError answers a failed store read: an unknown (or another tenant's)
// id is a 404 page, a bad filter or cursor a 400 page, anything else 503.
func (u *UI) readError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		u.errorPage(w, r, http.StatusNotFound, "Nothing with this id is visible to you: it does not exist, or it belongs to another tenant.")
	case errors.Is(err, store.ErrInvalid):
		u.errorPage(w, r, http.StatusBadRequest, "This filter or page link is not valid. Start again from the list.")
	default:
		u.cfg.Log.Error().Err(err).Str("path", r.URL.Path).Msg("web read failed")
		u.errorPage(w, r, http.StatusServiceUnavailable, "The database did not answer. Try again in a moment.")
	}
}
