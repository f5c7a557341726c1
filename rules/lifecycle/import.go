package lifecycle

import (
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"
)

// ImportFile is one file given to Import: its name (for errors, and a
// release-data file's product id) and its content.
type ImportFile struct {
	Name string
	Data []byte
}

// ImportOptions tunes Import.
type ImportOptions struct {
	// DataDate, when set, is the new dataset's snapshot date; otherwise it
	// is the newest of the base's snapshot date and the files' dates (an
	// API v1 file's generated_at, a release-data file's newest version).
	DataDate Date
}

// Format is the kind of a lifecycle file.
type Format string

// Formats DetectFormat tells apart.
const (
	FormatAPIv1       Format = "endoflife.date API v1 product"
	FormatReleaseData Format = "endoflife.date release-data"
	FormatDataset     Format = "demarc lifecycle dataset"
)

// DetectFormat says which kind of lifecycle file b is, from its top-level
// keys: an API v1 answer has schema_version and result, release-data has
// versions, a demarc dataset has schema. Anything else wraps ErrFormat.
func DetectFormat(b []byte) (Format, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return "", jsonErr(err)
	}
	switch {
	case top == nil:
		return "", fmt.Errorf("%w: null, not an object", ErrFormat)
	case top["schema_version"] != nil && top["result"] != nil:
		return FormatAPIv1, nil
	case top["schema"] != nil:
		return FormatDataset, nil
	case top["versions"] != nil:
		return FormatReleaseData, nil
	}
	return "", fmt.Errorf("%w: neither an endoflife.date API v1 product (schema_version, result), "+
		"release-data (versions) nor a demarc dataset (schema)", ErrFormat)
}

