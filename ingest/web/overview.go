package web

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/demarc/demarc/ingest/sla"
	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
	"github.com/demarc/demarc/rules/lifecycle"
)

// overviewData is the fleet at a glance.
type overviewData struct {
	Hosts     int64
	HostsTier map[report.Tier]int64
	Tenants   int
	LastScan  time.Time
	// PatchFirst is the provider's open findings grouped by product, most
	// severe and widespread first.
	PatchFirst []store.FindingGroup
	// YoursFirst is a tenant viewer's own open findings grouped by
	// product (accepted groups out), ProviderOpen the provider's most
	// severe open findings on its hosts with their SLA clocks.
	YoursFirst   []store.FindingGroup
	ProviderOpen []store.Finding
	// Backlog is the provider's and the customers' open findings by
	// severity and tier.
	Backlog [2]backlog
	Chart   chart
	// EOL counts the hosts on end-of-life OS releases and the end-of-life
	// findings by layer and party.
	EOLOS     []store.OSCount
	EOLLayers []eolRow
	EOLGroups []store.FindingGroup
	// Oldest lists the critical provider findings open longest.
	Oldest []store.Finding
	// Worst lists the hosts with the heaviest provider backlog.
	Worst []store.Host
	// Failing lists the hosts whose last scan could not check everything
	// (some of its collectors did not run cleanly), newest scan first;
	// FailingCount counts them all.
	Failing      []store.Host
	FailingCount int64
	// Lifecycle is the server's current lifecycle data.
	Lifecycle lifecycleInfo
	// SLA counts the open findings past and near their SLA per party.
	SLA sla.Fleet
}

// lifecycleInfo says which lifecycle data the server judges with: the
// last import (its data date, when and by whom), or the built-in data.
type lifecycleInfo struct {
	DataDate   string
	ImportedAt time.Time
	ImportedBy string
	BuiltIn    bool
}

// currentLifecycle describes the store's current lifecycle version, or
// the built-in data when none was imported.
func (u *UI) currentLifecycle(ctx context.Context) (lifecycleInfo, error) {
	v, err := u.st.CurrentLifecycle(ctx)
	if errors.Is(err, store.ErrNotFound) {
		d, err := lifecycle.Default()
		if err != nil {
			return lifecycleInfo{}, err
		}
		return lifecycleInfo{DataDate: d.SnapshotDate.String(), BuiltIn: true}, nil
	}
	return lifecycleInfo{DataDate: v.DataDate, ImportedAt: v.ImportedAt, ImportedBy: v.ImportedBy}, err
}

// backlog is one party's open findings: a row per severity, a column per
// tier.
type backlog struct {
	Party report.Responsible
	Rows  []backlogRow
	Tiers map[report.Tier]int64
	Total int64
}

type backlogRow struct {
	Severity report.Severity
	Tiers    map[report.Tier]int64
	Total    int64
}

// eolRow counts the open end-of-life findings of one layer per party.
type eolRow struct {
	Layer              report.Layer
	Provider, Customer int64
}

