package clidocs

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

func toyRoot() *cobra.Command {
	root := &cobra.Command{Use: "toy", Short: "A toy program"}
	root.PersistentFlags().String("log-level", "info", "log level")
	scan := &cobra.Command{Use: "scan", Short: "Scan the host", RunE: func(*cobra.Command, []string) error { return nil }}
	scan.Flags().String("format", "table", "table, json or markdown")
	spool := &cobra.Command{Use: "spool", Short: "Spool commands"}
	spool.AddCommand(&cobra.Command{Use: "list", Short: "List", RunE: func(*cobra.Command, []string) error { return nil }})
	hidden := &cobra.Command{Use: "gendocs", Hidden: true, RunE: func(*cobra.Command, []string) error { return nil }}
	root.AddCommand(scan, spool, hidden)
	return root
}

func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func gunzip(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if zr.Name != "" || !zr.ModTime.IsZero() {
		t.Errorf("%s: gzip header carries name %q / time %v", path, zr.Name, zr.ModTime)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestWrite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	o := Options{Version: "1.2.3", Manual: "toy manual", Date: time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)}
	if err := Write(toyRoot(), dir, o); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"completions/bash/toy", "completions/fish/toy.fish", "completions/zsh/_toy",
		"man/toy-scan.1.gz", "man/toy-spool-list.1.gz", "man/toy-spool.1.gz", "man/toy.1.gz",
	}
	if got := listFiles(t, dir); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("files:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	page := gunzip(t, filepath.Join(dir, "man/toy-scan.1.gz"))
	for _, s := range []string{`.TH "TOY-SCAN" "1" "Mar 2025" "toy 1.2.3" "toy manual"`, "format", "log-level"} {
		if !strings.Contains(page, s) {
			t.Errorf("toy-scan.1 lacks %q:\n%s", s, page)
		}
	}
	if strings.Contains(page, "Auto generated") {
		t.Error("man page carries cobra's auto-generated tag")
	}
	for p, s := range map[string]string{"completions/bash/toy": "__start_toy", "completions/zsh/_toy": "#compdef toy", "completions/fish/toy.fish": "complete -c toy"} {
		b, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte(s)) {
			t.Errorf("%s lacks %q", p, s)
		}
	}
}

func TestWriteReproducible(t *testing.T) {
	t.Parallel()
	o := Options{Version: "1.2.3", Manual: "toy manual", Date: time.Unix(1700000000, 0)}
	a, b := t.TempDir(), t.TempDir()
	if err := Write(toyRoot(), a, o); err != nil {
		t.Fatal(err)
	}
	if err := Write(toyRoot(), b, o); err != nil {
		t.Fatal(err)
	}
	for _, f := range listFiles(t, a) {
		x, err := os.ReadFile(filepath.Join(a, f))
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(filepath.Join(b, f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs", f)
		}
	}
}

func TestWriteNotRoot(t *testing.T) {
	t.Parallel()
	root := toyRoot()
	sub, _, err := root.Find([]string{"scan"})
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(sub, t.TempDir(), Options{}); !errors.Is(err, ErrNoRoot) {
		t.Fatalf("Write(subcommand) = %v, want ErrNoRoot", err)
	}
}

func TestWriteUnwritable(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(toyRoot(), file, Options{}); err == nil {
		t.Fatal("Write under a regular file succeeded")
	}
}

func TestCommand(t *testing.T) {
	t.Parallel()
	root := &cobra.Command{Use: "toy", Short: "A toy program"}
	root.AddCommand(&cobra.Command{Use: "scan", Short: "Scan the host", RunE: func(*cobra.Command, []string) error { return nil }},
		Command("toy manual"))
	dir := t.TempDir()
	root.SetArgs([]string{"gendocs", dir, "--source-date-epoch", "1700000000"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if len(listFiles(t, dir)) == 0 {
		t.Fatal("nothing written")
	}
	root.SetArgs([]string{"gendocs", t.TempDir(), "--source-date-epoch", "yesterday"})
	root.SilenceErrors, root.SilenceUsage = true, true
	if err := root.Execute(); err == nil {
		t.Fatal("a bad epoch was accepted")
	}
}
