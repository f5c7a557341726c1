package pkgver

import (
	"errors"
	"strings"
	"testing"
)

func TestFromPackage(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		bad      bool
	}{
		{in: "1:8.2.2+ds-0ubuntu1.16", want: "8.2.2"},
		{in: "1:2.5+dfsg-5ubuntu10.16", want: "2.5"},
		{in: "10.1.2-4", want: "10.1.2"},
		{in: "17:8.2.0-11.el9_4.6", want: "8.2.0"},
		{in: "7.4.33-13.el8", want: "7.4.33"},
		{in: "1:7.3.15-2.2.el8", want: "7.3.15"},
		{in: "8.2.26-1~deb12u1", want: "8.2.26"},
		{in: "1:9.2p1-2+deb12u3", want: "9.2p1"},
		{in: "8.7p1-38.el9", want: "8.7p1"},
		{in: "1:10.11.6-0+deb12u1", want: "10.11.6"},
		{in: "2.4.62-1.1.1.cpanel", want: "2.4.62"},
		{in: "8.3", want: "8.3"},
		{in: "9.7_p1-r4", want: "9.7p1"},
		{in: "1.26.2-r0", want: "1.26.2"},
		{in: "", bad: true},
		{in: "11.x", bad: true},
		{in: "11.x-1", bad: true},
		{in: "9999999999999999999", bad: true},
		{in: "1:", bad: true},
		{in: "-1", bad: true},
		{in: "\x00\xff", bad: true},
		{in: strings.Repeat("1.", 100), bad: true},
	} {
		got, err := FromPackage(tc.in)
		if tc.bad {
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("FromPackage(%q) = %q, %v; want ErrInvalid", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("FromPackage(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestCheckAndBranch(t *testing.T) {
	if _, err := Check("8.3.14"); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "11.x", "9999999999999999999", "1..2", "v1.2", strings.Repeat("9", 65)} {
		if _, err := Check(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("Check(%q) = %v; want ErrInvalid", bad, err)
		}
	}
	for in, want := range map[string]string{"8.3.14": "8.3", "7.4": "7.4", "15": "15", "8.4RC1": "8.4", "9.2p1": "9.2"} {
		if got := Branch(in); got != want {
			t.Errorf("Branch(%q) = %q; want %q", in, got, want)
		}
	}
}

func FuzzFromPackage(f *testing.F) {
	for _, s := range []string{"1:8.2.2+ds-0ubuntu1.16", "7.4.33-13.el8", "", "11.x", "1:9.2p1-2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := FromPackage(s)
		if err == nil && !Valid(v) {
			t.Fatalf("FromPackage(%q) = %q, not Valid", s, v)
		}
		_ = Branch(v)
	})
}
