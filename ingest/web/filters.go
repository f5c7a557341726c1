package web

import (
	"context"

	"github.com/demarc/demarc/ingest/sla"
	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// fieldKind is how a filter form shows a field.
type fieldKind string

const (
	// fieldSelect is a menu of the field's Options.
	fieldSelect fieldKind = "select"
	// fieldSearch is free text that grows to fill the row; with a List,
	// its Options are the suggestions of that datalist.
	fieldSearch fieldKind = "search"
	// fieldHidden carries Value along unseen, when it is set.
	fieldHidden fieldKind = "hidden"
)

// filterField is one field of a list page's filter form, built here and
// rendered by the "filter-fields" partial (partials.html): the hosts and
// findings pages build their lists in hostFields and findingFields.
type filterField struct {
	// ID is the control's element id (the label's for); Name its query
	// parameter.
	ID, Name, Label string
	Kind            fieldKind
	// Value, Placeholder and MaxLen are a search or hidden field's.
	Value, Placeholder string
	MaxLen             int
	// List is the id of a search field's datalist.
	List    string
	Options []filterOption
}

// filterOption is one choice of a menu, or one suggestion of a search
// field.
type filterOption struct {
	Value, Label string
	Selected     bool
}

// anyOption is a menu's first choice, the value "" that filters nothing.
// It is never marked selected: a menu without a selected choice shows its
// first.
func anyOption(label string) filterOption { return filterOption{Label: label} }

// option is a choice, selected when its value is cur.
func option[T ~string](value T, label string, cur T) filterOption {
	return filterOption{Value: string(value), Label: label, Selected: value == cur}
}

// choices are the options of vals, labelled by label, cur selected.
func choices[T ~string](vals []T, label func(T) string, cur T) []filterOption {
	out := make([]filterOption, 0, len(vals))
	for _, v := range vals {
		out = append(out, option(v, label(v), cur))
	}
	return out
}

// menu is a select field: "f-"+id names its element.
func menu(id, name, label string, opts ...filterOption) filterField {
	return filterField{ID: "f-" + id, Name: name, Label: label, Kind: fieldSelect, Options: opts}
}

// withAny puts the "" choice labelled label before opts.
func withAny(label string, opts []filterOption) []filterOption {
	return append([]filterOption{anyOption(label)}, opts...)
}

// The fields both list pages have: tenant (an admin's), tier, responsible
// party, severity and sort order.

// tenantField is the tenant menu; counts adds each tenant's host count.
func tenantField(tenants []store.TenantCount, cur string, counts bool) filterField {
	opts := []filterOption{anyOption("All tenants")}
	for _, t := range tenants {
		label := t.Tenant
		if counts {
			label += " (" + num(t.Hosts) + ")"
		}
		opts = append(opts, option(t.Tenant, label, cur))
	}
	return menu("tenant", "tenant", "Tenant", opts...)
}

func tierField(cur report.Tier) filterField {
	return menu("tier", "tier", "Tier", withAny("All tiers", choices(report.Tiers, tierLabel, cur))...)
}

// partyField is the responsible-party menu labelled label; suffix ends
// each party's name ("'s" for "the provider's").
func partyField(label string, cur report.Responsible, suffix string) filterField {
	return menu("resp", "responsible", label, anyOption("Either party"),
		option(report.ResponsibleProvider, "the provider"+suffix, cur),
		option(report.ResponsibleCustomer, "the customer"+suffix, cur))
}

func severityField(cur report.Severity) filterField {
	label := func(s report.Severity) string { return string(s) }
	return menu("sev", "severity", "Severity", withAny("Any severity", choices(report.Severities, label, cur))...)
}

func sortField(sorts []sortOption, cur string) filterField {
	opts := make([]filterOption, 0, len(sorts))
	for _, s := range sorts {
		opts = append(opts, option(s.Value, s.Label, cur))
	}
	return menu("sort", "sort", "Sort by", opts...)
}

// flagField is a yes-or-any menu: value "1", labelled yes, when on.
func flagField(id, name, label, yes string, on bool) filterField {
	return menu(id, name, label, anyOption("Any"), filterOption{Value: "1", Label: yes, Selected: on})
}

// hostFields are the hosts page's filters, in the order its form shows
// them.
func hostFields(f store.HostFilter, fc store.Facets, admin bool) []filterField {
	fs := []filterField{{ID: "f-q", Name: "q", Label: "Search", Kind: fieldSearch, Value: f.Search,
		Placeholder: "hostname or host id", MaxLen: 128}}
	if admin {
		fs = append(fs, tenantField(fc.Tenants, f.Tenant, true))
	}
	oses := []filterOption{anyOption("All OS releases")}
	for _, o := range fc.OS {
		label := o.PrettyName
		if o.EOL > 0 {
			label += " — end of life"
		}
		oses = append(oses, option(o.ID+":"+o.VersionID, label+" ("+num(o.Hosts)+")", f.OS))
	}
	return append(fs, tierField(f.Tier), menu("os", "os", "OS", oses...),
		partyField("Open findings of", f.Responsible, ""), severityField(f.Severity), sortField(hostSorts, f.Sort),
		flagField("failing", "failing", "Last scan", "could not check everything", f.FailingCollectors),
		flagField("claim", "claim", "Claimed tier", "disagrees with the judged tier", f.ClaimDisagrees))
}

// findingFields are the findings page's filters, in the order its form
// shows them: the product search suggests d.Products, the tenant menu
// (an admin's) lists d.Tenants, the sla menu shows d.SLAState.
func findingFields(d *findingsData, admin bool) []filterField {
	f := d.F
	products := make([]filterOption, 0, len(d.Products))
	for _, p := range d.Products {
		products = append(products, filterOption{Value: p})
	}
	fs := []filterField{{ID: "f-product", Name: "product", Label: "Product", Kind: fieldSearch, Value: f.Product,
		Placeholder: "e.g. PHP", MaxLen: 256, List: "products", Options: products}}
	if admin {
		fs = append(fs, tenantField(d.Tenants, f.Tenant, false))
	}
	return append(fs, partyField("Whose", f.Responsible, "'s"), severityField(f.Severity),
		menu("kind", "kind", "Kind", withAny("Any kind", choices(report.Kinds, kindLabel, f.Kind))...),
		menu("layer", "layer", "Layer", withAny("Any layer", choices(report.Layers, layerLabel, f.Layer))...),
		tierField(f.Tier),
		menu("status", "status", "Status", option(store.StatusOpen, "Open", f.Status),
			option(store.StatusResolved, "Resolved", f.Status), option(store.StatusAny, "Open or resolved", f.Status)),
		menu("sla", "sla", "SLA", anyOption("Any"), option(sla.Breached, "past its SLA", d.SLAState),
			option(sla.Due, "due within 7 days", d.SLAState)),
		filterField{Name: "host_id", Kind: fieldHidden, Value: f.HostID},
		sortField(findingSorts, f.Sort))
}

// updateFields are the Updates page's filters: the search (a package, an
// advisory or a CVE), the tenant (an admin's), security updates only and,
// for the ranking (no search), its order.
func updateFields(d *updatesData, admin bool) []filterField {
	fs := []filterField{{ID: "f-uq", Name: "q", Label: "Package, advisory or CVE", Kind: fieldSearch, Value: d.Q,
		Placeholder: "openssl, RHSA-2024:2447, CVE-2024-0727", MaxLen: 256}}
	if admin {
		fs = append(fs, tenantField(d.Tenants, d.Tenant, false))
	}
	fs = append(fs, menu("security", "security", "Updates", anyOption("All"),
		filterOption{Value: "true", Label: "security updates only", Selected: d.Security}))
	if d.Q == "" {
		fs = append(fs, sortField(packageSorts, d.Sort))
	}
	return fs
}

// tenantMenu lists the tenants of an admin's tenant menu (nil for a
// viewer, who has none).
func (u *UI) tenantMenu(ctx context.Context, v *view) ([]store.TenantCount, error) {
	if !v.Admin() {
		return nil, nil
	}
	fc, err := u.st.Facets(ctx, v.P.Scope())
	return fc.Tenants, err
}
