package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/demarc/demarc/rules/matrix"
)

func runDemarc(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := execute(args, &out, &errb)
	return out.String(), errb.String(), code
}

func TestRulesShow(t *testing.T) {
	out, errOut, code := runDemarc(t, "rules", "show", "--provider", "Example Hosting")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"snapshot 2026-08-22", "endoflife.date", "cpanel", "cPanel & WHM", "debian",
		"operating_system", "Example Hosting if maintenance agreement, else customer"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	out, _, code = runDemarc(t, "rules", "show", "--json")
	var v rulesJSON
	if code != 0 || json.Unmarshal([]byte(out), &v) != nil {
		t.Fatalf("exit %d, bad JSON:\n%s", code, out)
	}
	if len(v.Lifecycle.Products) < 30 || len(v.Matrix.Layers) != 13 || v.Lifecycle.SnapshotDate == "" {
		t.Errorf("%d products, %d layers", len(v.Lifecycle.Products), len(v.Matrix.Layers))
	}
}

func TestRulesValidate(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(good, matrix.DefaultYAML(), 0o600); err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(matrix.DefaultYAML()), "    iaas: provider if maintenance_agreement\n", "    iaas: sometimes\n", 1)
	if err := os.WriteFile(bad, []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := runDemarc(t, "rules", "validate", good); code != 0 || !strings.Contains(out, "valid") {
		t.Errorf("good file: exit %d %s %s", code, out, errOut)
	}
	_, errOut, code := runDemarc(t, "rules", "validate", bad)
	if code != 2 || !strings.Contains(errOut, "iaas") || !strings.Contains(errOut, "bad.yaml:") {
		t.Errorf("bad file: exit %d, %q", code, errOut)
	}
	if _, _, code := runDemarc(t, "rules", "validate"); code != 2 {
		t.Errorf("no file: exit %d", code)
	}
	if _, _, code := runDemarc(t, "rules", "show", "--rules", bad); code != 2 {
		t.Errorf("show with a bad file: exit %d", code)
	}
}
