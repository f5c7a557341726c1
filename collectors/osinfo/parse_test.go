package osinfo

import (
	"errors"
	"maps"
	"strings"
	"testing"
	"testing/iotest"
)

func TestParseOSRelease(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("X=y\n", maxReleaseSize/4+1)
	cases := []struct {
		name    string
		in      string
		want    map[string]string
		wantErr bool
	}{
		{name: "empty", in: "", want: map[string]string{}},
		{name: "only blank and comments", in: "\n  \n# comment\n", want: map[string]string{}},
		{name: "plain", in: "ID=debian\nVERSION_ID=12\n", want: map[string]string{"ID": "debian", "VERSION_ID": "12"}},
		{name: "double quotes", in: `PRETTY_NAME="Ubuntu 22.04.3 LTS"`, want: map[string]string{"PRETTY_NAME": "Ubuntu 22.04.3 LTS"}},
		{name: "single quotes", in: `NAME='Fedora Linux'`, want: map[string]string{"NAME": "Fedora Linux"}},
		{name: "escapes in double quotes", in: `NAME="a \"b\" \$c \\d \e"`, want: map[string]string{"NAME": `a "b" $c \d \e`}},
		{name: "no escapes in single quotes", in: `NAME='a \" b'`, want: map[string]string{"NAME": `a \" b`}},
		{name: "unquoted escape", in: `NAME=a\ b`, want: map[string]string{"NAME": "a b"}},
		{name: "concatenated quoting", in: `NAME="a"'b'c`, want: map[string]string{"NAME": "abc"}},
		{name: "trailing comment", in: "ID=arch # rolling\n", want: map[string]string{"ID": "arch"}},
		{name: "unquoted word ends at space", in: "ID=foo bar\n", want: map[string]string{"ID": "foo"}},
		{name: "empty value", in: "VERSION_ID=\nID=x", want: map[string]string{"VERSION_ID": "", "ID": "x"}},
		{name: "utf-8", in: `VERSION="19 (Schrödinger’s Cat)"`, want: map[string]string{"VERSION": "19 (Schrödinger’s Cat)"}},
		{name: "crlf", in: "ID=alpine\r\nVERSION_ID=3.20.3\r\n", want: map[string]string{"ID": "alpine", "VERSION_ID": "3.20.3"}},
		{name: "indented", in: "   ID=rhel\n", want: map[string]string{"ID": "rhel"}},
		{name: "export", in: "export ID=rhel\n", want: map[string]string{"ID": "rhel"}},
		{name: "later wins", in: "ID=a\nID=b\n", want: map[string]string{"ID": "b"}},
		{name: "junk lines ignored", in: "hello world\nID=ok\n=x\n9X=y\nA-B=c\n", want: map[string]string{"ID": "ok"}},
		{name: "truncated inside quote", in: "ID=ubuntu\nPRETTY_NAME=\"Ubuntu 22.", want: map[string]string{"ID": "ubuntu"}},
		{name: "truncated inside single quote", in: "ID=x\nNAME='abc", want: map[string]string{"ID": "x"}},
		{name: "no newline at end", in: "ID=centos", want: map[string]string{"ID": "centos"}},
		{name: "invalid utf-8 replaced", in: "NAME=\xff\xfe", want: map[string]string{"NAME": "\uFFFD"}},
		{name: "junk only", in: "this is not an os-release file\n", wantErr: true},
		{name: "truncated single line", in: `NAME="Ubun`, wantErr: true},
		{name: "binary", in: "ID=x\x00\x01\x02", wantErr: true},
		{name: "huge", in: huge, wantErr: true},
	}
	for _, c := range cases {
		got, err := parseOSRelease(strings.NewReader(c.in))
		if c.wantErr {
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("%s: err = %v, want ErrMalformed", c.name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !maps.Equal(got, c.want) {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

func TestParseOSReleaseReadError(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	if _, err := parseOSRelease(iotest.ErrReader(boom)); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
}

func TestFromOSRelease(t *testing.T) {
	t.Parallel()
	cases := []struct {
		kv           map[string]string
		codename, id string
		like         []string
	}{
		{map[string]string{"ID": "ubuntu", "VERSION_CODENAME": "noble", "UBUNTU_CODENAME": "x"}, "noble", "ubuntu", nil},
		{map[string]string{"ID": "ubuntu", "UBUNTU_CODENAME": "jammy"}, "jammy", "ubuntu", nil},
		{map[string]string{"ID": "centos", "VERSION": "7 (Core)"}, "Core", "centos", nil},
		{map[string]string{"ID": "ubuntu", "VERSION": "14.04.3 LTS, Trusty Tahr"}, "Trusty Tahr", "ubuntu", nil},
		{map[string]string{"ID": " RHEL ", "ID_LIKE": "Fedora  centos", "VERSION": "9.4 (Plow"}, "", "rhel", []string{"fedora", "centos"}},
	}
	for _, c := range cases {
		r := fromOSRelease(c.kv)
		if r.Codename != c.codename || r.ID != c.id || strings.Join(r.IDLike, " ") != strings.Join(c.like, " ") {
			t.Errorf("%v: got %+v", c.kv, r)
		}
	}
}

func FuzzParseOSRelease(f *testing.F) {
	for _, s := range []string{
		"ID=debian\nVERSION_ID=12\n",
		`PRETTY_NAME="a \"b\" \$c"` + "\nNAME='x'\n",
		"ID=\"unterminated\n",
		"# c\nexport A=b c\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		kv, err := parseOSRelease(strings.NewReader(string(b)))
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error not ErrMalformed: %v", err)
			}
			return
		}
		for k := range kv {
			if !validKey(k) {
				t.Fatalf("invalid key %q", k)
			}
		}
		_ = fromOSRelease(kv)
	})
}
