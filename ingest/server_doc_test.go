package ingest

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/demarc/demarc/ingest/sla"
	"github.com/demarc/demarc/ingest/store"
)

// dynamicLabels take values from requests and data (a route pattern, a
// status code, a tenant name); SERVER.md describes them rather than
// listing them.
var dynamicLabels = map[string]bool{"route": true, "code": true, "tenant": true}

// summaryOnly is a store that answers the fleet gauges' queries.
type summaryOnly struct{ store.Store }

func (summaryOnly) Counts(context.Context, store.Scope) (store.Summary, error) {
	return store.Summary{}, nil
}

func (summaryOnly) AckedOlder(_ context.Context, _ store.Scope, _ string, _ time.Time, qs []store.AgeCount) ([]int64, error) {
	return make([]int64, len(qs)), nil
}

func (summaryOnly) OpenOlder(_ context.Context, _ store.Scope, _ string, _ time.Time, qs []store.AgeCount) ([]int64, error) {
	return make([]int64, len(qs)), nil
}

// TestMetricsDocumented: docs/SERVER.md's metrics table names every metric
// the server registers and no other, and in each metric's row every label
// value the code can emit: the values exported from the start and every
// literal the code passes for that label (found in the source, so that a
// new reject reason cannot go undocumented).
func TestMetricsDocumented(t *testing.T) {
	rows := metricsTable(t)
	m := newMetrics(summaryOnly{}, time.Minute, sla.Default(), time.Now)
	labels := registeredMetrics(m) // metric → its label names

	for name := range labels {
		if rowFor(rows, name) == "" {
			t.Errorf("docs/SERVER.md's metrics table lacks %s", name)
		}
	}
	for _, r := range rows {
		for _, name := range regexp.MustCompile(`demarc_[a-z_]+`).FindAllString(strings.SplitN(r, " | ", 2)[0], -1) {
			if _, ok := labels[name]; !ok {
				t.Errorf("docs/SERVER.md documents %s, which the server does not register", name)
			}
		}
	}

	values := map[string]map[string]bool{} // metric → label values it can carry
	add := func(metric, v string) {
		if values[metric] == nil {
			values[metric] = map[string]bool{}
		}
		values[metric][v] = true
	}
	fams, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		for _, mt := range f.GetMetric() {
			for _, lp := range mt.GetLabel() {
				if !dynamicLabels[lp.GetName()] {
					add(f.GetName(), lp.GetValue())
				}
			}
		}
	}
	fields := metricFields(m)
	emitted := emittedLabelValues(t)
	for field, vals := range emitted {
		name, ok := fields[field]
		if !ok {
			t.Errorf("the source passes label values to %s, which is not a metric field", field)
			continue
		}
		for _, v := range vals {
			add(name, v)
		}
	}
	for _, v := range emitted["rejects"] {
		if !slices.Contains(rejectReasons, v) {
			t.Errorf("reject reason %q is emitted but not in rejectReasons (exported from zero)", v)
		}
	}
	for name, vals := range values {
		row := rowFor(rows, name)
		if row == "" {
			continue // reported above
		}
		for v := range vals {
			if !regexp.MustCompile(`\b` + regexp.QuoteMeta(v) + `\b`).MatchString(row) {
				t.Errorf("docs/SERVER.md: the row of %s lacks the label value %q", name, v)
			}
		}
	}
	if len(values["demarc_ingest_rejects_total"]) < 10 || len(emitted["rejects"]) < 10 {
		t.Fatalf("found %d reject reasons (%d in the source): the test lost its way", len(values["demarc_ingest_rejects_total"]), len(emitted["rejects"]))
	}
}

// metricsTable returns the rows of the table under "### Health and
// metrics" in docs/SERVER.md.
func metricsTable(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "docs", "SERVER.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "| metric | what |")
	if !ok {
		t.Fatal("docs/SERVER.md has no metrics table")
	}
	var rows []string
	for _, line := range strings.Split(rest, "\n")[2:] {
		if !strings.HasPrefix(line, "|") {
			break
		}
		rows = append(rows, line)
	}
	return rows
}

// rowFor returns the row whose first cell names metric.
func rowFor(rows []string, metric string) string {
	name := regexp.MustCompile("`" + regexp.QuoteMeta(metric) + "[`{]")
	for _, r := range rows {
		if name.MatchString(strings.SplitN(r, " | ", 2)[0]) {
			return r
		}
	}
	return ""
}

var descName = regexp.MustCompile(`fqName: "([^"]+)".*variableLabels: \{([^}]*)\}`)

