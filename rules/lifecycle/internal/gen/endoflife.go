package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/demarc/demarc/rules/lifecycle"
)

// eolFront is the YAML front matter of an endoflife.date product page.
type eolFront struct {
	Title             string       `yaml:"title"`
	Category          string       `yaml:"category"`
	ReleasePolicyLink string       `yaml:"releasePolicyLink"`
	EOLColumn         yaml.Node    `yaml:"eolColumn"`
	EOESColumn        yaml.Node    `yaml:"eoesColumn"`
	Releases          []eolRelease `yaml:"releases"`
}

type eolRelease struct {
	ReleaseCycle      string    `yaml:"releaseCycle"`
	ReleaseLabel      string    `yaml:"releaseLabel"`
	Codename          string    `yaml:"codename"`
	ReleaseDate       yaml.Node `yaml:"releaseDate"`
	EOL               yaml.Node `yaml:"eol"`
	EOAS              yaml.Node `yaml:"eoas"`
	EOES              yaml.Node `yaml:"eoes"`
	LTS               yaml.Node `yaml:"lts"`
	Latest            string    `yaml:"latest"`
	LatestReleaseDate yaml.Node `yaml:"latestReleaseDate"`
}

var errNoFrontMatter = errors.New("no front matter")

// frontMatter returns the YAML between the first two "---" lines.
func frontMatter(b []byte) ([]byte, error) {
	lines := bytes.SplitAfter(b, []byte("\n"))
	if len(lines) == 0 || strings.TrimSpace(string(lines[0])) != "---" {
		return nil, errNoFrontMatter
	}
	var out bytes.Buffer
	for _, l := range lines[1:] {
		if strings.TrimRight(string(l), "\r\n") == "---" {
			return out.Bytes(), nil
		}
		out.Write(l)
	}
	return nil, errNoFrontMatter
}

// parseEOLProduct reads products/<id>.md and, when present,
// release-data/<id>.json.
func parseEOLProduct(fsys fs.FS, srcDir, relDir, id string, conf productConf) (*lifecycle.Product, error) {
	file := path.Join(srcDir, id+".md")
	b, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	fm, err := frontMatter(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var f eolFront
	if err := yaml.Unmarshal(fm, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	p := &lifecycle.Product{
		ID: id, Title: f.Title, Category: f.Category,
		Scheme: lifecycle.SchemeCycles, Source: "endoflife.date", Files: []string{file},
		PolicyURL: f.ReleasePolicyLink, Policy: oneLine(conf.Policy), Notes: conf.Notes,
		RegularLabel: columnLabel(f.EOLColumn), ExtendedLabel: columnLabel(f.EOESColumn),
		ExtendedPaid: conf.ExtendedPaid, SoonDays: conf.SoonDays,
	}
	if conf.Title != "" {
		p.Title = conf.Title
	}
	if conf.ExtendedLabel != "" {
		p.ExtendedLabel = conf.ExtendedLabel
	}
	if conf.PolicyURL != "" {
		p.PolicyURL = conf.PolicyURL
	}
	for _, r := range f.Releases {
		c, err := eolCycle(r)
		if err != nil {
			return nil, fmt.Errorf("%s: cycle %q: %w", file, r.ReleaseCycle, err)
		}
		if conf.DropExtended != "" && c.EOES.Set {
			c.EOES = lifecycle.Bound{}
		}
		p.Cycles = append(p.Cycles, c)
	}
	if conf.DropExtended != "" {
		p.ExtendedLabel = ""
		p.Notes = append(p.Notes, lifecycle.NoteNoExtended+oneLine(conf.DropExtended))
	}
	rel := path.Join(relDir, id+".json")
	if rb, err := fs.ReadFile(fsys, rel); err == nil {
		if err := addReleaseData(p, rb); err != nil {
			return nil, fmt.Errorf("%s: %w", rel, err)
		}
		p.Files = append(p.Files, rel)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read %s: %w", rel, err)
	}
	return p, nil
}

func eolCycle(r eolRelease) (*lifecycle.Cycle, error) {
	c := &lifecycle.Cycle{Name: r.ReleaseCycle, Codename: r.Codename, Latest: r.Latest}
	if strings.TrimSpace(c.Name) == "" {
		return nil, errors.New("empty releaseCycle")
	}
	c.Label = expandLabel(r.ReleaseLabel, r)
	var err error
	if c.Released, err = nodeDate(r.ReleaseDate); err != nil {
		return nil, fmt.Errorf("releaseDate: %w", err)
	}
	if c.LatestDate, err = nodeDate(r.LatestReleaseDate); err != nil {
		return nil, fmt.Errorf("latestReleaseDate: %w", err)
	}
	for _, f := range []struct {
		name string
		n    yaml.Node
		dst  *lifecycle.Bound
	}{{"eol", r.EOL, &c.EOL}, {"eoas", r.EOAS, &c.EOAS}, {"eoes", r.EOES, &c.EOES}} {
		if *f.dst, err = nodeBound(f.n); err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
	}
	lts, err := nodeBound(r.LTS)
	if err != nil {
		return nil, fmt.Errorf("lts: %w", err)
	}
	c.LTS = lts.Set && (lts.Passed || lts.HasDate())
	return c, nil
}

// nodeBound reads a boolOrDate YAML value.
func nodeBound(n yaml.Node) (lifecycle.Bound, error) {
	if n.Kind == 0 || n.Tag == "!!null" {
		return lifecycle.Bound{}, nil
	}
	if n.Tag == "!!bool" {
		return lifecycle.FlagBound(n.Value == "true"), nil
	}
	d, err := lifecycle.ParseDate(n.Value)
	if err != nil {
		return lifecycle.Bound{}, err
	}
	return lifecycle.DateBound(d), nil
}

func nodeDate(n yaml.Node) (lifecycle.Date, error) {
	if n.Kind == 0 || n.Tag == "!!null" || n.Value == "" {
		return lifecycle.Date{}, nil
	}
	return lifecycle.ParseDate(n.Value)
}

var htmlTag = regexp.MustCompile(`<[^>]*>`)

// columnLabel is a column title without HTML; "" for a boolean.
func columnLabel(n yaml.Node) string {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!bool" {
		return ""
	}
	return strings.TrimSpace(htmlTag.ReplaceAllString(n.Value, ""))
}

func expandLabel(label string, r eolRelease) string {
	if label == "" {
		return ""
	}
	return strings.NewReplacer("__RELEASE_CYCLE__", r.ReleaseCycle, "__CODENAME__", r.Codename,
		"__LATEST__", r.Latest).Replace(label)
}

// addReleaseData files every dated version under its cycle and takes each
// cycle's latest from them.
func addReleaseData(p *lifecycle.Product, b []byte) error {
	rs, err := lifecycle.ParseReleaseData(b)
	if err != nil {
		return err
	}
	p.AddReleases(rs)
	return nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
