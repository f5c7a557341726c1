package lifecycle

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// Schema identifies the format of data/lifecycle.json.
const Schema = "demarc.lifecycle/v1"

// StaleAfter is the age past which the embedded data is called stale.
const StaleAfter = 180 * 24 * time.Hour

//go:embed data/lifecycle.json
var embedded []byte

// Dataset is demarc's lifecycle data: products, their release cycles and
// where every fact came from.
type Dataset struct {
	// Schema is always Schema.
	Schema string `json:"schema"`
	// SnapshotDate is the oldest of the sources' snapshot dates: the data
	// knows nothing released or announced after it.
	SnapshotDate Date `json:"snapshot_date"`
	// Sources lists the upstream snapshots the data was generated from.
	Sources []Source `json:"sources"`
	// Products lists every product, sorted by id.
	Products []*Product `json:"products"`

	index map[string]*Product
}

// Source is one upstream snapshot.
type Source struct {
	// ID names the source in Product.Source.
	ID string `json:"id"`
	// Name is a human name.
	Name string `json:"name"`
	// URL is the upstream repository or page.
	URL string `json:"url"`
	// Commit is the upstream commit the copy was taken from, when a
	// repository.
	Commit string `json:"commit,omitempty"`
	// Date is the snapshot or checked date.
	Date Date `json:"date"`
	// License is the licence the data is used under.
	License string `json:"license"`
}

// Scheme is how a product's versions relate to support.
type Scheme string

const (
	// SchemeCycles: release cycles, each with its own support dates.
	SchemeCycles Scheme = "cycles"
	// SchemeChannel: one rolling line; only the newest build gets fixes
	// and there is no dated end of life (DirectAdmin, Webmin).
	SchemeChannel Scheme = "channel"
)

// Product is one product's lifecycle.
type Product struct {
	// ID is the product id (endoflife.date file name, or the vendor id).
	ID string `json:"id"`
	// Title is the display name ("Debian", "cPanel & WHM").
	Title string `json:"title"`
	// Category is endoflife.date's category (os, lang, db, server-app...).
	Category string `json:"category,omitempty"`
	// Aliases are other ids that mean this product (os-release IDs that
	// differ from the file name: "rocky", "ol", "amzn").
	Aliases []string `json:"aliases,omitempty"`
	// Scheme says how versions relate to support.
	Scheme Scheme `json:"scheme"`
	// Source is the Source.ID the data came from.
	Source string `json:"source"`
	// Files are the source files read, relative to the source folder.
	Files []string `json:"files"`
	// Checked is the date the source was snapshotted or checked.
	Checked Date `json:"checked"`
	// PolicyURL is the vendor's lifecycle policy page, when known.
	PolicyURL string `json:"policy_url,omitempty"`
	// Policy is the vendor's rule in words, when the data needs it.
	Policy string `json:"policy,omitempty"`
	// RegularLabel names the end of regular support ("Security Support").
	RegularLabel string `json:"regular_label,omitempty"`
	// ExtendedLabel names the extended window ("Expanded Security
	// Maintenance", "Debian LTS").
	ExtendedLabel string `json:"extended_label,omitempty"`
	// ExtendedPaid is true when the extended window needs a subscription.
	ExtendedPaid bool `json:"extended_paid,omitempty"`
	// SoonDays, when set, replaces SoonDays for this product.
	SoonDays int `json:"soon_days,omitempty"`
	// Notes records demarc's decisions about this product's data.
	Notes []string `json:"notes,omitempty"`
	// Cycles lists the release cycles, newest first as the source lists
	// them.
	Cycles []*Cycle `json:"cycles"`

	parsed []parsedCycle
}

// Cycle is one release cycle ("22.04", "8.3", "118").
type Cycle struct {
	// Name is the cycle as the source spells it.
	Name string `json:"cycle"`
	// Label is a display label, when the source has one.
	Label string `json:"label,omitempty"`
	// Codename is the release codename.
	Codename string `json:"codename,omitempty"`
	// Released is the cycle's first release.
	Released Date `json:"released,omitzero"`
	// EOAS is the end of active (bug-fix) support.
	EOAS Bound `json:"eoas,omitzero"`
	// EOL is the end of regular security support.
	EOL Bound `json:"eol,omitzero"`
	// EOES is the end of the extended window (LTS, ESM, ELS, LTSS).
	EOES Bound `json:"eoes,omitzero"`
	// LTS marks a long-term-support cycle.
	LTS bool `json:"lts,omitempty"`
	// Latest is the newest version of the cycle in the data.
	Latest string `json:"latest,omitempty"`
	// LatestDate is Latest's release date, when known.
	LatestDate Date `json:"latest_date,omitzero"`
	// Versions lists dated releases of the cycle, newest first.
	Versions []Release `json:"versions,omitempty"`
	// SupportedOS lists the operating systems the vendor documents for
	// this cycle (cPanel).
	SupportedOS []OSSupport `json:"supported_os,omitempty"`
	// Derived says which values demarc derived or corrected, and why.
	Derived []string `json:"derived,omitempty"`
	// Note is the source's note.
	Note string `json:"note,omitempty"`
	// Sources lists the cycle's own source URLs (vendor data).
	Sources []string `json:"sources,omitempty"`

	// dated holds Versions parsed (for product datedFor) by Index.
	dated    []datedVersion
	datedFor string
}

