package main

import (
	"bytes"
	"fmt"
	"io/fs"

	"go.yaml.in/yaml/v3"
)

// manifest is source/demarc.yaml.
type manifest struct {
	Sources  []sourceConf           `yaml:"sources"`
	Products map[string]productConf `yaml:"products"`
	Vendor   map[string]vendorConf  `yaml:"vendor"`
}

type sourceConf struct {
	ID      string `yaml:"id"`
	Name    string `yaml:"name"`
	URL     string `yaml:"url"`
	Commit  string `yaml:"commit"`
	Date    string `yaml:"date"`
	License string `yaml:"license"`
	Dir     string `yaml:"dir"`
}

type productConf struct {
	Title         string   `yaml:"title"`
	ExtendedLabel string   `yaml:"extended_label"`
	ExtendedPaid  bool     `yaml:"extended_paid"`
	DropExtended  string   `yaml:"drop_extended"`
	Policy        string   `yaml:"policy"`
	PolicyURL     string   `yaml:"policy_url"`
	SoonDays      int      `yaml:"soon_days"`
	Notes         []string `yaml:"notes"`
}

type vendorConf struct {
	File          string `yaml:"file"`
	Title         string `yaml:"title"`
	Category      string `yaml:"category"`
	Scheme        string `yaml:"scheme"`
	PolicyURL     string `yaml:"policy_url"`
	Policy        string `yaml:"policy"`
	RegularLabel  string `yaml:"regular_label"`
	ExtendedLabel string `yaml:"extended_label"`
	ExtendedPaid  bool   `yaml:"extended_paid"`
}

func loadManifest(fsys fs.FS) (*manifest, error) {
	b, err := fs.ReadFile(fsys, "demarc.yaml")
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	var m manifest
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("demarc.yaml: %w", err)
	}
	return &m, nil
}

func (m *manifest) source(id string) (sourceConf, error) {
	for _, s := range m.Sources {
		if s.ID == id {
			return s, nil
		}
	}
	return sourceConf{}, fmt.Errorf("demarc.yaml: no source %q", id)
}
