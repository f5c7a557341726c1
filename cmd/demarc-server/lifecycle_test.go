package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLifecycleCommands: a dry run prints the change and stores nothing;
// an import stores version 1, a folder import version 2; the same data
// again stores nothing; every bad file is refused with the place named
// and leaves the versions as they were.
func TestLifecycleCommands(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "d.db")
	var out, errb bytesBuffer
	run := func(args ...string) (int, string) {
		out.Reset()
		errb.Reset()
		code := execute(append(args, "--db", db), &out, &errb)
		return code, out.String() + errb.String()
	}
	php, err := os.ReadFile(filepath.Join("..", "..", "rules", "lifecycle", "testdata", "apiv1", "php-8.2-eol.json"))
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	phpFile := write("php.json", string(php))

	if code, msg := run("lifecycle", "list"); code != 0 || !strings.Contains(msg, "built-in data") {
		t.Fatalf("list before any import: %d %q", code, msg)
	}
	code, msg := run("lifecycle", "import", phpFile, "--dry-run")
	if code != 0 || !strings.Contains(msg, "php 8.2: eol 2026-12-31 → 2026-11-15") || strings.Contains(msg, "stored") {
		t.Fatalf("dry run: %d %q", code, msg)
	}
	if _, msg := run("lifecycle", "list"); !strings.Contains(msg, "built-in data") {
		t.Fatalf("the dry run stored a version: %q", msg)
	}
	if code, msg := run("lifecycle", "import", phpFile, "--by", "admin"); code != 0 || !strings.Contains(msg, "stored lifecycle version 1 (data as of 2026-11-30") {
		t.Fatalf("import: %d %q", code, msg)
	}
	if code, msg := run("lifecycle", "import", phpFile); code != 0 || !strings.Contains(msg, "no change") || strings.Contains(msg, "stored") {
		t.Fatalf("the same import again: %d %q", code, msg)
	}
	rd := write("rd/php.json", `{"versions": {"8.4.99": {"name": "8.4.99", "date": "2026-12-01"}}}`)
	if code, msg := run("lifecycle", "import", filepath.Dir(rd)); code != 0 || !strings.Contains(msg, "php 8.4: latest 8.4.24 2026-07-30 → 8.4.99 2026-12-01") ||
		!strings.Contains(msg, "stored lifecycle version 2") {
		t.Fatalf("folder import: %d %q", code, msg)
	}
	_, before := run("lifecycle", "list")
	lines := splitLines(before)
	if len(lines) != 3 || !strings.Contains(lines[1], "admin") || !strings.Contains(lines[2], "current") || !strings.HasPrefix(fields(lines[2])[0], "2") {
		t.Fatalf("list: %q", before)
	}

	s := string(php)
	bad := []struct {
		name, data string
		place      []string
	}{
		{"truncated.json", s[:len(s)/3], []string{"truncated.json", "not JSON"}},
		{"date.json", strings.Replace(s, `"eolFrom":"2026-11-15"`, `"eolFrom":"2026/11/15"`, 1), []string{"date.json", "product php", `cycle "8.2"`, "eolFrom"}},
		{"shape.json", `{"product": "php", "cycles": []}`, []string{"shape.json", "unknown lifecycle file format"}},
		{"dup.json", strings.Replace(s, `"name":"8.1"`, `"name":"8.2"`, 1), []string{"dup.json", `cycle "8.2"`, "twice"}},
	}
	for _, b := range bad {
		p := write(filepath.Join("bad", b.name), b.data)
		// A good file beside the bad one is not imported either.
		code, msg := run("lifecycle", "import", phpFile, p)
		if code == 0 || !strings.Contains(msg, "nothing imported") {
			t.Errorf("%s: %d %q, want a refusal", b.name, code, msg)
		}
		for _, pl := range b.place {
			if !strings.Contains(msg, pl) {
				t.Errorf("%s: %q does not name %q", b.name, msg, pl)
			}
		}
		if _, after := run("lifecycle", "list"); after != before {
			t.Errorf("%s: versions changed:\n%s", b.name, after)
		}
	}
	for _, args := range [][]string{
		{"lifecycle", "import"},
		{"lifecycle", "import", filepath.Join(dir, "missing.json")},
		{"lifecycle", "import", filepath.Join(dir, "bad", "nonexistent")},
		{"lifecycle", "import", phpFile, "--data-date", "2026-12"},
	} {
		if code, _ := run(args...); code == 0 {
			t.Errorf("%v succeeded", args)
		}
	}
}
