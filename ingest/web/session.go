package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/demarc/demarc/ingest"
	"github.com/demarc/demarc/ingest/store"
)

// The cookies. Over TLS (or with SecureCookies) they take the __Host-
// prefix, which browsers accept only with Secure, Path=/ and no Domain.
const (
	sessionCookie = "demarc_session"
	signinCookie  = "demarc_signin"
)

// secretLen is the random bytes of a session secret and of a sign-in form's
// CSRF token.
const secretLen = 32

func (u *UI) secureReq(r *http.Request) bool { return r.TLS != nil || u.cfg.SecureCookies }

func (u *UI) cookieName(r *http.Request, base string) string {
	if u.secureReq(r) {
		return "__Host-" + base
	}
	return base
}

// setCookie sets (maxAge > 0) or clears (maxAge < 0) a cookie the way all
// of the UI's cookies are: HttpOnly, SameSite=Strict, Path=/, Secure over
// TLS.
func (u *UI) setCookie(w http.ResponseWriter, r *http.Request, base, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: u.cookieName(r, base), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: u.secureReq(r), SameSite: http.SameSiteStrictMode,
	})
}

func randomSecret() string {
	b := make([]byte, secretLen)
	_, _ = rand.Read(b) // never fails (crypto/rand panics instead)
	return base64.RawURLEncoding.EncodeToString(b)
}

// sessionID is what the store keeps of a session secret: its SHA-256.
func sessionID(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// csrfToken is the token the session's forms carry: derived from the
// session secret, which only the browser holds (HttpOnly), so another site
// can neither read nor compute it.
func csrfToken(secret string) string {
	h := sha256.Sum256([]byte("demarc csrf\x00" + secret))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

type csrfKey struct{}

// csrfFrom is the CSRF token of the request's session ("" without one).
func csrfFrom(r *http.Request) string {
	s, _ := r.Context().Value(csrfKey{}).(string)
	return s
}

func equal(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// The reasons the sign-in page gives for being shown (m=…).
var signinMessages = map[string]string{
	"expired":    "Your session has expired. Sign in again.",
	"invalid":    "Your session is not valid any more. Sign in again.",
	"revoked":    "The token you signed in with has been revoked. Sign in with another one.",
	"signed_out": "You have signed out.",
}

// errNoSession: no cookie, an unknown (forged, signed out, pruned) one, an
// expired one, or one whose token was revoked; reason says which.
type errNoSession struct{ reason string }

func (e errNoSession) Error() string { return "no session: " + e.reason }

// session resolves the request's session cookie to a principal and its
// secret.
func (u *UI) session(r *http.Request) (ingest.Principal, string, error) {
	c, err := r.Cookie(u.cookieName(r, sessionCookie))
	if err != nil || c.Value == "" {
		return ingest.Principal{}, "", errNoSession{""}
	}
	if len(c.Value) > 64 {
		return ingest.Principal{}, "", errNoSession{"invalid"}
	}
	ctx := r.Context()
	se, err := u.st.Session(ctx, sessionID(c.Value))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return ingest.Principal{}, "", errNoSession{"invalid"}
	case err != nil:
		return ingest.Principal{}, "", err
	case !u.cfg.Now().Before(se.ExpiresAt):
		_ = u.st.DeleteSession(ctx, se.ID)
		return ingest.Principal{}, "", errNoSession{"expired"}
	}
	p, err := u.auth.TokenPrincipal(ctx, se.TokenID)
	if errors.Is(err, ingest.ErrUnauthorized) || (err == nil && p.Role != store.RoleViewer && p.Role != store.RoleAdmin) {
		_ = u.st.DeleteSession(ctx, se.ID)
		return ingest.Principal{}, "", errNoSession{"revoked"}
	}
	return p, c.Value, err
}

// page requires a session: without one the browser is sent to the sign-in
// page (and comes back here after it).
func (u *UI) page(h func(http.ResponseWriter, *http.Request, *view)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, secret, err := u.session(r)
		var ns errNoSession
		if errors.As(err, &ns) {
			if ns.reason != "" {
				u.setCookie(w, r, sessionCookie, "", -1)
			}
			q := url.Values{"next": {r.URL.RequestURI()}}
			if ns.reason != "" {
				q.Set("m", ns.reason)
			}
			http.Redirect(w, r, "/signin?"+q.Encode(), http.StatusSeeOther)
			return
		}
		if err != nil {
			u.cfg.Log.Error().Err(err).Msg("read session")
			u.errorPage(w, r, http.StatusServiceUnavailable, "The database did not answer. Try again in a moment.")
			return
		}
		ingest.SetPrincipal(r.Context(), p)
		csrf := csrfToken(secret)
		r = r.WithContext(context.WithValue(r.Context(), csrfKey{}, csrf))
		h(w, r, &view{P: &p, CSRF: csrf, Now: u.cfg.Now()})
	})
}

// localPath returns next if it is a path on this server, else "/": the
// sign-in page must not redirect anywhere else.
func localPath(next string) string {
	if next == "" || len(next) > 1024 || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.ContainsAny(next, "\\\r\n\t") {
		return "/"
	}
	pu, err := url.Parse(next)
	if err != nil || pu.Scheme != "" || pu.Host != "" || pu.User != nil {
		return "/"
	}
	if strings.HasPrefix(pu.Path, "/signin") || strings.HasPrefix(pu.Path, "/signout") {
		return "/"
	}
	return next
}

