package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/demarc/demarc/rules/lifecycle"
)

// Generate builds the dataset from the raw sources in fsys (the source
// folder) and returns it as the JSON written to data/lifecycle.json. The
// products' aliases come from aliases (lifecycle id → the other product
// ids it judges: the product catalogue's).
func Generate(fsys fs.FS, aliases map[string][]string) ([]byte, error) {
	d, err := build(fsys, aliases)
	if err != nil {
		return nil, err
	}
	return encode(d)
}

func build(fsys fs.FS, aliases map[string][]string) (*lifecycle.Dataset, error) {
	m, err := loadManifest(fsys)
	if err != nil {
		return nil, err
	}
	d := &lifecycle.Dataset{Schema: lifecycle.Schema}
	if err := addSources(d, m); err != nil {
		return nil, err
	}
	eol, err := m.source("endoflife.date")
	if err != nil {
		return nil, err
	}
	rel, err := m.source("release-data")
	if err != nil {
		return nil, err
	}
	ven, err := m.source("vendor")
	if err != nil {
		return nil, err
	}
	eolDate, _ := lifecycle.ParseDate(eol.Date)
	venDate, _ := lifecycle.ParseDate(ven.Date)
	ids, err := productIDs(fsys, eol.Dir)
	if err != nil {
		return nil, err
	}
	for id := range m.Products {
		if !slices.Contains(ids, id) {
			return nil, fmt.Errorf("demarc.yaml: products: %q has no %s/%s.md", id, eol.Dir, id)
		}
	}
	for _, id := range ids {
		p, err := parseEOLProduct(fsys, eol.Dir, rel.Dir, id, m.Products[id])
		if err != nil {
			return nil, err
		}
		p.Checked = eolDate
		d.Products = append(d.Products, p)
	}
	for id, conf := range m.Vendor {
		if slices.Contains(ids, id) {
			return nil, fmt.Errorf("demarc.yaml: vendor: %q is also an endoflife.date product", id)
		}
		p, err := parseVendorProduct(fsys, ven.Dir, id, conf, venDate)
		if err != nil {
			return nil, err
		}
		d.Products = append(d.Products, p)
	}
	sort.Slice(d.Products, func(i, j int) bool { return d.Products[i].ID < d.Products[j].ID })
	for _, p := range d.Products {
		p.Aliases = aliases[p.ID]
	}
	for id := range aliases {
		if !slices.ContainsFunc(d.Products, func(p *lifecycle.Product) bool { return p.ID == id }) {
			return nil, fmt.Errorf("aliases of %q: no such lifecycle product", id)
		}
	}
	if err := d.Index(); err != nil {
		return nil, err
	}
	return d, nil
}

// addSources records the manifest's sources; the snapshot date is the
// oldest of their dates.
func addSources(d *lifecycle.Dataset, m *manifest) error {
	for _, s := range m.Sources {
		date, err := lifecycle.ParseDate(s.Date)
		if err != nil {
			return fmt.Errorf("demarc.yaml: source %s: %w", s.ID, err)
		}
		d.Sources = append(d.Sources, lifecycle.Source{ID: s.ID, Name: s.Name, URL: s.URL, Commit: s.Commit, Date: date, License: s.License})
		if d.SnapshotDate.IsZero() || date.Before(d.SnapshotDate) {
			d.SnapshotDate = date
		}
	}
	return nil
}

// productIDs lists the product pages in dir, sorted.
func productIDs(fsys fs.FS, dir string) ([]string, error) {
	ents, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	var ids []string
	for _, e := range ents {
		if !e.IsDir() && path.Ext(e.Name()) == ".md" {
			ids = append(ids, strings.TrimSuffix(e.Name(), ".md"))
		}
	}
	sort.Strings(ids)
	return ids, nil
}

// encode writes the dataset as JSON with one product header and one cycle
// per line: stable, diffable, and still plain JSON.
func encode(d *lifecycle.Dataset) ([]byte, error) {
	var b bytes.Buffer
	head, err := json.Marshal(struct {
		Schema       string         `json:"schema"`
		SnapshotDate lifecycle.Date `json:"snapshot_date"`
	}{d.Schema, d.SnapshotDate})
	if err != nil {
		return nil, err
	}
	b.Write(head[:len(head)-1])
	b.WriteString(",\n\"sources\": [\n")
	for i, s := range d.Sources {
		if err := writeItem(&b, s, i < len(d.Sources)-1); err != nil {
			return nil, err
		}
	}
	b.WriteString("],\n\"products\": [\n")
	for i, p := range d.Products {
		shallow := *p
		shallow.Cycles = nil
		ph, err := json.Marshal(&shallow)
		if err != nil {
			return nil, err
		}
		const tail = `,"cycles":null}`
		if !bytes.HasSuffix(ph, []byte(tail)) {
			return nil, fmt.Errorf("product %s: cycles is not the last field", p.ID)
		}
		b.Write(ph[:len(ph)-len(tail)])
		b.WriteString(",\"cycles\": [\n")
		for j, c := range p.Cycles {
			if err := writeItem(&b, c, j < len(p.Cycles)-1); err != nil {
				return nil, err
			}
		}
		b.WriteString("]}")
		if i < len(d.Products)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("]}\n")
	return b.Bytes(), nil
}

func writeItem(b *bytes.Buffer, v any, comma bool) error {
	j, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b.Write(j)
	if comma {
		b.WriteString(",")
	}
	b.WriteString("\n")
	return nil
}
