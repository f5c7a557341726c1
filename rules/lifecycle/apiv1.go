package lifecycle

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// NoteNoExtended starts the product note of a product whose extended
// support column demarc does not use (source/demarc.yaml's drop_extended):
// an import drops that column too.
const NoteNoExtended = "extended support column not used: "

// SourceAPIv1 is the Source.ID of products imported from endoflife.date's
// API v1.
const SourceAPIv1 = "endoflife.date-api-v1"

// apiV1File is an answer of https://endoflife.date/api/v1/products/<id>.
type apiV1File struct {
	SchemaVersion string          `json:"schema_version"`
	GeneratedAt   string          `json:"generated_at"`
	LastModified  string          `json:"last_modified"`
	Result        json.RawMessage `json:"result"`
}

type apiV1Product struct {
	Name     string   `json:"name"`
	Aliases  []string `json:"aliases"`
	Label    string   `json:"label"`
	Category string   `json:"category"`
	Labels   struct {
		EOL  *string `json:"eol"`
		EOES *string `json:"eoes"`
	} `json:"labels"`
	Links struct {
		ReleasePolicy *string `json:"releasePolicy"`
	} `json:"links"`
	Releases *[]apiV1Release `json:"releases"`
}

type apiV1Release struct {
	Name         *string `json:"name"`
	Codename     *string `json:"codename"`
	Label        *string `json:"label"`
	ReleaseDate  *string `json:"releaseDate"`
	IsLts        bool    `json:"isLts"`
	LtsFrom      *string `json:"ltsFrom"`
	IsEoas       *bool   `json:"isEoas"`
	EoasFrom     *string `json:"eoasFrom"`
	IsEol        *bool   `json:"isEol"`
	EolFrom      *string `json:"eolFrom"`
	IsEoes       *bool   `json:"isEoes"`
	EoesFrom     *string `json:"eoesFrom"`
	IsMaintained bool    `json:"isMaintained"`
	Latest       *struct {
		Name *string `json:"name"`
		Date *string `json:"date"`
	} `json:"latest"`
}

