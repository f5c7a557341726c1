package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"go.yaml.in/yaml/v3"

	"github.com/demarc/demarc/catalog"
	"github.com/demarc/demarc/rules/lifecycle"
)

// TestCommittedDataIsGenerated fails when data/lifecycle.json is not what
// the generator makes from source/ now: run `go generate ./rules/...`.
func TestCommittedDataIsGenerated(t *testing.T) {
	want, err := Generate(os.DirFS(filepath.Join("..", "..", "source")), catalog.Default.Aliases())
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join("..", "..", "data", "lifecycle.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("rules/lifecycle/data/lifecycle.json is out of date: run `go generate ./rules/...` and commit the result")
	}
	if _, err := lifecycle.Parse(got); err != nil {
		t.Fatalf("generated data does not load: %v", err)
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	src := os.DirFS(filepath.Join("..", "..", "source"))
	a, err := Generate(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Generate(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("two runs differ")
	}
}

func TestFrontMatter(t *testing.T) {
	tests := []struct {
		name, in, want string
		err            bool
	}{
		{"plain", "---\ntitle: X\n---\nbody\n---\n", "title: X\n", false},
		{"crlf", "---\r\ntitle: X\r\n---\r\n", "title: X\r\n", false},
		{"no opening", "title: X\n---\n", "", true},
		{"unterminated", "---\ntitle: X\n", "", true},
		{"empty", "", "", true},
		{"binary", "\x00\x01---", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := frontMatter([]byte(tt.in))
			if tt.err {
				if !errors.Is(err, errNoFrontMatter) {
					t.Fatalf("err = %v, want errNoFrontMatter", err)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func node(t *testing.T, src string) yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte("v: "+src), &doc); err != nil {
		t.Fatal(err)
	}
	return *doc.Content[0].Content[1]
}

func TestNodeBound(t *testing.T) {
	tests := []struct {
		src  string
		want string // JSON of the Bound
		err  bool
	}{
		{"false", "false", false},
		{"true", "true", false},
		{"2026-07-11", `"2026-07-11"`, false},
		{`"2026-08"`, `"2026-08"`, false},
		{"null", "null", false},
		{"soon", "", true},
	}
	for _, tt := range tests {
		b, err := nodeBound(node(t, tt.src))
		if tt.err {
			if !errors.Is(err, lifecycle.ErrBadDate) {
				t.Errorf("%s: err = %v, want ErrBadDate", tt.src, err)
			}
			continue
		}
		j, _ := b.MarshalJSON()
		if err != nil || string(j) != tt.want {
			t.Errorf("%s: got %s, %v; want %s", tt.src, j, err, tt.want)
		}
	}
	if b, _ := nodeBound(yaml.Node{}); b.Set {
		t.Error("absent node should be unset")
	}
}

func TestParseOSSupport(t *testing.T) {
	tests := []struct {
		in   string
		want lifecycle.OSSupport
	}{
		{"CentOS 7 (ELS)", lifecycle.OSSupport{ID: "centos", Version: "7", Qualifier: "ELS"}},
		{"AlmaLinux 9 (>=9.5)", lifecycle.OSSupport{ID: "almalinux", Version: "9", MinVersion: "9.5", Qualifier: ">=9.5"}},
		{"Ubuntu 22.04", lifecycle.OSSupport{ID: "ubuntu", Version: "22.04"}},
		{"Rocky Linux 8 (deprecated)", lifecycle.OSSupport{ID: "rocky", Version: "8", Qualifier: "deprecated"}},
	}
	for _, tt := range tests {
		got, err := parseOSSupport(tt.in)
		if err != nil || got.ID != tt.want.ID || got.Version != tt.want.Version ||
			got.MinVersion != tt.want.MinVersion || got.Qualifier != tt.want.Qualifier {
			t.Errorf("%s: got %+v, %v", tt.in, got, err)
		}
	}
	u, err := parseOSSupport("RHEL 7 (until 2024-07-31)")
	if err != nil || u.Until.String() != "2024-07-31" {
		t.Errorf("until: %+v, %v", u, err)
	}
	for _, bad := range []string{"", "Windows 11", "CentOS", "CentOS seven"} {
		if _, err := parseOSSupport(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

// miniSource is a tiny source folder exercising every field kind.
func miniSource() fstest.MapFS {
	return fstest.MapFS{
		"demarc.yaml": {Data: []byte(`
sources:
  - {id: endoflife.date, name: e, url: u, date: "2026-08-22", license: MIT, dir: eol/products}
  - {id: release-data, name: r, url: u, date: "2026-08-22", license: MIT, dir: eol/release-data}
  - {id: vendor, name: v, url: u, date: "2026-11-28", license: x, dir: vendor}
products:
  distro: {extended_label: "Distro LTS"}
vendor:
  panel: {file: panel.yaml, title: Panel, scheme: cycles}
  roll: {file: roll.yaml, title: Roll, scheme: channel}
`)},
		"eol/products/distro.md": {Data: []byte(`---
title: Distro
eoesColumn: Distro <abbr title="x">LTS</abbr>
releases:
  - releaseCycle: "2"
    releaseDate: 2024-01-01
    eol: false
    eoes: false
    lts: 2030-01-01
    latest: "2.1"
    latestReleaseDate: 2025-01-01
  - releaseCycle: "1"
    releaseDate: 2020-01-01
    eol: 2023-01-01
    eoes: 2025-06-30
    latest: "1.4"
---
body
`)},
		"eol/release-data/distro.json": {Data: []byte(`{"versions":{"2.3":{"name":"2.3","date":"2026-01-01"},"1.9":{"name":"1.9","date":"2022-02-02"},"junk":{"name":"junk","date":"2026-01-01"}}}`)},
		"vendor/panel.yaml": {Data: []byte(`
- {cycle: "10", release_date: "2025-03", eol: "2026-08", extended_support_end: null, lts: true, latest_known: "10.4 (or later)", source: [u], note: n}
- {cycle: "9", release_date: null, eol: null, extended_support_end: null, lts: false, latest_known: null, source: [], note: null}
`)},
		"vendor/roll.yaml": {Data: []byte(`
- {cycle: "1.2", release_date: "2026-06", eol: null, extended_support_end: null, lts: false, latest_known: "1.2", source: [], note: null}
- {cycle: "1.3", release_date: null, eol: null, extended_support_end: null, lts: false, latest_known: null, source: [], note: unreleased}
- {cycle: "old ones", release_date: "2020-01-01", eol: null, extended_support_end: null, lts: false, latest_known: null, source: [], note: null}
`)},
	}
}

func TestBuildMini(t *testing.T) {
	d, err := build(miniSource(), map[string][]string{"distro": {"dst"}})
	if err != nil {
		t.Fatal(err)
	}
	if d.SnapshotDate.String() != "2026-08-22" {
		t.Errorf("snapshot %s", d.SnapshotDate)
	}
	p := d.Product("dst")
	if p == nil || p.ExtendedLabel != "Distro LTS" {
		t.Fatalf("alias/label: %+v", p)
	}
	c2 := p.Cycle("2")
	if !c2.LTS || c2.EOL.Set && c2.EOL.Passed || !c2.EOL.Set || c2.Latest != "2.3" || c2.LatestDate.String() != "2026-01-01" {
		t.Errorf("cycle 2: %+v", c2)
	}
	if c1 := p.Cycle("1"); c1.Latest != "1.9" || c1.EOES.Date.String() != "2025-06-30" {
		t.Errorf("cycle 1: %+v", c1)
	}
	panel := d.Product("panel")
	c10 := panel.Cycle("10")
	if c10.EOL.Date.String() != "2026-08-31" || !c10.EOL.Date.MonthOnly() || c10.Latest != "10.4" {
		t.Errorf("panel 10: %+v", c10)
	}
	if panel.Cycle("9").EOL.Set {
		t.Error("vendor null eol must stay unset (unknown)")
	}
	roll := d.Product("roll")
	if roll.Scheme != lifecycle.SchemeChannel || len(roll.Cycles) != 1 || len(roll.Cycles[0].Versions) != 1 {
		t.Errorf("roll: %+v", roll.Cycles)
	}
	if _, err := encode(d); err != nil {
		t.Fatal(err)
	}
}

func TestBuildErrors(t *testing.T) {
	mutations := map[string]func(fstest.MapFS){
		"no manifest":        func(m fstest.MapFS) { delete(m, "demarc.yaml") },
		"unknown key":        func(m fstest.MapFS) { m["demarc.yaml"].Data = append(m["demarc.yaml"].Data, "bogus: 1\n"...) },
		"bad date":           func(m fstest.MapFS) { m["vendor/panel.yaml"].Data = []byte(`[{cycle: "1", eol: "soon"}]`) },
		"unknown vendor key": func(m fstest.MapFS) { m["vendor/panel.yaml"].Data = []byte(`[{cycle: "1", colour: red}]`) },
		"no front matter":    func(m fstest.MapFS) { m["eol/products/distro.md"].Data = []byte("title: x\n") },
		"product without page": func(m fstest.MapFS) {
			m["demarc.yaml"].Data = []byte(strings.Replace(string(m["demarc.yaml"].Data), "distro:", "ghost:", 1))
		},
	}
	for name, mutate := range mutations {
		t.Run(name, func(t *testing.T) {
			fs := miniSource()
			mutate(fs)
			if _, err := build(fs, nil); err == nil {
				t.Fatal("want an error")
			}
		})
	}
}