func (u *UI) overview(w http.ResponseWriter, r *http.Request, v *view) {
	ctx, sc := r.Context(), v.P.Scope()
	d := &overviewData{}
	sum, err := u.st.Summary(ctx, sc)
	if err != nil {
		u.readError(w, r, err)
		return
	}
	d.HostsTier = sum.Hosts
	for _, n := range sum.Hosts {
		d.Hosts += n
	}
	d.Backlog = backlogs(sum.Open)
	d.EOLLayers = eolRows(sum.EOL)
	d.FailingCount = sum.HostsFailingCollectors
	steps := []func() error{
		func() error {
			if v.Admin() {
				return nil
			}
			as, err := u.srv.LiveAcks(ctx, sc)
			if err != nil {
				return err
			}
			gs, err := u.st.FindingGroups(ctx, sc, store.FindingFilter{Responsible: report.ResponsibleCustomer}, 8+as.Groups())
			if err != nil {
				return err
			}
			d.YoursFirst, _ = as.Split(gs, sc.Tenant())
			d.YoursFirst = d.YoursFirst[:min(len(d.YoursFirst), 8)]
			res, err := u.st.Findings(ctx, sc, store.FindingFilter{Responsible: report.ResponsibleProvider, Sort: "severity"}, store.Page{Limit: 10})
			if err != nil {
				return err
			}
			u.srv.SLA().Annotate(u.srv.Now(), res.Findings)
			as.Mark(res.Findings)
			d.ProviderOpen = res.Findings
			return nil
		},
		func() (err error) {
			as, err := u.srv.LiveAcks(ctx, sc)
			if err != nil {
				return err
			}
			gs, err := u.st.FindingGroups(ctx, sc, store.FindingFilter{Responsible: report.ResponsibleProvider}, 8+as.Groups())
			tenant := ""
			if !sc.All() {
				tenant = sc.Tenant()
			}
			d.PatchFirst, _ = as.Split(gs, tenant)
			d.PatchFirst = d.PatchFirst[:min(len(d.PatchFirst), 8)]
			return err
		},
		func() error {
			fc, err := u.st.Facets(ctx, sc)
			for _, o := range fc.OS {
				if o.EOL > 0 {
					d.EOLOS = append(d.EOLOS, o)
				}
			}
			d.Tenants = len(fc.Tenants)
			return err
		},
		func() (err error) {
			d.EOLGroups, err = u.st.FindingGroups(ctx, sc, store.FindingFilter{Kind: report.KindEOL, Layer: report.LayerControlPanel}, 20)
			return err
		},
		func() error {
			p, err := u.st.Findings(ctx, sc, store.FindingFilter{Responsible: report.ResponsibleProvider,
				Severity: report.SeverityCritical, Sort: "opened_at"}, store.Page{Limit: 8})
			d.Oldest = p.Findings
			return err
		},
		func() error {
			p, err := u.st.Hosts(ctx, sc, store.HostFilter{Sort: "-provider_open", Responsible: report.ResponsibleProvider}, store.Page{Limit: 8})
			d.Worst = p.Hosts
			return err
		},
		func() error {
			if d.FailingCount == 0 {
				return nil
			}
			p, err := u.st.Hosts(ctx, sc, store.HostFilter{Sort: "-scanned_at", FailingCollectors: true}, store.Page{Limit: 8})
			d.Failing = p.Hosts
			return err
		},
		func() error {
			p, err := u.st.Hosts(ctx, sc, store.HostFilter{Sort: "-scanned_at"}, store.Page{Limit: 1})
			if len(p.Hosts) > 0 {
				d.LastScan = p.Hosts[0].ScannedAt
			}
			return err
		},
		func() (err error) {
			d.Chart, err = u.trendChart(r, v)
			return err
		},
		func() (err error) {
			d.Lifecycle, err = u.currentLifecycle(ctx)
			return err
		},
		func() (err error) {
			// O(days) per party and severity (sla.Policy.Count).
			d.SLA, err = u.srv.SLA().Count(ctx, u.st, sc, "", u.cfg.Now())
			return err
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			u.readError(w, r, err)
			return
		}
	}
	v.Title, v.Nav, v.Data = "Fleet overview", "overview", d
	u.render(w, http.StatusOK, "overview", v)
}

func backlogs(cells []store.Cell) [2]backlog {
	var out [2]backlog
	for i, party := range []report.Responsible{report.ResponsibleProvider, report.ResponsibleCustomer} {
		b := backlog{Party: party, Tiers: map[report.Tier]int64{}}
		for _, sev := range report.Severities {
			row := backlogRow{Severity: sev, Tiers: map[report.Tier]int64{}}
			for _, c := range cells {
				if c.Responsible == party && c.Severity == sev {
					row.Tiers[c.Tier] += c.Count
					row.Total += c.Count
					b.Tiers[c.Tier] += c.Count
					b.Total += c.Count
				}
			}
			b.Rows = append(b.Rows, row)
		}
		out[i] = b
	}
	return out
}

// eolRows lists the layers with open end-of-life findings, in the order a
// host is built from the bottom up.
func eolRows(counts []store.LayerCount) []eolRow {
	order := []report.Layer{report.LayerOperatingSystem, report.LayerControlPanel, report.LayerApplications,
		report.LayerThirdPartyApps, report.LayerVirtualisation, report.LayerPhysicalHost}
	var out []eolRow
	for _, l := range order {
		row := eolRow{Layer: l}
		for _, c := range counts {
			if c.Layer != l || c.Kind != report.KindEOL {
				continue
			}
			if c.Responsible == report.ResponsibleProvider {
				row.Provider += c.Count
			} else {
				row.Customer += c.Count
			}
		}
		if l == report.LayerOperatingSystem || l == report.LayerControlPanel || row.Provider+row.Customer > 0 {
			out = append(out, row)
		}
	}
	return out
}
