package report_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/demarc/demarc/report/internal/schemagen"
)

// TestSchemaUpToDate fails when schema.json no longer matches the types:
// run `go generate ./report` and commit the diff (and check that the diff
// only adds optional fields, per the compatibility policy).
func TestSchemaUpToDate(t *testing.T) {
	t.Parallel()
	got, err := schemagen.Generate(".")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("report/schema.json is out of date: run go generate ./report")
	}
}

// TestSamplesMatchSchema validates the compat samples and the JSON golden
// against schema.json: the schema describes what the code writes.
func TestSamplesMatchSchema(t *testing.T) {
	t.Parallel()
	sch := compileSchema(t)
	files, _ := filepath.Glob("testdata/compat/*.json")
	files = append(files, "testdata/json.golden")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	bad := map[string]any{"schema": "demarc.report/v1", "findings": []any{map[string]any{"severity": "urgent"}}}
	if err := sch.Validate(bad); err == nil {
		t.Error("schema accepts an invalid report")
	}
}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}
