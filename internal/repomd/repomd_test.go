package repomd

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/demarc/demarc/internal/hostfs"
	"github.com/demarc/demarc/internal/pkgdb"
	"github.com/demarc/demarc/internal/pkgver"
	"github.com/demarc/demarc/internal/rpmdb"
)

const primaryXML = `<?xml version="1.0" encoding="UTF-8"?>
<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="3">
<package type="rpm"><name>foo</name><arch>x86_64</arch><version epoch="0" ver="1.1" rel="1.el9"/><format>%s</format></package>
<package type="rpm"><name>foo</name><arch>src</arch><version epoch="0" ver="9" rel="1"/><format/></package>
<package type="rpm"><name>bar</name><arch>noarch</arch><version epoch="1" ver="0.5" rel="2"/><format/></package>
</metadata>
`

const updateinfoXML = `<updates><update type="security"><id>X-1</id><severity>Low</severity>
<references><reference type="cve" id="CVE-1"/></references>
<pkglist><collection><package name="foo" epoch="0" version="1.1" release="1.el9" arch="x86_64"/></collection></pkglist></update></updates>`

// fixture writes a root: dnf.conf, one repository "r" whose cache holds
// primary (compressed as ext says) and updateinfo, plus extra files.
func fixture(t *testing.T, ext, format string, files map[string]string) hostfs.Root {
	t.Helper()
	dir := t.TempDir()
	url := "https://mirror.invalid/9/x86_64/"
	sum := sha256.Sum256([]byte(url))
	cache := "var/cache/dnf/r-" + hex.EncodeToString(sum[:8]) + "/repodata/"
	prim := []byte(strings.Replace(primaryXML, "%s", format, 1))
	switch ext {
	case ".gz":
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		w.Write(prim)
		w.Close()
		prim = b.Bytes()
	case ".zst":
		w, _ := zstd.NewWriter(nil)
		prim = w.EncodeAll(prim, nil)
	}
	all := map[string]string{
		"etc/dnf/dnf.conf":       "[main]\ngpgcheck=1\n",
		"etc/yum.repos.d/r.repo": "[r]\nname=r\nbaseurl=https://mirror.invalid/$releasever/$basearch/\n",
		cache + "repomd.xml": `<repomd><data type="primary"><location href="repodata/p-primary.xml` + ext + `"/></data>` +
			`<data type="updateinfo"><location href="repodata/u-updateinfo.xml"/></data></repomd>`,
		cache + "p-primary.xml" + ext: string(prim),
		cache + "u-updateinfo.xml":    updateinfoXML,
	}
	for k, v := range files {
		if v == "" {
			delete(all, k)
			continue
		}
		all[k] = v
	}
	for k, v := range all {
		p := filepath.Join(dir, k)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	root, err := hostfs.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func installed(extra ...pkgdb.Package) *pkgdb.DB {
	return &pkgdb.DB{Format: pkgver.RPM, Packages: append([]pkgdb.Package{
		{Name: "bash", Version: "5.1-6.el9", Arch: "x86_64"},
		{Name: "foo", Version: "1.0-1.el9", Arch: "x86_64"},
		{Name: "rel", Version: "9.6-1.el9", Arch: "x86_64", Provides: []rpmdb.Provide{{Name: "system-release(releasever)", Version: "9"}}},
	}, extra...)}
}

func TestEvaluate(t *testing.T) {
	for _, ext := range []string{"", ".gz", ".zst"} {
		root := fixture(t, ext, "", nil)
		res, err := Evaluate(root, installed())
		if err != nil {
			t.Fatalf("%q: %v", ext, err)
		}
		if len(res.Updates) != 1 || !res.SecurityDataAvailable {
			t.Fatalf("%q: %+v", ext, res)
		}
		u := res.Updates[0]
		if u.Name != "foo" || u.Candidate != "1.1-1.el9" || u.Installed != "1.0-1.el9" || u.Repo != "r" || !u.Security ||
			strings.Join(u.Advisories, ",") != "X-1" || u.Severity != "Low" || strings.Join(u.CVEs, ",") != "CVE-1" {
			t.Errorf("%q: %+v", ext, u)
		}
	}
	// Excluded in [main], in the repository, or not included: no update.
	for _, files := range []map[string]string{
		{"etc/dnf/dnf.conf": "[main]\nexclude=fo*\n"},
		{"etc/dnf/dnf.conf": "[main]\nexcludepkgs=bar, foo-1.1-1.el9.x86_64\n"},
		{"etc/yum.repos.d/r.repo": "[r]\nbaseurl=https://mirror.invalid/$releasever/$basearch/\nexcludepkgs=foo.x86_64\n"},
		{"etc/yum.repos.d/r.repo": "[r]\nbaseurl=https://mirror.invalid/$releasever/$basearch/\nincludepkgs=bar\n"},
		{"etc/yum.repos.d/r.repo": "[r]\nbaseurl=https://mirror.invalid/$releasever/$basearch/\nenabled=0\n"},
	} {
		res, err := Evaluate(fixture(t, "", "", files), installed())
		if err != nil || len(res.Updates) != 0 {
			t.Errorf("%v: %+v %v", files, res, err)
		}
	}
}

func TestUndecidable(t *testing.T) {
	obsoletes := `<rpm:obsoletes><rpm:entry name="old" flags="LT" epoch="0" ver="2"/></rpm:obsoletes>`
	for name, c := range map[string]struct {
		format string
		files  map[string]string
		extra  []pkgdb.Package
	}{
		"no repositories":   {files: map[string]string{"etc/yum.repos.d/r.repo": ""}},
		"versionlock":       {files: map[string]string{"etc/dnf/plugins/versionlock.conf": "[main]\nenabled=1\n"}},
		"unknown variable":  {files: map[string]string{"etc/yum.repos.d/r.repo": "[r]\nbaseurl=https://m.invalid/$contentdir/\n"}},
		"no cache":          {files: map[string]string{"etc/yum.repos.d/r.repo": "[r]\nbaseurl=https://elsewhere.invalid/\n"}},
		"solv only":         {files: map[string]string{"etc/yum.repos.d/r.repo": "[r]\nbaseurl=https://elsewhere.invalid/\n", "var/cache/dnf/r.solv": "x"}},
		"file exclude":      {files: map[string]string{"etc/dnf/dnf.conf": "[main]\nexclude=/usr/bin/foo\n"}},
		"obsoletes":         {format: obsoletes, extra: []pkgdb.Package{{Name: "old", Version: "1.0-1", Arch: "x86_64"}}},
		"noarch to arch":    {files: map[string]string{}, extra: nil},
		"installroot":       {files: map[string]string{"etc/dnf/dnf.conf": "[main]\ninstallroot=/x\n"}},
		"two releasevers":   {extra: []pkgdb.Package{{Name: "rel2", Version: "9-1", Arch: "noarch", Provides: []rpmdb.Provide{{Name: "system-release(releasever)"}}}}},
		"bad ini":           {files: map[string]string{"etc/yum.repos.d/r.repo": "baseurl=x\n"}},
		"modular installed": {files: map[string]string{}},
	} {
		files := c.files
		db := installed(c.extra...)
		switch name {
		case "noarch to arch":
			db.Packages[1].Arch = "noarch"
		case "modular installed":
			url := "https://mirror.invalid/9/x86_64/"
			sum := sha256.Sum256([]byte(url))
			cache := "var/cache/dnf/r-" + hex.EncodeToString(sum[:8]) + "/repodata/"
			files = map[string]string{
				cache + "repomd.xml":     `<repomd><data type="primary"><location href="repodata/p-primary.xml"/></data><data type="modules"><location href="repodata/m-modules.yaml"/></data></repomd>`,
				cache + "m-modules.yaml": "---\ndocument: modulemd\nversion: 2\ndata:\n  name: foo\n  artifacts:\n    rpms:\n    - foo-0:1.1-1.module+el9.x86_64\n...\n---\ndocument: modulemd-defaults\nversion: 1\ndata:\n  module: foo\n...\n",
			}
		}
		_, err := Evaluate(fixture(t, "", c.format, files), db)
		if !errors.Is(err, ErrUndecidable) {
			t.Errorf("%s: %v, want ErrUndecidable", name, err)
		}
	}
}

func TestMalformed(t *testing.T) {
	for _, b := range []string{"<metadata><package><name>x</name></package></metadata>", "<metadata><package>", "\x00\x01"} {
		if _, err := parsePrimary(strings.NewReader(b), "r"); !errors.Is(err, ErrMalformed) {
			t.Errorf("primary %q: %v", b, err)
		}
	}
	for _, b := range []string{"<updates><update><id></id></update></updates>", "<updates><update><id>x</id><pkglist><collection><package name=\"a\"/></collection></pkglist></update></updates>", "<up", "", "<updates><update><id>x</id>", "<updates/><x"} {
		if _, err := parseUpdateinfo(strings.NewReader(b), nil); !errors.Is(err, ErrMalformed) {
			t.Errorf("updateinfo %q: %v", b, err)
		}
	}
	if _, err := moduleNames(strings.NewReader("data:\n  artifacts:\n    rpms: [nodash]\n")); !errors.Is(err, ErrMalformed) {
		t.Errorf("modules: %v", err)
	}
	root := fixture(t, ".gz", "", nil)
	sum := sha256.Sum256([]byte("https://mirror.invalid/9/x86_64/"))
	p := filepath.Join(root.Dir(), "var/cache/dnf/r-"+hex.EncodeToString(sum[:8]), "repodata/p-primary.xml.gz")
	if err := os.WriteFile(p, []byte("not gzip"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Evaluate(root, installed()); err == nil {
		t.Error("a broken primary.xml.gz was accepted")
	}
}

// FuzzParsePrimary checks the hand reader against encoding/xml: where
// both read a document, they read the same packages.
func FuzzParsePrimary(f *testing.F) {
	f.Add([]byte(strings.Replace(primaryXML, "%s", "", 1)))
	f.Add([]byte(strings.Replace(primaryXML, "%s", `<rpm:obsoletes><rpm:entry name="o&amp;" flags="LT" epoch="0" ver="2"/></rpm:obsoletes>`, 1)))
	f.Add([]byte(`<metadata packages="1"><package type="rpm"><!-- c --><name>a</name><arch>noarch</arch><version ver="1" rel="1"/></package></metadata>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		fast, err := parsePrimary(bytes.NewReader(b), "r")
		if err != nil {
			return
		}
		slow, err := parsePrimaryXML(bytes.NewReader(b), "r")
		if err != nil {
			return
		}
		if fmt.Sprint(fast) != fmt.Sprint(slow) {
			t.Fatalf("hand %v, encoding/xml %v", fast, slow)
		}
	})
}

func FuzzParseUpdateinfo(f *testing.F) {
	f.Add([]byte(updateinfoXML))
	f.Fuzz(func(t *testing.T, b []byte) { _, _ = parseUpdateinfo(bytes.NewReader(b), nil) })
}

func FuzzParseINI(f *testing.F) {
	f.Add([]byte("[main]\nexclude=a b\n  c\n[r]\nbaseurl=x\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ini, err := parseINI(b)
		if err == nil {
			c := &config{vars: map[string]string{"releasever": "9"}}
			for id, kv := range ini {
				_, _ = c.repo(id, kv, "f")
			}
		}
	})
}

func FuzzModuleNames(f *testing.F) {
	f.Add([]byte("---\ndocument: modulemd\ndata:\n  artifacts:\n    rpms:\n    - a-0:1-1.x86_64\n...\n"))
	f.Fuzz(func(t *testing.T, b []byte) { _, _ = moduleNames(bytes.NewReader(b)) })
}

// TestUnorderableVersion: a version pkgver cannot order (a second
// installed foo without one) is undecidable, not ordered as a string
// (which made "" older than everything: an update from 1.0-1.el9).
func TestUnorderableVersion(t *testing.T) {
	db := installed(pkgdb.Package{Name: "foo", Version: "", Arch: "x86_64"})
	if _, err := Evaluate(fixture(t, "", "", nil), db); !errors.Is(err, ErrUndecidable) {
		t.Errorf("Evaluate: %v, want ErrUndecidable", err)
	}
	obs := []Available{{Name: "new", Arch: "x86_64", EVR: "1-1", Obsoletes: []Dep{{Name: "old", Flags: "LT", EVR: ""}}}}
	if err := checkObsoletes(obs, map[string][]pkgdb.Package{"old": {{Name: "old", Version: "1-1", Arch: "x86_64"}}}); !errors.Is(err, ErrUndecidable) {
		t.Errorf("checkObsoletes: %v, want ErrUndecidable", err)
	}
}