// Release is one dated version.
type Release struct {
	Version string
	Date    Date
}

// MarshalJSON writes ["version","date"].
func (r Release) MarshalJSON() ([]byte, error) {
	return json.Marshal([2]string{r.Version, r.Date.Raw()})
}

// UnmarshalJSON reads ["version","date"].
func (r *Release) UnmarshalJSON(b []byte) error {
	var a [2]string
	if err := json.Unmarshal(b, &a); err != nil {
		return err
	}
	d, err := ParseDate(a[1])
	if err != nil {
		return err
	}
	*r = Release{Version: a[0], Date: d}
	return nil
}

// OSSupport is one operating system a vendor documents for a cycle.
type OSSupport struct {
	// ID is the os-release ID ("centos", "almalinux", "ubuntu").
	ID string `json:"id"`
	// Version is the OS cycle ("7", "22.04").
	Version string `json:"version"`
	// MinVersion is the lowest OS point release, when the vendor sets one
	// ("9.5").
	MinVersion string `json:"min_version,omitempty"`
	// Until is the date the vendor stopped supporting the OS, when given.
	Until Date `json:"until,omitzero"`
	// Qualifier is the vendor's remark as written ("ELS", "deprecated").
	Qualifier string `json:"qualifier,omitempty"`
	// Extended is true when the OS is covered by the cycle's extended
	// window (qualifier "ELS"); other OSes are not, once regular support
	// has ended.
	Extended bool `json:"extended,omitempty"`
}

var (
	defaultOnce sync.Once
	defaultData *Dataset
	defaultErr  error
)

// Default returns the embedded dataset, parsed once.
func Default() (*Dataset, error) {
	defaultOnce.Do(func() { defaultData, defaultErr = Parse(embedded) })
	return defaultData, defaultErr
}

// Parse decodes a dataset and indexes it.
func Parse(b []byte) (*Dataset, error) {
	var d Dataset
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("lifecycle data: %w", err)
	}
	if d.Schema != Schema {
		return nil, fmt.Errorf("lifecycle data: schema %q, want %q", d.Schema, Schema)
	}
	if err := d.Index(); err != nil {
		return nil, err
	}
	return &d, nil
}

// Index builds the lookup tables; call it after building a Dataset by hand.
func (d *Dataset) Index() error {
	d.index = make(map[string]*Product)
	for _, p := range d.Products {
		for _, id := range append([]string{p.ID}, p.Aliases...) {
			if _, dup := d.index[id]; dup {
				return fmt.Errorf("lifecycle data: product id %q twice", id)
			}
			d.index[id] = p
		}
		p.parse()
	}
	return nil
}

// Product returns the product with this id or alias, or nil.
func (d *Dataset) Product(id string) *Product {
	return d.index[strings.ToLower(strings.TrimSpace(id))]
}

// Age is the snapshot's age on day at.
func (d *Dataset) Age(at time.Time) time.Duration {
	return Day(at).Time().Sub(d.SnapshotDate.Time())
}

// Stale reports whether the snapshot is older than StaleAfter at at.
func (d *Dataset) Stale(at time.Time) bool { return d.Age(at) > StaleAfter }

// Cycle returns the cycle named name, or nil.
func (p *Product) Cycle(name string) *Cycle {
	for _, c := range p.Cycles {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// SortReleases orders releases newest version first (ties by date).
func SortReleases(p *Product, rs []Release) {
	sort.SliceStable(rs, func(i, j int) bool {
		a, errA := ParseVersion(p.ID, rs[i].Version)
		b, errB := ParseVersion(p.ID, rs[j].Version)
		if errA != nil || errB != nil {
			return rs[i].Version > rs[j].Version
		}
		if c := a.Compare(b); c != 0 {
			return c > 0
		}
		if !rs[i].Date.Time().Equal(rs[j].Date.Time()) {
			return rs[i].Date.After(rs[j].Date)
		}
		return rs[i].Version < rs[j].Version
	})
}

// ProductSummary is one product's line in `demarc rules show`.
type ProductSummary struct {
	ID      string   `json:"id"`
	Title   string   `json:"title"`
	Aliases []string `json:"aliases,omitempty"`
	Scheme  Scheme   `json:"scheme"`
	Cycles  int      `json:"cycles"`
	Source  string   `json:"source"`
	Files   []string `json:"files"`
	Checked string   `json:"checked"`
}

// Summary lists every product with its cycle count, source and date.
func (d *Dataset) Summary() []ProductSummary {
	out := make([]ProductSummary, 0, len(d.Products))
	for _, p := range d.Products {
		n := len(p.Cycles)
		if p.Scheme == SchemeChannel && n == 1 {
			n = len(p.Cycles[0].Versions)
		}
		out = append(out, ProductSummary{ID: p.ID, Title: p.Title, Aliases: p.Aliases, Scheme: p.Scheme,
			Cycles: n, Source: p.Source, Files: p.Files, Checked: p.Checked.String()})
	}
	return out
}
