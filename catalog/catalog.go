package catalog

import (
	"bytes"
	_ "embed"
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/demarc/demarc/report"
)

//go:embed catalog.yaml
var catalogYAML []byte

// Scheme names how a product's versions are normalised before they are
// ordered.
type Scheme string

// The version schemes.
const (
	// Dotted: numeric segments in order (the default).
	Dotted Scheme = "dotted"
	// CPanel: cPanel's historic "11." is dropped ("11.118.0.15" is 118.0.15).
	CPanel Scheme = "cpanel"
	// SLESServicePack: "15-SP5" / "15 SP5" is 15.5, a bare "15" is 15.0.
	SLESServicePack Scheme = "sles-sp"
	// DirectAdmin: the pre-1.640 "1.62.9" is 1.629 (the vendor's own
	// equivalence).
	DirectAdmin Scheme = "directadmin"
	// ESXiUpdate: "7.0 Update 3" / "7.0 U3" is 7.0.3.
	ESXiUpdate Scheme = "esxi-update"
)

var schemes = []Scheme{Dotted, CPanel, SLESServicePack, DirectAdmin, ESXiUpdate}

// Product is what demarc knows about one product a collector reports.
type Product struct {
	// ID is the product id collectors emit (report.Component.Product).
	ID string `yaml:"id"`
	// Name is its display name.
	Name string `yaml:"name"`
	// Layer is the layer its components are in.
	Layer report.Layer `yaml:"layer"`
	// Collector is the collector that finds it.
	Collector string `yaml:"collector"`
	// ShippedBy says who ships and updates it.
	ShippedBy string `yaml:"shipped_by"`
	// Lifecycle is the lifecycle data's product id judging it (ID when not
	// set); "" when NoLifecycle says why there is none.
	Lifecycle string `yaml:"lifecycle"`
	// NoLifecycle says why the product has no lifecycle data.
	NoLifecycle string `yaml:"no_lifecycle"`
	// Scheme is how its versions are normalised (Dotted when not set).
	Scheme Scheme `yaml:"scheme"`
	// Version and Details document the component's version and details
	// (docs/COMPONENTS.md).
	Version string `yaml:"version"`
	Details string `yaml:"details"`
	// Routine: a newer cycle is a routine update, not a migration.
	Routine bool `yaml:"routine"`
	// Platform: a hypervisor distribution whose host operating system is
	// part of the product.
	Platform bool `yaml:"platform"`
	// Rolling: a rolling OS release without release cycles.
	Rolling bool `yaml:"rolling"`
	// Successor says where to go when no supported cycle is left.
	Successor string `yaml:"successor"`
	// ExtendedChannel is the channel (report.OS.Channels) that carries the
	// OS's paid extended window to a host ("esm-infra" for Ubuntu Pro):
	// without it, the window covers the release but not that host.
	ExtendedChannel string `yaml:"extended_channel"`
}

// Catalogue is the product catalogue.
type Catalogue struct {
	// Products in the file's order.
	Products []*Product
	byID     map[string]*Product
	byKey    map[string]*Product // lifecycle key → the product named so (or the first)
}

// Default is the built-in catalogue.
var Default = mustParse(catalogYAML)

func mustParse(b []byte) *Catalogue {
	c, err := Parse(b)
	if err != nil {
		panic("catalog: the built-in catalog.yaml is invalid: " + err.Error())
	}
	return c
}

// Parse reads a catalogue file, checking every entry.
func Parse(b []byte) (*Catalogue, error) {
	var f struct {
		Products []*Product `yaml:"products"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	c := &Catalogue{Products: f.Products, byID: map[string]*Product{}, byKey: map[string]*Product{}}
	if len(c.Products) == 0 {
		return nil, fmt.Errorf("catalog: no products")
	}
	for i, p := range c.Products {
		if err := p.check(); err != nil {
			return nil, fmt.Errorf("catalog: product %d (%q): %w", i+1, p.ID, err)
		}
		if _, dup := c.byID[p.ID]; dup {
			return nil, fmt.Errorf("catalog: product %q twice", p.ID)
		}
		c.byID[p.ID] = p
	}
	for _, p := range c.Products {
		if k := p.LifecycleKey(); k != "" {
			if q, ok := c.byKey[k]; !ok || (q.ID != k && p.ID == k) {
				c.byKey[k] = p
			}
		}
	}
	return c, nil
}

func (p *Product) check() error {
	switch {
	case p.ID == "" || p.ID != strings.ToLower(strings.TrimSpace(p.ID)):
		return fmt.Errorf("id must be a lower-case id")
	case p.Name == "":
		return fmt.Errorf("no name")
	case !p.Layer.Valid():
		return fmt.Errorf("unknown layer %q", p.Layer)
	case p.Collector == "":
		return fmt.Errorf("no collector")
	case p.ShippedBy == "":
		return fmt.Errorf("no shipped_by")
	case p.Lifecycle != "" && p.NoLifecycle != "":
		return fmt.Errorf("both lifecycle and no_lifecycle")
	case p.Rolling && p.Layer != report.LayerOperatingSystem:
		return fmt.Errorf("rolling is for operating systems")
	case p.Platform && p.Layer != report.LayerVirtualisation:
		return fmt.Errorf("platform is for virtualisation products")
	}
	if p.Scheme == "" {
		p.Scheme = Dotted
	}
	for _, s := range schemes {
		if p.Scheme == s {
			return nil
		}
	}
	return fmt.Errorf("unknown version scheme %q", p.Scheme)
}

// LifecycleKey is the lifecycle data's product id judging p, "" when it
// has none.
func (p *Product) LifecycleKey() string {
	if p.NoLifecycle != "" {
		return ""
	}
	if p.Lifecycle != "" {
		return p.Lifecycle
	}
	return p.ID
}

// Get returns the product a collector emits as id, or nil.
func (c *Catalogue) Get(id string) *Product { return c.byID[strings.ToLower(strings.TrimSpace(id))] }

// Find returns the product with this id, else the one judged by the
// lifecycle data's product of this id; nil when none is.
func (c *Catalogue) Find(id string) *Product {
	id = strings.ToLower(strings.TrimSpace(id))
	if p := c.byID[id]; p != nil {
		return p
	}
	return c.byKey[id]
}

// SchemeOf is the version scheme of a product named by its id or its
// lifecycle key (Dotted for a product not in the catalogue).
func (c *Catalogue) SchemeOf(id string) Scheme {
	if p := c.Find(id); p != nil {
		return p.Scheme
	}
	return Dotted
}

// Aliases maps each lifecycle key to the other product ids it judges (an
// os-release ID or collector id that differs from the lifecycle data's
// file name), sorted: the lifecycle data's aliases.
func (c *Catalogue) Aliases() map[string][]string {
	out := map[string][]string{}
	for _, p := range c.Products {
		if k := p.LifecycleKey(); k != "" && k != p.ID {
			out[k] = append(out[k], p.ID)
		}
	}
	for _, ids := range out {
		sort.Strings(ids)
	}
	return out
}