type signinData struct {
	Next    string
	Message string
	Error   string
}

// signinForm shows the sign-in form with a fresh CSRF token, kept in a
// cookie as well (double submit: another site can post the form but not
// set the cookie, which SameSite=Strict keeps from cross-site posts too).
func (u *UI) signinForm(w http.ResponseWriter, r *http.Request) {
	d := signinData{Next: localPath(r.URL.Query().Get("next")), Message: signinMessages[r.URL.Query().Get("m")]}
	u.showSignin(w, r, http.StatusOK, d)
}

func (u *UI) showSignin(w http.ResponseWriter, r *http.Request, status int, d signinData) {
	tok := randomSecret()
	u.setCookie(w, r, signinCookie, tok, 3600)
	u.render(w, status, "signin", &view{Title: "Sign in", CSRF: tok, Data: d})
}

// sameOrigin refuses requests a browser marks as coming from another site.
func sameOrigin(r *http.Request) bool {
	if s := r.Header.Get("Sec-Fetch-Site"); s != "" && s != "same-origin" && s != "none" {
		return false
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		ou, err := url.Parse(o)
		if err != nil || ou.Host != r.Host {
			return false
		}
	}
	return true
}

// notReaderMessage says why a genuine credential of role cannot sign in.
func notReaderMessage(role store.Role) string {
	const want = " Sign in with a viewer or admin token (dmc_…)."
	switch role {
	case ingest.RoleHost:
		return "This is a host key (dmh_…): a host's own credential for posting its reports, not for reading." + want
	case ingest.RoleEnroll:
		return "This is an enroll secret (dme_…): hosts trade it for their own key; it reads nothing." + want
	}
	return "This is an agent token: it can enroll hosts and post reports but not read them." + want
}

// signin checks the form's CSRF token and the token typed in, then starts
// a session.
func (u *UI) signin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		u.errorPage(w, r, http.StatusBadRequest, "The sign-in form could not be read.")
		return
	}
	d := signinData{Next: localPath(r.PostForm.Get("next"))}
	c, err := r.Cookie(u.cookieName(r, signinCookie))
	if err != nil || !equal(r.PostForm.Get("csrf"), c.Value) || !sameOrigin(r) {
		d.Error = "The sign-in form had expired or did not come from this site. Try again."
		u.showSignin(w, r, http.StatusForbidden, d)
		return
	}
	p, err := u.auth.Authenticate(r.Context(), strings.TrimSpace(r.PostForm.Get("token")))
	switch {
	case errors.Is(err, ingest.ErrUnauthorized), errors.Is(err, ingest.ErrHostRevoked):
		d.Error = "That token is not valid: it is mistyped, unknown or revoked."
		u.showSignin(w, r, http.StatusUnauthorized, d)
		return
	case err != nil:
		u.cfg.Log.Error().Err(err).Msg("sign-in: token lookup")
		u.errorPage(w, r, http.StatusServiceUnavailable, "The database did not answer. Try again in a moment.")
		return
	case p.Role != store.RoleViewer && p.Role != store.RoleAdmin:
		d.Error = notReaderMessage(p.Role)
		u.showSignin(w, r, http.StatusForbidden, d)
		return
	}
	secret, now := randomSecret(), u.cfg.Now()
	se := store.Session{ID: sessionID(secret), TokenID: p.TokenID, CreatedAt: now, ExpiresAt: now.Add(u.cfg.SessionTTL)}
	if err := u.st.CreateSession(r.Context(), se); err != nil {
		u.cfg.Log.Error().Err(err).Msg("sign-in: create session")
		u.errorPage(w, r, http.StatusServiceUnavailable, "The database did not answer. Try again in a moment.")
		return
	}
	if _, err := u.st.DeleteExpiredSessions(r.Context(), now); err != nil {
		u.cfg.Log.Warn().Err(err).Msg("delete expired sessions")
	}
	ingest.SetPrincipal(r.Context(), p)
	u.setCookie(w, r, signinCookie, "", -1)
	u.setCookie(w, r, sessionCookie, secret, int(u.cfg.SessionTTL.Seconds()))
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
}

// signout ends the session (its form carries the session's CSRF token).
func (u *UI) signout(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		u.errorPage(w, r, http.StatusBadRequest, "The form could not be read.")
		return
	}
	c, err := r.Cookie(u.cookieName(r, sessionCookie))
	if err != nil || c.Value == "" {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	if !equal(r.PostForm.Get("csrf"), csrfToken(c.Value)) || !sameOrigin(r) {
		u.errorPage(w, r, http.StatusForbidden, "This sign-out did not come from a page of this site.")
		return
	}
	if err := u.st.DeleteSession(r.Context(), sessionID(c.Value)); err != nil {
		u.cfg.Log.Error().Err(err).Msg("sign-out: delete session")
		u.errorPage(w, r, http.StatusServiceUnavailable, "The database did not answer. Try again in a moment.")
		return
	}
	u.setCookie(w, r, sessionCookie, "", -1)
	http.Redirect(w, r, "/signin?m=signed_out", http.StatusSeeOther)
}