// describe lists the metric names and label names c describes.
func describe(c prometheus.Collector) map[string][]string {
	ch := make(chan *prometheus.Desc, 16)
	go func() { c.Describe(ch); close(ch) }()
	out := map[string][]string{}
	for d := range ch {
		if m := descName.FindStringSubmatch(d.String()); m != nil && strings.HasPrefix(m[1], "demarc_") {
			out[m[1]] = strings.FieldsFunc(m[2], func(r rune) bool { return r == ',' })
		}
	}
	return out
}

// collectorFields returns the fields of metrics that are collectors, by
// field name (read through reflection, so that a new field is not missed).
func collectorFields(m *metrics) map[string]prometheus.Collector {
	out := map[string]prometheus.Collector{}
	v := reflect.ValueOf(m).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		f = reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem() // unexported
		if c, ok := f.Interface().(prometheus.Collector); ok {
			out[v.Type().Field(i).Name] = c
		}
	}
	return out
}

// metricFields maps each collector field of metrics to its metric's name.
func metricFields(m *metrics) map[string]string {
	out := map[string]string{}
	for field, c := range collectorFields(m) {
		for name := range describe(c) {
			out[field] = name
		}
	}
	return out
}

// registeredMetrics lists the server's own metrics (not Go's or the
// process's) with their label names.
func registeredMetrics(m *metrics) map[string][]string {
	out := describe(&fleetCollector{})
	for _, c := range collectorFields(m) {
		for name, l := range describe(c) {
			out[name] = l
		}
	}
	return out
}

// emittedLabelValues reads the package's source for the label values it
// passes as literals, by metrics field: X.field.WithLabelValues("v") (or a
// call of a function of the package returning literals), and the
// reasons of postReport's reject closure and of decodeStatus, which are
// demarc_ingest_rejects_total's.
func emittedLabelValues(t *testing.T) map[string][]string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	funcs := map[string]*ast.FuncDecl{}
	var parsed []*ast.File
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		parsed = append(parsed, af)
		for _, d := range af.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil {
				funcs[fd.Name.Name] = fd
			}
		}
	}
	out := map[string][]string{}
	add := func(field string, e ast.Expr) {
		if s, ok := stringLit(e); ok {
			out[field] = append(out[field], s)
			return
		}
		if call, ok := e.(*ast.CallExpr); ok {
			if id, ok := call.Fun.(*ast.Ident); ok && funcs[id.Name] != nil {
				out[field] = append(out[field], returnedLiterals(funcs[id.Name], 0)...)
			}
		}
	}
	for _, af := range parsed {
		ast.Inspect(af, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			switch fn := call.Fun.(type) {
			case *ast.SelectorExpr:
				if recv, ok := fn.X.(*ast.SelectorExpr); ok && fn.Sel.Name == "WithLabelValues" {
					for _, a := range call.Args {
						add(recv.Sel.Name, a)
					}
				}
			case *ast.Ident:
				if fn.Name == "reject" && len(call.Args) == 3 {
					add("rejects", call.Args[1])
				}
			}
			return true
		})
	}
	if fd := funcs["decodeStatus"]; fd != nil {
		out["rejects"] = append(out["rejects"], returnedLiterals(fd, 1)...)
	} else {
		t.Error("no decodeStatus: say where the reject reasons of a failed decode come from")
	}
	return out
}

// returnedLiterals lists the string literals fd returns at result index i.
func returnedLiterals(fd *ast.FuncDecl, i int) []string {
	var out []string
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		if r, ok := n.(*ast.ReturnStmt); ok && len(r.Results) > i {
			if s, ok := stringLit(r.Results[i]); ok {
				out = append(out, s)
			}
		}
		return true
	})
	return out
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

// TestServerDocHostIDs: the host ids in docs/SERVER.md's examples look like
// a real agent's (the 32 hex digits the server assigns at enrollment),
// shortened with "…" at most, or are placeholders; not the demo's ids.
func TestServerDocHostIDs(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "docs", "SERVER.md"))
	if err != nil {
		t.Fatal(err)
	}
	ref := regexp.MustCompile(`(?:/hosts/|host (?:revoke|rotate) |"host_id": ?"?)([^/?'"\s)` + "`" + `]+)`)
	real := regexp.MustCompile(`^(?:[0-9a-f]{32}|[0-9a-f]{4,31}…|\{[a-z_]+\}|<32 hex>|HOST_ID|ID)$`)
	n := 0
	for i, line := range strings.Split(string(b), "\n") {
		for _, m := range ref.FindAllStringSubmatch(line, -1) {
			n++
			if !real.MatchString(m[1]) {
				t.Errorf("docs/SERVER.md:%d: host id %q is not 32 hex digits (or a placeholder)", i+1, m[1])
			}
		}
	}
	if n < 5 {
		t.Fatalf("found %d host ids: the pattern is broken", n)
	}
}
