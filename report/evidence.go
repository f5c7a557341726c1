package report

import (
	"slices"
	"sort"
	"strings"
)

// evidence says which collectors a finding of a layer (and, where the layer
// alone does not tell, a kind) rests on: the collector that observed what
// the finding judges first, then any collector its identity depends on.
// The first matching row wins; kind "" matches every kind. Every finding
// the rules make today is told apart by layer and kind: no product needs a
// row of its own (the applications collector reads the package database
// itself and reports a failed read as its own error, so application
// findings rest on "applications" alone).
//
// This is the one place that knows it. It lives in package report, beside
// Collectors, because it is what a reader of a report needs to interpret
// that field ("is this gap gone, or was it not looked for?"): the server's
// store and web UI use it without depending on the rules engine. The scan
// tests check that every name here is a collector of the registry and that
// every finding of the fixture hosts has a row.
// InstanceEvidence starts the evidence line that names which instance of
// a product a finding is about (a site's directory, a PHP build), as the
// rules write it; the renderings show it beside the product.
const InstanceEvidence = "instance: "

// Instance is the instance a finding names in its evidence, or "".
func (f *Finding) Instance() string {
	for _, e := range f.Evidence {
		if rest, ok := strings.CutPrefix(e, InstanceEvidence); ok {
			return rest
		}
	}
	return ""
}

// AccountsEvidence starts the evidence line that names the hosting
// accounts a finding concerns on a shared server: the accounts with sites
// on a PHP build ("accounts: bob (addon.example.net), carol
// (carol.example.org by default)"), or the one a site belongs to
// ("account: bob (example.com, document root /home/bob/public_html)").
const (
	AccountsEvidence = "accounts: "
	AccountEvidence  = "account: "
)

// Accounts is the accounts line of a finding's evidence, prefix included,
// or "".
func (f *Finding) Accounts() string {
	for _, e := range f.Evidence {
		if strings.HasPrefix(e, AccountsEvidence) || strings.HasPrefix(e, AccountEvidence) {
			return e
		}
	}
	return ""
}

// ownerClause joins the two halves of a rationale as the rules write it:
// the gap, then whose it is and why ("…, so it no longer gets security
// fixes; this is the provider's to fix under Managed Services: "…".").
const ownerClause = "; this is "

// SplitRationale splits a rationale into its gap and whose it is ("this
// is …", with its full stop), at the last owner clause; ok is false for a
// rationale written otherwise (an older agent's, or a matrix's own words).
func SplitRationale(r string) (gap, whose string, ok bool) {
	i := strings.LastIndex(r, ownerClause)
	if i <= 0 {
		return r, "", false
	}
	return r[:i], r[i+2:], true
}

// productText is a finding's product as the renderings show it: with its
// instance, so that two sites' WordPress findings tell which site.
func productText(f *Finding) string {
	if in := f.Instance(); in != "" {
		return f.Product + " (" + in + ")"
	}
	return f.Product
}

// osCollector is the collector that identifies the operating system.
const osCollector = "osinfo"

var evidence = []struct {
	layer Layer
	kind  Kind
	from  []string
}{
	// Pending updates come from the package manager; the OS they are
	// named after (and the finding's id) from osinfo.
	{LayerOperatingSystem, KindUpdatesPending, []string{"packages", osCollector}},
	// A pending reboot: the running and installed kernels and the OS's
	// reboot flag.
	{LayerOperatingSystem, KindRebootRequired, []string{"kernel", osCollector}},
	// The OS release: end of life, extended support, a major behind.
	{LayerOperatingSystem, "", []string{osCollector}},
	{LayerControlPanel, "", []string{"controlpanel"}},
	{LayerVirtualisation, "", []string{"hypervisor"}},
	{LayerPhysicalHost, "", []string{"firmware"}},
	// PHP, MySQL/MariaDB, PostgreSQL, nginx, Apache, OpenSSH: versions
	// from the package database and the binaries.
	{LayerApplications, "", []string{"applications"}},
	{LayerThirdPartyApps, "", []string{"webapps"}},
}

// EvidenceCollectors returns the names of the collectors a finding's
// evidence came from, the observing collector first; nil for a finding no
// row knows (a reader should then treat it as resting on the whole scan).
func EvidenceCollectors(f *Finding) []string {
	for _, e := range evidence {
		if e.layer == f.Layer && (e.kind == "" || e.kind == f.Kind) {
			return e.from
		}
	}
	return nil
}

// EvidenceCollectorNames lists every collector name EvidenceCollectors can
// return (for tests that hold them against the registry).
func EvidenceCollectorNames() []string {
	var out []string
	for _, e := range evidence {
		for _, n := range e.from {
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Outcome is how one collector ended in a report.
type Outcome struct {
	// Status is the collector's status.
	Status CollectorStatus `json:"status"`
	// Error is the collector's errors in the report, joined by "; ".
	Error string `json:"error,omitempty"`
}

// Outcomes is how each collector of one report ended.
type Outcomes struct {
	// listed is true when the report has Collectors: a collector it does
	// not list did not run. In an older report every collector not named
	// in Errors is taken to have run cleanly (nothing else is known).
	listed bool
	by     map[string]Outcome
}

// OutcomesOf returns how each collector of r ended: from r.Collectors,
// or, for a report without them (written before v1.1), failed for every
// collector named in r.Errors and ok for the rest.
func OutcomesOf(r *Report) Outcomes {
	o := Outcomes{listed: len(r.Collectors) > 0, by: map[string]Outcome{}}
	errs := map[string][]string{}
	for _, e := range r.Errors {
		errs[e.Collector] = append(errs[e.Collector], e.Error)
	}
	for _, c := range r.Collectors {
		o.by[c.Name] = Outcome{Status: c.Status, Error: strings.Join(errs[c.Name], "; ")}
	}
	for name, es := range errs {
		if _, ok := o.by[name]; !ok {
			// Named in errors but not listed (or an older report): failed.
			o.by[name] = Outcome{Status: CollectorFailed, Error: strings.Join(es, "; ")}
		}
	}
	return o
}

// Of returns how the named collector ended.
func (o Outcomes) Of(name string) Outcome {
	if oc, ok := o.by[name]; ok {
		return oc
	}
	if o.listed {
		return Outcome{Status: CollectorNotRun}
	}
	return Outcome{Status: CollectorOK}
}

// Verified reports whether every collector f rests on ran cleanly, so that
// a report without f shows the gap is gone. A finding no row knows rests
// on every collector of the report.
func (o Outcomes) Verified(f *Finding) bool {
	names := EvidenceCollectors(f)
	if names == nil {
		return len(o.Failing()) == 0
	}
	for _, n := range names {
		if o.Of(n).Status != CollectorOK {
			return false
		}
	}
	return true
}

// Failing lists the collectors that did not run cleanly, by name.
func (o Outcomes) Failing() []string {
	var out []string
	for name, oc := range o.by {
		if oc.Status != CollectorOK {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}
