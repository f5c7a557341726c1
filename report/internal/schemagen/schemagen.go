// Package schemagen generates the JSON Schema of demarc.report/v1 from the Go
// types in package report, with descriptions taken from their doc comments,
// so that the schema cannot drift from the code.
package schemagen

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/demarc/demarc/report"
)

// enums lists the allowed values of each enum type.
var enums = map[reflect.Type][]string{
	reflect.TypeOf(report.Tier("")):            strs(report.Tiers),
	reflect.TypeOf(report.Layer("")):           strs(report.Layers),
	reflect.TypeOf(report.Kind("")):            strs(report.Kinds),
	reflect.TypeOf(report.Severity("")):        strs(report.Severities),
	reflect.TypeOf(report.Responsible("")):     {string(report.ResponsibleProvider), string(report.ResponsibleCustomer)},
	reflect.TypeOf(report.CollectorStatus("")): strs(report.CollectorStatuses),
}

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

type gen struct {
	docs   map[string]string // "Type" and "Type.Field" -> doc comment
	defs   map[string]any
	limits map[string]report.Constraint // report.Constraints()
	used   map[string]bool              // the limits emitted
	defAt  map[string]string            // type name -> the path its def was made at
	alias  map[string]string            // path -> the path its type's def was made at
}

// Generate returns the schema as indented JSON. srcDir is the directory of
// package report's sources (for the doc comments).
func Generate(srcDir string) ([]byte, error) {
	docs, err := readDocs(srcDir)
	if err != nil {
		return nil, err
	}
	g := &gen{docs: docs, defs: map[string]any{}, limits: report.Constraints(), used: map[string]bool{}, defAt: map[string]string{}, alias: map[string]string{}}
	root := g.object(reflect.TypeOf(report.Report{}), "")
	root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	root["$id"] = "https://demarc.dev/schema/demarc.report.v1.json"
	root["title"] = report.Schema
	root["description"] = fmt.Sprintf("%s Objects and arrays nest at most %d levels deep, and members this schema does not define take at most %d bytes in all.",
		root["description"], report.MaxNesting, report.MaxUnknownBytes)
	props := root["properties"].(map[string]any)
	props["schema"] = map[string]any{"const": report.Schema, "description": docs["Report.Schema"]}
	root["$defs"] = g.defs
	for k := range g.limits {
		if !g.used[k] && !g.sameAsDef(k) {
			return nil, fmt.Errorf("schemagen: the validator checks %q, which no field of the types matches", k)
		}
	}
	b, err := json.MarshalIndent(root, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

func readDocs(dir string) (map[string]string, error) {
	fset := token.NewFileSet()
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	var files []*ast.File
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ParseComments)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", p, err)
		}
		if f.Name.Name == "report" {
			files = append(files, f)
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no package report in %s", dir)
	}
	out := map[string]string{}
	for _, f := range files {
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, s := range gd.Specs {
				ts := s.(*ast.TypeSpec)
				out[ts.Name.Name] = text(firstDoc(ts.Doc, gd.Doc))
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					continue
				}
				for _, fl := range st.Fields.List {
					for _, n := range fl.Names {
						out[ts.Name.Name+"."+n.Name] = text(fl.Doc)
					}
				}
			}
		}
	}
	return out, nil
}

func firstDoc(cs ...*ast.CommentGroup) *ast.CommentGroup {
	for _, c := range cs {
		if c != nil {
			return c
		}
	}
	return nil
}

func text(c *ast.CommentGroup) string {
	if c == nil {
		return ""
	}
	return strings.Join(strings.Fields(c.Text()), " ")
}

var timeType = reflect.TypeOf(time.Time{})