// productIDPattern is what a product id may be: endoflife.date's file
// names.
var productIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._+-]{0,63}$`)

// ParseAPIv1 reads one product of endoflife.date's API v1 (the answer of
// /api/v1/products/<id>) and returns it with the date it was generated.
// Every date must be YYYY-MM-DD (or YYYY-MM); cycles need a unique,
// non-empty name. Errors name the product, the cycle and the field.
func ParseAPIv1(b []byte) (*Product, Date, error) {
	p, _, gen, err := parseAPIv1(b)
	return p, gen, err
}

// parseAPIv1 is ParseAPIv1 that also returns endoflife.date's aliases of
// the product (other names of its page, not os-release IDs).
func parseAPIv1(b []byte) (*Product, []string, Date, error) {
	var f apiV1File
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, nil, Date{}, jsonErr(err)
	}
	if !strings.HasPrefix(f.SchemaVersion, "1.") || len(f.Result) == 0 {
		return nil, nil, Date{}, fmt.Errorf("%w: not an endoflife.date API v1 product (schema_version %q)", ErrFormat, f.SchemaVersion)
	}
	var ap apiV1Product
	if err := json.Unmarshal(f.Result, &ap); err != nil {
		return nil, nil, Date{}, fmt.Errorf("result: %w", jsonErr(err))
	}
	if !productIDPattern.MatchString(ap.Name) {
		return nil, nil, Date{}, fmt.Errorf("result.name %q: %w: want a product id such as php", ap.Name, ErrFormat)
	}
	if ap.Releases == nil {
		return nil, nil, Date{}, fmt.Errorf("product %s: result.releases: missing: %w (a product needs its releases)", ap.Name, ErrFormat)
	}
	gen, err := generatedDate(f)
	if err != nil {
		return nil, nil, Date{}, fmt.Errorf("product %s: %w", ap.Name, err)
	}
	p := &Product{ID: ap.Name, Title: ap.Label, Category: ap.Category, Scheme: SchemeCycles, Source: SourceAPIv1,
		RegularLabel: deref(ap.Labels.EOL), ExtendedLabel: deref(ap.Labels.EOES), PolicyURL: deref(ap.Links.ReleasePolicy), Checked: gen}
	seen := map[string]bool{}
	for i, r := range *ap.Releases {
		c, err := apiV1Cycle(r)
		if err != nil {
			return nil, nil, Date{}, fmt.Errorf("product %s: release %d: %w", ap.Name, i+1, err)
		}
		if seen[c.Name] {
			return nil, nil, Date{}, fmt.Errorf("product %s: cycle %q: listed twice: %w", ap.Name, c.Name, ErrDuplicate)
		}
		seen[c.Name] = true
		p.Cycles = append(p.Cycles, c)
	}
	return p, ap.Aliases, gen, nil
}

// ErrDuplicate means a lifecycle file lists a cycle twice, or an import
// names a product twice.
var ErrDuplicate = errors.New("duplicate")

// generatedDate is the day the file was generated (generated_at, else
// last_modified: RFC 3339 timestamps).
func generatedDate(f apiV1File) (Date, error) {
	for _, s := range []struct{ field, v string }{{"generated_at", f.GeneratedAt}, {"last_modified", f.LastModified}} {
		if s.v == "" {
			continue
		}
		if len(s.v) < 10 {
			return Date{}, fmt.Errorf("%s: %w %q (want an RFC 3339 time)", s.field, ErrBadDate, s.v)
		}
		d, err := ParseDate(s.v[:10])
		if err != nil || len(s.v) > 10 && s.v[10] != 'T' && s.v[10] != ' ' {
			return Date{}, fmt.Errorf("%s: %w %q (want an RFC 3339 time)", s.field, ErrBadDate, s.v)
		}
		return d, nil
	}
	return Date{}, fmt.Errorf("generated_at: missing: %w", ErrFormat)
}

func apiV1Cycle(r apiV1Release) (*Cycle, error) {
	name := strings.TrimSpace(deref(r.Name))
	if name == "" {
		return nil, fmt.Errorf("name: empty: %w", ErrFormat)
	}
	c := &Cycle{Name: name, Codename: deref(r.Codename), LTS: r.IsLts}
	if l := deref(r.Label); l != name {
		c.Label = l
	}
	where := func(field string, err error) error { return fmt.Errorf("cycle %q: %s: %w", name, field, err) }
	var err error
	if c.Released, err = optDate(r.ReleaseDate); err != nil {
		return nil, where("releaseDate", err)
	}
	if _, err = optDate(r.LtsFrom); err != nil {
		return nil, where("ltsFrom", err)
	}
	c.LTS = c.LTS || r.LtsFrom != nil
	for _, b := range []struct {
		field string
		is    *bool
		from  *string
		dst   *Bound
	}{{"eoasFrom", r.IsEoas, r.EoasFrom, &c.EOAS}, {"eolFrom", r.IsEol, r.EolFrom, &c.EOL}, {"eoesFrom", r.IsEoes, r.EoesFrom, &c.EOES}} {
		if *b.dst, err = apiV1Bound(b.is, b.from); err != nil {
			return nil, where(b.field, err)
		}
	}
	if r.Latest != nil {
		c.Latest = strings.TrimSpace(deref(r.Latest.Name))
		if c.LatestDate, err = optDate(r.Latest.Date); err != nil {
			return nil, where("latest.date", err)
		}
	}
	return c, nil
}

// apiV1Bound is a bound from the API's pair: a date when xFrom is set,
// else the bare flag isX, else unset (the product has no such column).
func apiV1Bound(is *bool, from *string) (Bound, error) {
	if from != nil {
		d, err := ParseDate(*from)
		if err != nil {
			return Bound{}, err
		}
		return DateBound(d), nil
	}
	if is != nil {
		return FlagBound(*is), nil
	}
	return Bound{}, nil
}

func optDate(s *string) (Date, error) {
	if s == nil || *s == "" {
		return Date{}, nil
	}
	return ParseDate(*s)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
