package lifecycle

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func testFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func embeddedData(t testing.TB) *Dataset {
	t.Helper()
	d, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestImportRealAPIv1 imports a real API v1 answer of a product demarc
// does not know: it is added with every cycle, true/false/dated ends read
// as the product pages give them.
func TestImportRealAPIv1(t *testing.T) {
	base := embeddedData(t)
	d, err := Import(base, []ImportFile{{Name: "go.json", Data: testFile(t, "apiv1/go.json")}}, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := d.Product("go")
	if p == nil || len(p.Cycles) != 16 || p.Source != SourceAPIv1 || p.Title != "Go" || p.Checked.String() != "2025-08-27" {
		t.Fatalf("go: %+v", p)
	}
	if c := p.Cycle("1.23"); c.EOL.Date.String() != "2025-08-12" || c.Latest != "1.23.12" || c.Released.String() != "2024-08-13" {
		t.Errorf("go 1.23: %+v", c)
	}
	if c := p.Cycle("1.25"); !c.EOL.Set || c.EOL.HasDate() || c.EOL.Passed || c.EOES.Set {
		t.Errorf("go 1.25 eol %+v eoes %+v: want false (no date yet) and unset", c.EOL, c.EOES)
	}
	if d.SnapshotDate != base.SnapshotDate {
		t.Errorf("data date %s: an older file must not move it back from %s", d.SnapshotDate, base.SnapshotDate)
	}
	if diff := Diff(base, d); !slices.Contains(diff, "go: product added (16 cycles)") {
		t.Errorf("diff %q", diff)
	}
	if base.Product("go") != nil {
		t.Error("Import changed its base")
	}
}

// TestImportNewerEOL: a newer PHP file moves 8.2's end of life; the
// cycle keeps its dated versions and demarc's reading of PHP, and on
// 2026-11-28 8.2 is past its end.
func TestImportNewerEOL(t *testing.T) {
	base := embeddedData(t)
	d, err := Import(base, []ImportFile{{Name: "php.json", Data: testFile(t, "apiv1/php-8.2-eol.json")}}, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	diff := Diff(base, d)
	want := []string{"data date: 2026-08-22 → 2026-11-30", "php 8.2: eol 2026-12-31 → 2026-11-15"}
	if !slices.Equal(diff, want) {
		t.Errorf("diff\n%s\nwant\n%s", strings.Join(diff, "\n"), strings.Join(want, "\n"))
	}
	p, old := d.Product("php"), base.Product("php")
	c := p.Cycle("8.2")
	if len(c.Versions) != len(old.Cycle("8.2").Versions) || c.Latest != "8.2.33" || p.PolicyURL != old.PolicyURL || p.Source != SourceAPIv1 {
		t.Errorf("php 8.2 after import: latest %s, %d versions, source %s", c.Latest, len(c.Versions), p.Source)
	}
	at := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	if st, _ := p.StateAt(c, Day(at)); st != StateEOL {
		t.Errorf("php 8.2 on 2026-11-28: %v, want end of life", st)
	}
	if st, _ := old.StateAt(old.Cycle("8.2"), Day(at)); st == StateEOL {
		t.Error("the base data already had 8.2 past its end: the test shows nothing")
	}
	// The same import again changes nothing but is still a valid dataset.
	again, err := Import(d, []ImportFile{{Name: "php.json", Data: testFile(t, "apiv1/php-8.2-eol.json")}}, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := Diff(d, again); len(diff) != 0 {
		t.Errorf("re-import diff %q", diff)
	}
	dated, err := Import(base, []ImportFile{{Name: "php.json", Data: testFile(t, "apiv1/php-8.2-eol.json")}}, ImportOptions{DataDate: mustDate(t, "2026-12-01")})
	if err != nil || dated.SnapshotDate.String() != "2026-12-01" {
		t.Errorf("DataDate: %v %v", dated, err)
	}
}

func mustDate(t testing.TB, s string) Date {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestImportReleaseData: a release-data file adds dated versions to its
// product's cycles and moves their latest.
func TestImportReleaseData(t *testing.T) {
	base := embeddedData(t)
	rd := `{"releases": {}, "versions": {"8.4.99": {"name": "8.4.99", "date": "2026-11-20"}, "8.3.33": {"name": "8.3.33", "date": "2026-07-30"}}}`
	d, err := Import(base, []ImportFile{{Name: "dir/php.json", Data: []byte(rd)}}, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	diff := Diff(base, d)
	want := []string{"data date: 2026-08-22 → 2026-11-20", "php 8.4: latest 8.4.24 2026-07-30 → 8.4.99 2026-11-20", "php 8.4: 1 more dated versions"}
	if !slices.Equal(diff, want) {
		t.Errorf("diff %q, want %q", diff, want)
	}
	if p := d.Product("php"); !slices.Contains(p.Files, "php.json") {
		t.Errorf("files %q", p.Files)
	}
	real := testFile(t, filepath.Join("..", "source", "endoflife", "release-data", "php.json"))
	d, err = Import(base, []ImportFile{{Name: "php.json", Data: real}}, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := Diff(base, d); len(diff) != 0 {
		t.Errorf("the release-data the embedded data came from changes %q", diff)
	}
}

// TestImportBadFiles: every broken file is an error naming the file, the
// product, the cycle and the field, and nothing is returned.
func TestImportBadFiles(t *testing.T) {
	base := embeddedData(t)
	php := string(testFile(t, "apiv1/php-8.2-eol.json"))
	cases := []struct {
		name, file, data string
		kind             error
		place            []string
	}{
		{"truncated", "php.json", php[:len(php)/2], ErrFormat, []string{"php.json", "not JSON"}},
		{"empty", "php.json", "", ErrFormat, []string{"php.json"}},
		{"binary", "php.json", "\x1f\x8b\x08\x00\xff\xfe", ErrFormat, []string{"php.json"}},
		{"null", "php.json", "null", ErrFormat, []string{"php.json"}},
		{"unknown shape", "x.json", `{"cycles": []}`, ErrFormat, []string{"x.json"}},
		{"old API shape", "x.json", `[{"cycle": "8.2", "eol": "2026-12-31"}]`, ErrFormat, []string{"x.json"}},
		{"date in the wrong format", "php.json", strings.Replace(php, `"eolFrom":"2026-11-15"`, `"eolFrom":"15.11.2026"`, 1),
			ErrBadDate, []string{"php.json", "product php", `cycle "8.2"`, "eolFrom", "15.11.2026"}},
		{"release date", "php.json", strings.Replace(php, `"releaseDate":"2022-12-08"`, `"releaseDate":"2022-13-08"`, 1),
			ErrBadDate, []string{"php.json", `cycle "8.2"`, "releaseDate"}},
		{"latest date", "php.json", strings.Replace(php, `"date":"2026-07-30"`, `"date":"yesterday"`, 1),
			ErrBadDate, []string{"php.json", `cycle "8.5"`, "latest.date"}},
		{"wrong type", "php.json", strings.Replace(php, `"eolFrom":"2026-11-15"`, `"eolFrom":20261115`, 1),
			ErrFormat, []string{"php.json", "eolFrom"}},
		{"duplicate cycle", "php.json", strings.Replace(php, `"name":"8.1"`, `"name":"8.2"`, 1),
			ErrDuplicate, []string{"php.json", "product php", `cycle "8.2"`}},
		{"empty cycle", "php.json", strings.Replace(php, `"name":"8.1"`, `"name":" "`, 1), ErrFormat, []string{"php.json", "name"}},
		{"no releases", "php.json", `{"schema_version":"1.2.0","generated_at":"2026-11-30T06:00:00+00:00","result":{"name":"php"}}`,
			ErrFormat, []string{"php.json", "releases"}},
		{"bad product id", "php.json", strings.Replace(php, `"name":"php"`, `"name":"../etc"`, 1), ErrFormat, []string{"php.json", "result.name"}},
		{"bad generated_at", "php.json", strings.Replace(php, `"generated_at":"2026-11-30T06:00:00+00:00"`, `"generated_at":"30/11/2026"`, 1),
			ErrBadDate, []string{"php.json", "generated_at"}},
		{"schema 2", "php.json", strings.Replace(php, `"schema_version":"1.2.0"`, `"schema_version":"2.0.0"`, 1), ErrFormat, []string{"php.json"}},
		{"release-data bad date", "php.json", `{"versions": {"8.4.99": {"name": "8.4.99", "date": "2026-11"}, "8.4.98": {"name": "8.4.98", "date": "20261101"}}}`,
			ErrBadDate, []string{"php.json", "product php", `version "8.4.98"`, "date"}},
		{"release-data unknown product", "nosuch.json", `{"versions": {}}`, ErrFormat, []string{"nosuch.json", "nosuch"}},
		{"vendor product", "cpanel.json", strings.Replace(php, `"name":"php"`, `"name":"cpanel"`, 1), nil, []string{"cpanel.json", "cpanel", "vendor"}},
		{"a whole dataset", "lifecycle.json", string(Embedded()), ErrFormat, []string{"lifecycle.json"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Import(base, []ImportFile{{Name: tc.file, Data: []byte(tc.data)}}, ImportOptions{})
			if err == nil || d != nil {
				t.Fatalf("imported: %v", err)
			}
			if tc.kind != nil && !errors.Is(err, tc.kind) {
				t.Errorf("error %v, want %v", err, tc.kind)
			}
			// The message is the operator's only pointer to the mistake:
			// it must name the place.
			for _, p := range tc.place {
				if !strings.Contains(err.Error(), p) {
					t.Errorf("error %q does not name %q", err, p)
				}
			}
		})
	}
	_, err := Import(base, []ImportFile{{Name: "a/php.json", Data: []byte(php)}, {Name: "b/php.json", Data: []byte(php)}}, ImportOptions{})
	if !errors.Is(err, ErrDuplicate) || !strings.Contains(err.Error(), "a/php.json") || !strings.Contains(err.Error(), "b/php.json") {
		t.Errorf("the same product twice: %v", err)
	}
}

// TestLoad: a served dataset is used as it is; a product file updates
// the base.
func TestLoad(t *testing.T) {
	base := embeddedData(t)
	d, err := Load("served.json", Embedded(), nil)
	if err != nil || len(d.Products) != len(base.Products) || d.SnapshotDate != base.SnapshotDate {
		t.Fatalf("served dataset: %v", err)
	}
	enc, err := d.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if again, err := Load("again.json", enc, nil); err != nil || len(Diff(d, again)) != 0 {
		t.Errorf("Encode does not round-trip: %v", err)
	}
	d, err = Load("php.json", testFile(t, "apiv1/php-8.2-eol.json"), base)
	if err != nil || d.Product("php").Cycle("8.2").EOL.Date.String() != "2026-11-15" {
		t.Errorf("product file: %v", err)
	}
	if _, err := Load("bad.json", []byte(`{"schema":"demarc.lifecycle/v1","products":[{"id":"x","cycles":[{"cycle":"1","eol":"soon"}]}]}`), base); err == nil {
		t.Error("a dataset with a bad date loaded")
	}
}

// FuzzImport: no input makes the importer panic, and whatever it accepts
// is a dataset that encodes and loads again.
func FuzzImport(f *testing.F) {
	f.Add("php.json", testFile(f, "apiv1/php-8.2-eol.json"))
	f.Add("go.json", testFile(f, "apiv1/go.json"))
	f.Add("php.json", []byte(`{"versions": {"8.4.99": {"name": "8.4.99", "date": "2026-11-20"}}}`))
	f.Add("php.json", []byte(`{"schema_version":"1.0","generated_at":"2026-01-01","result":{"name":"php","releases":[{"name":"8.2","eolFrom":"2026-02"},{"name":"9"}]}}`))
	f.Add("x.json", []byte(`{"schema_version":"1.0","result":{"name":"x","releases":[{"name":"1","isEol":true,"latest":null}]}}`))
	f.Add("x.json", []byte(`{"schema_version":"1.","result":null}`))
	f.Add("x.json", []byte(`{"versions":{"1":null}}`))
	f.Add("x.json", []byte(`[[[[[[[[[[[[[[[[[[[[`))
	// A small base keeps each run cheap; the parsers see every input.
	base, err := Parse([]byte(`{"schema":"demarc.lifecycle/v1","snapshot_date":"2026-08-22","sources":[],"products":[` +
		`{"id":"php","title":"PHP","scheme":"cycles","source":"endoflife.date","files":[],"checked":"2026-08-22","cycles":[` +
		`{"cycle":"8.2","eol":"2026-12-31","versions":[["8.2.29","2025-07-03"]]},{"cycle":"8.1","eol":true}]},` +
		`{"id":"x","title":"X","scheme":"cycles","source":"endoflife.date","files":[],"checked":"2026-08-22","notes":["` + NoteNoExtended + `n"],"cycles":[]}]}`))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, name string, b []byte) {
		_, _, _ = ParseAPIv1(b)
		_, _ = ParseReleaseData(b)
		d, err := Import(base, []ImportFile{{Name: name, Data: b}}, ImportOptions{})
		if err != nil {
			return
		}
		enc, err := d.Encode()
		if err != nil {
			t.Fatalf("accepted data does not encode: %v", err)
		}
		if _, err := Parse(enc); err != nil {
			t.Fatalf("accepted data does not load: %v", err)
		}
	})
}
