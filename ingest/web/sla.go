package web

import (
	"net/http"
	"time"

	"github.com/demarc/demarc/ingest"
	"github.com/demarc/demarc/ingest/sla"
	"github.com/demarc/demarc/ingest/store"
)

// slaOf counts findings annotated with their SLA state per party.
func slaOf(fs []store.Finding) sla.Fleet {
	var out sla.Fleet
	for _, f := range fs {
		if f.Ack != nil {
			continue // accepted: out of the SLA counts while it lives
		}
		c := out.Of(f.Responsible)
		switch f.SLAState {
		case sla.Breached:
			c.Breached++
		case sla.Due:
			c.Due++
		}
	}
	return out
}

type slaData struct {
	M        sla.Month
	Tenants  []store.TenantCount
	Months   []string
	Markdown string
	// MDURL is the report's Markdown address.
	MDURL string
	Q     query
}

// slaReport is /sla?month=2026-11&tenant=acme: the monthly SLA report of
// the provider's findings in scope (an admin may narrow it to a tenant);
// format=md serves it as Markdown.
func (u *UI) slaReport(w http.ResponseWriter, r *http.Request, v *view) {
	ctx, sc, now := r.Context(), v.P.Scope(), u.cfg.Now()
	tenant := ""
	if v.Admin() {
		tenant = enum(r, "tenant", validTenant)
	}
	month, err := ingest.ReportMonth(param(r, "month", 16), now)
	if err != nil {
		u.errorPage(w, r, http.StatusBadRequest, "The month must be written YYYY-MM, e.g. 2026-11.")
		return
	}
	format := param(r, "format", 8)
	if format != "" && format != "md" {
		u.errorPage(w, r, http.StatusBadRequest, "Unknown report format: use format=md.")
		return
	}
	m, err := u.srv.SLA().MonthReport(ctx, u.st, sc, tenant, month, now)
	if err != nil {
		u.readError(w, r, err)
		return
	}
	if format == "md" {
		w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
		w.Header().Set("Content-Disposition", `inline; filename="demarc-sla-`+m.Month+`.md"`)
		_, _ = w.Write([]byte(m.Markdown()))
		return
	}
	d := &slaData{M: m, Markdown: m.Markdown(), Q: query(r.URL.Query())}
	d.MDURL = d.Q.Set("format", "md")
	cur := time.Date(now.UTC().Year(), now.UTC().Month(), 1, 0, 0, 0, 0, time.UTC)
	for i := range 12 {
		d.Months = append(d.Months, cur.AddDate(0, -i, 0).Format("2006-01"))
	}
	if d.Tenants, err = u.tenantMenu(ctx, v); err != nil {
		u.readError(w, r, err)
		return
	}
	v.Title, v.Nav, v.Data = "SLA report "+m.Month, "sla", d
	u.render(w, http.StatusOK, "sla", v)
}
