package web

import (
	"embed"
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/internal/words"
	"github.com/demarc/demarc/report"
)

//go:embed templates
var templateFS embed.FS

// pageNames are the pages; each is parsed with the layout and partials.
var pageNames = []string{"signin", "overview", "hosts", "host", "findings", "sla", "webhooks", "error", "acks", "updates"}

func parsePages() (map[string]*template.Template, error) {
	out := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS,
			"templates/layout.html", "templates/partials.html", "templates/record.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse page %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

var funcs = template.FuncMap{
	"asset":       assetURL,
	"num":         num,
	"ago":         ago,
	"span":        func(now, t time.Time) string { return strings.TrimSuffix(ago(now, t), " ago") },
	"short":       func(t time.Time) string { return t.UTC().Format("2 Jan 15:04") },
	"stamp":       func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"day":         func(t time.Time) string { return t.UTC().Format("2 Jan 2006") },
	"isoday":      func(t time.Time) string { return t.UTC().Format(time.DateOnly) },
	"iso":         func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"hostURL":     func(id string) string { return "/hosts/" + url.PathEscape(id) },
	"kind":        kindLabel,
	"kindVerb":    kindVerb,
	"layer":       layerLabel,
	"tier":        tierLabel,
	"tierShort":   tierShort,
	"sevs":        func() []report.Severity { return report.Severities },
	"tiers":       func() []report.Tier { return report.Tiers },
	"kinds":       func() []report.Kind { return report.Kinds },
	"layers":      func() []report.Layer { return report.Layers },
	"days":        func(from, to time.Time) int { return int(to.Sub(from).Hours() / 24) },
	"add":         func(a, b int) int { return a + b },
	"i64":         func(n int) int64 { return int64(n) },
	"title":       capitalize,
	"at":          func(now, t time.Time) when { return when{T: t, Now: now} },
	"dict":        dict,
	"same":        func(a, b time.Time) bool { return a.Equal(b) },
	"reportURL":   func(id string) string { return "/reports/" + url.PathEscape(id) },
	"failing":     failingNames,
	"checkFailed": checkFailed,
	"software":    software,
	"owners":      owners,
	"gap":         func(r string) string { g, _, _ := report.SplitRationale(r); return g },
	"ownerNo":     ownerNo,
	"pct":         func(f *float64) float64 { return *f * 100 },
	"crit": func(b backlog) int64 {
		if len(b.Rows) == 0 {
			return 0
		}
		return b.Rows[0].Total
	},
}

// owners are the distinct owner clauses of findings' rationales, in order
// of first appearance: a findings table says whose each gap is once, as
// numbered notes its rows point at (report.SplitRationale).
func owners(fs []store.Finding) []string {
	var out []string
	for _, f := range fs {
		if _, whose, ok := report.SplitRationale(f.Rationale); ok && !slices.Contains(out, whose) {
			out = append(out, whose)
		}
	}
	return out
}

// ownerNo is the note number (from 1) of a rationale's owner clause in
// owners, 0 for a rationale without one.
func ownerNo(owners []string, rationale string) int {
	if _, whose, ok := report.SplitRationale(rationale); ok {
		return slices.Index(owners, whose) + 1
	}
	return 0
}

// dict makes a map of key, value pairs, to pass several values to a
// template.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// when is a time shown relative to now (the "when" template).
type when struct{ T, Now time.Time }

// num writes an integer with thousands separators.
func num(v any) string {
	var n int64
	switch x := v.(type) {
	case int:
		n = int64(x)
	case int64:
		n = x
	default:
		return fmt.Sprint(v)
	}
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// ago says how long before now t was, in the largest unit that fits.
func ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d.Minutes()), "minute") + " ago"
	case d < 48*time.Hour:
		return plural(int(d.Hours()), "hour") + " ago"
	default:
		return plural(int(d.Hours()/24), "day") + " ago"
	}
}

func plural(n int, unit string) string { return words.Count(n, unit, unit+"s") }

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

var kindLabels = map[report.Kind]string{
	report.KindEOL:              "end of life",
	report.KindExtendedSupport:  "extended support only",
	report.KindEOLSoon:          "end of life soon",
	report.KindMajorBehind:      "major release behind",
	report.KindPatchBehind:      "patches behind",
	report.KindUpdatesPending:   "updates pending",
	report.KindRebootRequired:   "reboot required",
	report.KindUnknownLifecycle: "unknown lifecycle",
}

func kindLabel(k report.Kind) string {
	if s, ok := kindLabels[k]; ok {
		return s
	}
	return string(k)
}

// kindVerb describes a group of findings: "past its end of life".
func kindVerb(k report.Kind) string {
	switch k {
	case report.KindEOL:
		return "past its end of life"
	case report.KindExtendedSupport:
		return "in extended support only"
	case report.KindEOLSoon:
		return "reaching its end of life soon"
	case report.KindMajorBehind:
		return "a major release behind"
	case report.KindPatchBehind:
		return "behind on patches"
	case report.KindUpdatesPending:
		return "with updates pending"
	case report.KindRebootRequired:
		return "waiting for a reboot"
	}
	return "of unknown lifecycle"
}

var layerLabels = map[report.Layer]string{
	report.LayerApplications:           "server software",
	report.LayerThirdPartyApps:         "customer applications",
	report.LayerControlPanel:           "control panel",
	report.LayerOperatingSystem:        "operating system",
	report.LayerVirtualisation:         "virtualisation",
	report.LayerPhysicalHost:           "hardware and firmware",
	report.LayerIdentityInfrastructure: "identity infrastructure",
	report.LayerPhysicalNetwork:        "physical network",
	report.LayerDataCentre:             "data centre",
	report.LayerBackupPlatform:         "backup platform",
}

func layerLabel(l report.Layer) string {
	if s, ok := layerLabels[l]; ok {
		return s
	}
	return strings.ReplaceAll(string(l), "_", " ")
}

// tierShort is a tier's name in a narrow column.
func tierShort(t report.Tier) string {
	if t == report.TierColocation {
		return "Colo"
	}
	return tierLabel(t)
}

func tierLabel(t report.Tier) string {
	switch t {
	case report.TierManaged:
		return "Managed"
	case report.TierIaaS:
		return "IaaS"
	case report.TierColocation:
		return "Colocation"
	}
	return string(t)
}

// query is a page's query string, for links that change one parameter and
// keep the others (the filters).
type query url.Values

// Set returns the query string with key set to value (removed when value
// is empty) and the page cursor dropped: a new filter starts at page one.
func (q query) Set(key, value string) string {
	v := url.Values{}
	for k, vs := range q {
		if k != "cursor" && k != "page" {
			v[k] = vs
		}
	}
	if value == "" {
		v.Del(key)
	} else {
		v.Set(key, value)
	}
	return "?" + v.Encode()
}

// Page returns the query string of another page of the same list.
func (q query) Page(cursor string, page int) string {
	v := url.Values{}
	for k, vs := range q {
		v[k] = vs
	}
	v.Del("cursor")
	v.Del("page")
	if cursor != "" {
		v.Set("cursor", cursor)
		v.Set("page", strconv.Itoa(page))
	}
	return "?" + v.Encode()
}

// Get returns a parameter.
func (q query) Get(key string) string { return url.Values(q).Get(key) }
