package repomd

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/demarc/demarc/internal/hostfs"
)

// rawRoot writes files (paths inside the root) and returns the root.
func rawRoot(t *testing.T, files map[string]string) hostfs.Root {
	t.Helper()
	dir := t.TempDir()
	for k, v := range files {
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

func gz(s string) string {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.String()
}

// suseUpdateinfo has SUSE's spelling: lowercase severities, a retracted
// advisory, a recommended one.
const suseUpdateinfo = `<?xml version="1.0" encoding="UTF-8"?>
<updates xmlns="http://novell.com/package/metadata/suse/updateinfo">
<update from="maint-coord@suse.de" status="stable" type="security" version="1">
  <id>SUSE-A</id><severity>moderate</severity>
  <references><reference href="h" id="CVE-2-2" title="t" type="cve"/><reference href="h" id="1" title="b" type="bugzilla"/></references>
  <pkglist><collection><package name="foo" epoch="0" version="1.1" release="1" arch="x86_64"/></collection></pkglist>
</update>
<update from="maint-coord@suse.de" status="stable" type="security" version="1">
  <id>SUSE-B</id><severity>critical</severity>
  <references><reference href="h" id="CVE-1-1" type="cve"/><reference href="h" id="CVE-2-2" type="cve"/></references>
  <pkglist><collection><package name="foo" version="1.2" release="1" arch="noarch"/></collection></pkglist>
</update>
<update status="retracted" type="security"><id>SUSE-R</id><severity>critical</severity>
  <pkglist><collection><package name="foo" version="1.1" release="1" arch="x86_64"/></collection></pkglist></update>
<update status="stable" type="recommended"><id>SUSE-REC</id>
  <pkglist><collection><package name="foo" version="1.1" release="1" arch="x86_64"/></collection></pkglist></update>
</updates>`

const rawDir = ZyppRawCache + "/repo-update"

func rawRepomd(href string) string {
	return `<repomd><data type="primary"><location href="repodata/primary.xml.gz"/></data>` +
		`<data type="updateinfo"><location href="` + href + `"/></data></repomd>`
}

func TestReadAdvisories(t *testing.T) {
	repodata := rawDir[1:] + "/repodata/"
	for _, href := range []string{"repodata/u-updateinfo.xml", "repodata/u-updateinfo.xml.gz"} {
		body := suseUpdateinfo
		if strings.HasSuffix(href, ".gz") {
			body = gz(body)
		}
		root := rawRoot(t, map[string]string{repodata + "repomd.xml": rawRepomd(href), repodata + filepath.Base(href): body})
		advs, ok, err := ReadAdvisories(root, rawDir, nil)
		if err != nil || !ok || len(advs) != 4 {
			t.Fatalf("%s: %v %v %v", href, advs, ok, err)
		}
		want := Advisory{ID: "SUSE-A", Type: "security", Status: "stable", Severity: "moderate", CVEs: []string{"CVE-2-2"},
			Packages: []AdvisoryPackage{{Name: "foo", Arch: "x86_64", EVR: "1.1-1"}}}
		if !reflect.DeepEqual(advs[0], want) || advs[2].Status != "retracted" {
			t.Errorf("%s: %+v", href, advs)
		}
	}
	// keep: only the advisories it accepts are returned.
	root := rawRoot(t, map[string]string{repodata + "repomd.xml": rawRepomd("repodata/u.xml"), repodata + "u.xml": suseUpdateinfo})
	advs, ok, err := ReadAdvisories(root, rawDir, func(id string) bool { return id == "SUSE-B" || id == "SUSE-R" })
	if err != nil || !ok || len(advs) != 2 || advs[0].ID != "SUSE-B" || advs[1].ID != "SUSE-R" {
		t.Errorf("keep: %+v %v %v", advs, ok, err)
	}
	// No repomd.xml (a susetags repository, a directory left behind), or
	// no updateinfo listed: nothing, and no error.
	for name, files := range map[string]map[string]string{
		"no repomd":     {rawDir[1:] + "/content": "x"},
		"no updateinfo": {repodata + "repomd.xml": `<repomd><data type="primary"><location href="repodata/p.xml"/></data></repomd>`},
		"only zchunk": {repodata + "repomd.xml": `<repomd><data type="updateinfo"><location href="repodata/u.xml.gz"/></data>` +
			`<data type="updateinfo_zck"><location href="repodata/u.xml.zck"/></data></repomd>`, repodata + "u.xml.zck": "zck"},
	} {
		advs, ok, err := ReadAdvisories(rawRoot(t, files), rawDir, nil)
		if err != nil || ok || advs != nil {
			t.Errorf("%s: %v %v %v", name, advs, ok, err)
		}
	}
	for name, c := range map[string]struct {
		files map[string]string
		deny  string
		want  error
	}{
		"truncated":           {files: map[string]string{repodata + "u.xml": suseUpdateinfo[:400]}, want: ErrMalformed},
		"advisory without id": {files: map[string]string{repodata + "u.xml": `<updates><update type="security"><severity>low</severity></update></updates>`}, want: ErrMalformed},
		"not gzip":            {files: map[string]string{repodata + "u.xml.gz": "plain"}},
		"missing":             {files: map[string]string{}, want: ErrUndecidable},
		"unreadable":          {files: map[string]string{repodata + "u.xml": suseUpdateinfo}, deny: rawDir + "/repodata/u.xml", want: ErrUndecidable},
		"unreadable repomd":   {files: map[string]string{repodata + "u.xml": suseUpdateinfo}, deny: rawDir + "/repodata/repomd.xml", want: ErrUndecidable},
		"bad repomd":          {files: map[string]string{repodata + "repomd.xml": "<repomd><data"}, want: ErrMalformed},
	} {
		href := "repodata/u.xml"
		if name == "not gzip" {
			href += ".gz"
		}
		files := map[string]string{repodata + "repomd.xml": rawRepomd(href)}
		for k, v := range c.files {
			files[k] = v
		}
		root := rawRoot(t, files)
		if c.deny != "" {
			root = root.Deny(c.deny)
		}
		_, _, err := ReadAdvisories(root, rawDir, nil)
		if err == nil || c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
}

func TestMatchSecurity(t *testing.T) {
	advs, err := parseUpdateinfo(strings.NewReader(suseUpdateinfo), nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		pending []Pending
		want    map[string]Security
	}{
		"both": {
			pending: []Pending{{Name: "foo", Arch: "x86_64", Installed: "1.0-1", Candidate: "1.2-1"}},
			want:    map[string]Security{"foo.x86_64": {Advisories: []string{"SUSE-A", "SUSE-B"}, Severity: "critical", CVEs: []string{"CVE-1-1", "CVE-2-2"}}},
		},
		"the candidate reaches only the first": {
			pending: []Pending{{Name: "foo", Arch: "x86_64", Installed: "1.0-1", Candidate: "1.1-1"}},
			want:    map[string]Security{"foo.x86_64": {Advisories: []string{"SUSE-A"}, Severity: "moderate", CVEs: []string{"CVE-2-2"}}},
		},
		"installed past the first": {
			pending: []Pending{{Name: "foo", Arch: "x86_64", Installed: "1.1-1", Candidate: "1.3-1"}},
			want:    map[string]Security{"foo.x86_64": {Advisories: []string{"SUSE-B"}, Severity: "critical", CVEs: []string{"CVE-1-1", "CVE-2-2"}}},
		},
		"other arch: only the noarch advisory": {
			pending: []Pending{{Name: "foo", Arch: "i586", Installed: "1.0-1", Candidate: "1.2-1"}},
			want:    map[string]Security{"foo.i586": {Advisories: []string{"SUSE-B"}, Severity: "critical", CVEs: []string{"CVE-1-1", "CVE-2-2"}}},
		},
		"up to date":        {pending: []Pending{{Name: "foo", Arch: "x86_64", Installed: "1.2-1", Candidate: "1.3-1"}}, want: map[string]Security{}},
		"no installed":      {pending: []Pending{{Name: "foo", Arch: "x86_64", Candidate: "1.3-1"}}, want: map[string]Security{}},
		"another package":   {pending: []Pending{{Name: "bar", Arch: "x86_64", Installed: "1.0-1", Candidate: "1.3-1"}}, want: map[string]Security{}},
		"nothing pending":   {want: map[string]Security{}},
		"epoch on one side": {pending: []Pending{{Name: "foo", Arch: "x86_64", Installed: "1:0.1-1", Candidate: "1:0.2-1"}}, want: map[string]Security{}},
	} {
		got, err := MatchSecurity(advs, c.pending)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %+v %v, want %+v", name, got, err, c.want)
		}
	}
	if _, err := MatchSecurity(advs, []Pending{{Name: "foo", Arch: "x86_64", Installed: "1.0-1"}}); !errors.Is(err, ErrUndecidable) {
		t.Errorf("an empty candidate: %v, want ErrUndecidable", err)
	}
}