// Import returns a new dataset: base with the products of files. An API
// v1 product file replaces the product's cycles (demarc's reading of the
// product stays: aliases, labels, policy, an unused extended column; a
// product base does not know is added); a release-data file, named
// <product>.json, adds dated versions to a product's cycles (API v1 files
// are applied first). base is not changed. Any problem in any file is an
// error naming the file, the product, the cycle and the field, and nothing
// is returned.
func Import(base *Dataset, files []ImportFile, o ImportOptions) (*Dataset, error) {
	d, err := base.clone()
	if err != nil {
		return nil, err
	}
	dataDate := base.SnapshotDate
	later := func(x Date) {
		if x.After(dataDate) {
			dataDate = x
		}
	}
	seen := map[string]string{} // product id (and kind) -> file
	var releaseData []ImportFile
	usedAPI := false
	for _, f := range files {
		format, err := DetectFormat(f.Data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		switch format {
		case FormatReleaseData:
			releaseData = append(releaseData, f)
			continue
		case FormatDataset:
			return nil, fmt.Errorf("%s: %w: a whole demarc dataset, not a product file (import endoflife.date files)", f.Name, ErrFormat)
		}
		p, aliases, gen, err := parseAPIv1(f.Data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		if prev, dup := seen["v1:"+p.ID]; dup {
			return nil, fmt.Errorf("%s: product %s: also in %s: %w", f.Name, p.ID, prev, ErrDuplicate)
		}
		seen["v1:"+p.ID] = f.Name
		p.Files = []string{path.Base(f.Name)}
		if err := d.replace(p, aliases); err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		usedAPI = true
		later(gen)
	}
	for _, f := range releaseData {
		id := strings.TrimSuffix(path.Base(f.Name), ".json")
		if prev, dup := seen["rd:"+id]; dup {
			return nil, fmt.Errorf("%s: product %s: also in %s: %w", f.Name, id, prev, ErrDuplicate)
		}
		seen["rd:"+id] = f.Name
		newest, err := d.addReleaseData(id, f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		later(newest)
	}
	if usedAPI {
		d.setSource(Source{ID: SourceAPIv1, Name: "endoflife.date API v1 (imported)", URL: "https://endoflife.date/api/v1/products/",
			Date: dataDate, License: "MIT, Copyright 2020 endoflife.date contributors"})
	}
	d.SnapshotDate = dataDate
	if !o.DataDate.IsZero() {
		d.SnapshotDate = o.DataDate
	}
	sort.Slice(d.Products, func(i, j int) bool { return d.Products[i].ID < d.Products[j].ID })
	return d.reparse()
}

// replace puts p in place of the product it updates (by id, or by one of
// endoflife.date's aliases), keeping demarc's reading of it.
func (d *Dataset) replace(p *Product, aliases []string) error {
	old := d.Product(p.ID)
	for _, a := range aliases {
		if old == nil {
			old = d.Product(a)
		}
	}
	if old == nil {
		d.Products = append(d.Products, p)
		d.index[p.ID] = p
		return nil
	}
	if old.Scheme != SchemeCycles || old.Source == "vendor" {
		return fmt.Errorf("product %s: comes from demarc's vendor compilation (source %q), not endoflife.date: it is updated with demarc itself", old.ID, old.Source)
	}
	p.ID, p.Title, p.Category, p.Aliases = old.ID, old.Title, cmpOr(old.Category, p.Category), old.Aliases
	p.PolicyURL, p.Policy, p.Notes = cmpOr(old.PolicyURL, p.PolicyURL), old.Policy, old.Notes
	p.RegularLabel, p.ExtendedLabel, p.ExtendedPaid, p.SoonDays = old.RegularLabel, old.ExtendedLabel, old.ExtendedPaid, old.SoonDays
	dropExtended := false
	for _, n := range old.Notes {
		dropExtended = dropExtended || strings.HasPrefix(n, NoteNoExtended)
	}
	for _, c := range p.Cycles {
		if dropExtended {
			c.EOES = Bound{}
		}
		if oc := old.Cycle(c.Name); oc != nil {
			c.Versions = append([]Release(nil), oc.Versions...)
		}
		if len(c.Versions) > 0 {
			p.addCycleLatest(c)
			SortReleases(p, c.Versions)
			c.Latest, c.LatestDate = c.Versions[0].Version, c.Versions[0].Date
		}
	}
	for i, q := range d.Products {
		if q == old {
			d.Products[i] = p
		}
	}
	return d.Index()
}

// addReleaseData adds a release-data file's versions to product id and
// returns the newest version's date.
func (d *Dataset) addReleaseData(id string, f ImportFile) (Date, error) {
	p := d.Product(id)
	if p == nil || p.ID != id {
		return Date{}, fmt.Errorf("product %s (from the file name): not in the lifecycle data: %w (name release-data files <product>.json, "+
			"and import a new product's API v1 file with them)", id, ErrFormat)
	}
	if p.Scheme != SchemeCycles || p.Source == "vendor" {
		return Date{}, fmt.Errorf("product %s: comes from demarc's vendor compilation, not endoflife.date", id)
	}
	rs, err := ParseReleaseData(f.Data)
	if err != nil {
		return Date{}, fmt.Errorf("product %s: %w", id, err)
	}
	var newest Date
	for _, r := range rs {
		if r.Date.After(newest) {
			newest = r.Date
		}
	}
	p.AddReleases(rs)
	if name := path.Base(f.Name); !containsString(p.Files, name) {
		p.Files = append(p.Files, name)
	}
	return newest, nil
}

// setSource adds s to the sources, replacing one with its id.
func (d *Dataset) setSource(s Source) {
	for i := range d.Sources {
		if d.Sources[i].ID == s.ID {
			d.Sources[i] = s
			return
		}
	}
	d.Sources = append(d.Sources, s)
}

// Encode writes the dataset as JSON that Parse reads back.
func (d *Dataset) Encode() ([]byte, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("lifecycle data: %w", err)
	}
	return b, nil
}

// clone is a deep copy (through JSON: the dataset is plain data).
func (d *Dataset) clone() (*Dataset, error) { return d.reparse() }

// reparse encodes and parses d: a deep copy, indexed and checked.
func (d *Dataset) reparse() (*Dataset, error) {
	b, err := d.Encode()
	if err != nil {
		return nil, err
	}
	return Parse(b)
}

// Load reads a lifecycle file for a one-shot scan: a demarc dataset (as
// GET /api/v1/lifecycle serves it) is used as it is; an endoflife.date API
// v1 product or release-data file updates base, as Import does.
func Load(name string, b []byte, base *Dataset) (*Dataset, error) {
	format, err := DetectFormat(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if format == FormatDataset {
		d, err := Parse(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return d, nil
	}
	return Import(base, []ImportFile{{Name: name, Data: b}}, ImportOptions{})
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
