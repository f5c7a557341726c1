package hostfs

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestRecord: a recording root notes each path it is asked about, a glob
// by its pattern only, and a copy made before Record notes nothing.
func TestRecord(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"etc/os-release", "var/lib/apt/lists/a_InRelease", "var/lib/apt/lists/b_InRelease"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	plain, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	log := &AccessLog{}
	r := plain.Record(log)
	if _, err := r.ReadFile("/etc/os-release"); err != nil {
		t.Fatal(err)
	}
	if got, _ := r.Glob("/var/lib/apt/lists/*_InRelease"); len(got) != 2 {
		t.Fatalf("glob: %v", got)
	}
	r.Exists("etc/../etc/missing")
	if _, err := plain.ReadFile("/etc/os-release"); err != nil {
		t.Fatal(err)
	}
	want := []string{"/etc/missing", "/etc/os-release", "/var/lib/apt/lists/*_InRelease"}
	if got := log.Paths(); !slices.Equal(got, want) {
		t.Fatalf("recorded %q, want %q", got, want)
	}
}
