package packages

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/internal/collectortest"
	"github.com/demarc/demarc/internal/repomd"
)

const advCase = "testdata/opensuse110-zypper-advisories"

// copyCase copies a case directory into a temporary one.
func copyCase(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if fi.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestZypperAdvisoryErrors: an updateinfo in the raw cache that cannot
// be read is an error of the result, with the repository named; the
// package list and zypper's security count are still reported, no
// package marked.
func TestZypperAdvisoryErrors(t *testing.T) {
	repodata := "rootfs/var/cache/zypp/raw/openSUSE-11.0-Updates/repodata/"
	b, err := os.ReadFile(filepath.Join(advCase, repodata, "updateinfo.xml.gz"))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	xml, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	noID := bytes.Replace(xml, []byte("<id>bind</id>"), []byte("<id></id>"), 1)
	for name, c := range map[string]struct {
		updateinfo []byte // nil: removed
		deny       string
		want       error
	}{
		"truncated":           {updateinfo: xml[:len(xml)/2], want: repomd.ErrMalformed},
		"advisory without id": {updateinfo: noID, want: repomd.ErrMalformed},
		"missing":             {want: repomd.ErrUndecidable},
		"unreadable":          {updateinfo: xml, deny: "/var/cache/zypp/raw/openSUSE-11.0-Updates/repodata/updateinfo.xml.gz", want: repomd.ErrUndecidable},
		// The raw cache itself unreadable: a note, not an error.
		"raw cache unreadable": {updateinfo: xml, deny: "/var/cache/zypp/raw"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := copyCase(t, advCase)
			p := filepath.Join(dir, repodata, "updateinfo.xml.gz")
			if c.updateinfo == nil {
				if err := os.Remove(p); err != nil {
					t.Fatal(err)
				}
			} else {
				var buf bytes.Buffer
				w := gzip.NewWriter(&buf)
				w.Write(c.updateinfo)
				w.Close()
				if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if c.deny != "" {
				if err := os.WriteFile(filepath.Join(dir, collectortest.DenyFile), []byte(c.deny+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			res, err := New(collectortest.Deps(t, dir)).Collect(ctx)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case c.want == nil && (len(res.Errors) != 0 || !slices.ContainsFunc(res.Notes, func(n string) bool {
				return strings.HasPrefix(n, "/var/cache/zypp/raw: ") && strings.Contains(n, "not marked")
			})):
				t.Fatalf("errors %v, notes %q; want no error and a note of the unreadable raw cache", res.Errors, res.Notes)
			case c.want != nil && (len(res.Errors) != 1 || !errors.Is(res.Errors[0], c.want)):
				t.Fatalf("errors %v, want one wrapping %v", res.Errors, c.want)
			}
			u := res.Updates
			if u == nil || u.Count != 4 || u.SecurityCount != 2 {
				t.Fatalf("updates %+v", u)
			}
			for _, p := range u.Packages {
				if p.Security || p.Advisories != nil {
					t.Errorf("%s marked: %+v", p.Name, p)
				}
			}
		})
	}
}
