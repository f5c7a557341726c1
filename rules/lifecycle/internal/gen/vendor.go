package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/demarc/demarc/rules/lifecycle"
)

// vendorRecord is one cycle of a vendor-lifecycle/*.yaml file. Decoded
// strictly: a field added upstream must be read and decided on here.
type vendorRecord struct {
	Cycle               string    `yaml:"cycle"`
	ReleaseDate         yaml.Node `yaml:"release_date"`
	EndOfRegularSupport string    `yaml:"end_of_regular_support"`
	EOL                 yaml.Node `yaml:"eol"`
	ExtendedSupportEnd  yaml.Node `yaml:"extended_support_end"`
	LTS                 bool      `yaml:"lts"`
	LatestKnown         string    `yaml:"latest_known"`
	SupportedOS         []string  `yaml:"supported_os"`
	SecurityBuilds      *bool     `yaml:"security_builds_2026_10_20"`
	Source              []string  `yaml:"source"`
	Note                string    `yaml:"note"`
}

func parseVendorProduct(fsys fs.FS, dir, id string, conf vendorConf, checked lifecycle.Date) (*lifecycle.Product, error) {
	file := path.Join(dir, conf.File)
	b, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	var recs []vendorRecord
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&recs); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	p := &lifecycle.Product{
		ID: id, Title: conf.Title, Category: conf.Category, Scheme: lifecycle.Scheme(conf.Scheme),
		Source: "vendor", Files: []string{file}, Checked: checked, PolicyURL: conf.PolicyURL,
		Policy: oneLine(conf.Policy), RegularLabel: conf.RegularLabel,
		ExtendedLabel: conf.ExtendedLabel, ExtendedPaid: conf.ExtendedPaid,
	}
	switch p.Scheme {
	case lifecycle.SchemeChannel:
		err = channelCycles(p, recs)
	case lifecycle.SchemeCycles:
		err = vendorCycles(p, recs)
	default:
		err = fmt.Errorf("unknown scheme %q", conf.Scheme)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if id == "cpanel" {
		if err := correctCPanel(p, recs); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
	}
	return p, nil
}

func vendorCycles(p *lifecycle.Product, recs []vendorRecord) error {
	for _, r := range recs {
		c := &lifecycle.Cycle{Name: r.Cycle, LTS: r.LTS, Note: oneLine(r.Note), Sources: r.Source}
		var err error
		if c.Released, err = nodeDate(r.ReleaseDate); err != nil {
			return fmt.Errorf("cycle %s release_date: %w", r.Cycle, err)
		}
		// Vendor null means "not found": the bound stays unset (unknown),
		// unlike endoflife.date's false ("no date announced yet").
		if c.EOL, err = nodeBound(r.EOL); err != nil {
			return fmt.Errorf("cycle %s eol: %w", r.Cycle, err)
		}
		if c.EOES, err = nodeBound(r.ExtendedSupportEnd); err != nil {
			return fmt.Errorf("cycle %s extended_support_end: %w", r.Cycle, err)
		}
		c.Latest, c.Derived = latestKnown(r.LatestKnown, c.Derived)
		for _, s := range r.SupportedOS {
			o, err := parseOSSupport(s)
			if err != nil {
				return fmt.Errorf("cycle %s: %w", r.Cycle, err)
			}
			c.SupportedOS = append(c.SupportedOS, o)
		}
		p.Cycles = append(p.Cycles, c)
	}
	return nil
}

// channelCycles files every dated release of a rolling product under one
// pseudo-cycle, "rolling": there is no per-version support to record.
func channelCycles(p *lifecycle.Product, recs []vendorRecord) error {
	c := &lifecycle.Cycle{Name: "rolling", Note: "every dated release of the channel; only the newest gets fixes"}
	for _, r := range recs {
		d, err := nodeDate(r.ReleaseDate)
		if err != nil {
			return fmt.Errorf("release %s: %w", r.Cycle, err)
		}
		if d.IsZero() {
			continue // unreleased or undated (e.g. "1.701", "2.661")
		}
		if _, err := lifecycle.ParseVersion(p.ID, r.Cycle); err != nil {
			continue // a label such as "1.63.x and earlier"
		}
		c.Versions = append(c.Versions, lifecycle.Release{Version: r.Cycle, Date: d})
	}
	lifecycle.SortReleases(p, c.Versions)
	if len(c.Versions) > 0 {
		c.Latest, c.LatestDate = c.Versions[0].Version, c.Versions[0].Date
	}
	p.Cycles = []*lifecycle.Cycle{c}
	return nil
}

// latestKnown keeps the version of "11.106.0.18 (or later)".
func latestKnown(s string, derived []string) (string, []string) {
	f := strings.Fields(s)
	if len(f) == 0 {
		return "", derived
	}
	if len(f) > 1 {
		derived = append(derived, fmt.Sprintf("latest: %q read as %s", s, f[0]))
	}
	return f[0], derived
}

var (
	osEntry = regexp.MustCompile(`^(.+?) (\d+(?:\.\d+)?)(?: \((.*)\))?$`)
	osMin   = regexp.MustCompile(`^>=\s*(\d+(?:\.\d+)*)$`)
	osUntil = regexp.MustCompile(`^until (\d{4}-\d{2}-\d{2})$`)
	osIDs   = map[string]string{
		"CentOS": "centos", "CloudLinux": "cloudlinux", "RHEL": "rhel", "AlmaLinux": "almalinux",
		"Rocky Linux": "rocky", "Ubuntu": "ubuntu", "Debian": "debian",
	}
)

// parseOSSupport reads "CentOS 7 (ELS)", "AlmaLinux 9 (>=9.5)",
// "RHEL 7 (until 2024-07-31)" into an OSSupport with os-release IDs.
func parseOSSupport(s string) (lifecycle.OSSupport, error) {
	m := osEntry.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return lifecycle.OSSupport{}, fmt.Errorf("supported_os %q: not \"Name N (remark)\"", s)
	}
	id, ok := osIDs[m[1]]
	if !ok {
		return lifecycle.OSSupport{}, fmt.Errorf("supported_os %q: unknown OS %q", s, m[1])
	}
	o := lifecycle.OSSupport{ID: id, Version: m[2], Qualifier: m[3], Extended: m[3] == "ELS"}
	if mm := osMin.FindStringSubmatch(m[3]); mm != nil {
		o.MinVersion = mm[1]
	}
	if mu := osUntil.FindStringSubmatch(m[3]); mu != nil {
		d, err := lifecycle.ParseDate(mu[1])
		if err != nil {
			return lifecycle.OSSupport{}, fmt.Errorf("supported_os %q: %w", s, err)
		}
		o.Until = d
	}
	return o, nil
}