// schema describes type t found at JSON path at (list items as "[]", as
// report.Constraints keys them), with the validator's limits for it.
func (g *gen) schema(t reflect.Type, at string) map[string]any {
	k := g.limits[at]
	g.used[at] = true
	if vals, ok := enums[t]; ok {
		return map[string]any{"type": "string", "enum": vals}
	}
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t.Kind() == reflect.Pointer:
		return g.schema(t.Elem(), at)
	case t.Kind() == reflect.Struct:
		if _, ok := g.defs[t.Name()]; !ok {
			g.defs[t.Name()] = nil // break cycles
			g.defs[t.Name()] = g.object(t, at)
			g.defAt[t.Name()] = at
		} else if def := g.defAt[t.Name()]; def != at {
			g.alias[at] = def
		}
		return map[string]any{"$ref": "#/$defs/" + t.Name()}
	case t.Kind() == reflect.Slice:
		s := map[string]any{"type": "array", "items": g.item(t.Elem(), at+"[]", k)}
		if k.MaxItems > 0 {
			s["maxItems"] = k.MaxItems
		}
		return s
	case t.Kind() == reflect.Map:
		s := map[string]any{"type": "object", "additionalProperties": g.item(t.Elem(), at+"[]", k)}
		if k.MaxItems > 0 {
			s["maxProperties"] = k.MaxItems
		}
		g.used[at+"{}"] = true
		if kk := g.limits[at+"{}"]; kk.MaxLength > 0 {
			names := map[string]any{"maxLength": kk.MaxLength}
			if kk.NonEmpty {
				names["minLength"] = 1
			}
			s["propertyNames"] = names
		}
		return s
	case t.Kind() == reflect.String:
		return stringLimits(map[string]any{"type": "string"}, k)
	case t.Kind() == reflect.Bool:
		return map[string]any{"type": "boolean"}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		s := map[string]any{"type": "integer"}
		if k.Minimum != nil {
			s["minimum"] = *k.Minimum
		}
		if k.Maximum != nil {
			s["maximum"] = *k.Maximum
		}
		return s
	}
	panic(fmt.Sprintf("schemagen: unsupported type %s", t))
}

// item describes the items of a list or the values of a map at path at:
// the validator keys a string item's length under the list's own path.
func (g *gen) item(t reflect.Type, at string, list report.Constraint) map[string]any {
	if t.Kind() == reflect.String && !isEnum(t) {
		return stringLimits(map[string]any{"type": "string"}, list)
	}
	return g.schema(t, at)
}

func isEnum(t reflect.Type) bool { _, ok := enums[t]; return ok }

func stringLimits(s map[string]any, k report.Constraint) map[string]any {
	if k.MaxLength > 0 {
		s["maxLength"] = k.MaxLength
	}
	if k.NonEmpty {
		s["minLength"] = 1
	}
	return s
}

// object describes a struct: properties from json tags, required unless
// omitempty, unknown properties allowed (readers ignore them).
func (g *gen) object(t reflect.Type, at string) map[string]any {
	props := map[string]any{}
	var required []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		s := g.schema(f.Type, join(at, name))
		if d := g.docs[t.Name()+"."+f.Name]; d != "" {
			if _, isRef := s["$ref"]; isRef {
				s = map[string]any{"allOf": []any{s}, "description": d}
			} else {
				s["description"] = d
			}
		}
		props[name] = s
		if !strings.Contains(opts, "omitempty") {
			required = append(required, name)
		}
	}
	o := map[string]any{"type": "object", "properties": props, "additionalProperties": true}
	if len(required) > 0 {
		o["required"] = required
	}
	if d := g.docs[t.Name()]; d != "" {
		o["description"] = d
	}
	return o
}

// sameAsDef reports whether limit key k lies below a path whose type's def
// was generated at another path where the same limit was emitted (the two
// summaries share one Counts).
func (g *gen) sameAsDef(k string) bool {
	for at, def := range g.alias {
		rest, ok := strings.CutPrefix(k, at+".")
		if !ok {
			continue
		}
		if d := join(def, rest); g.used[d] && reflect.DeepEqual(g.limits[d], g.limits[k]) {
			return true
		}
	}
	return false
}

func join(at, name string) string {
	if at == "" {
		return name
	}
	return at + "." + name
}
