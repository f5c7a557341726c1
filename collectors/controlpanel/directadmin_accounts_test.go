package controlpanel

import (
	"maps"
	"testing"
)

func TestParseCustomBuildPHPSlots(t *testing.T) {
	got := ParseCustomBuildPHPSlots([]byte("php1_release=8.3\nphp1_mode=php-fpm\nphp2_release=7.4\nphp3_release=no\n" +
		"php4_release=8.x\nphp5_release=8.1\n  php2_release=5.6\nphp_release=8.0\n\x00\xff\n"))
	want := map[int]string{1: "8.3", 2: "5.6"} // a later line for a slot wins, as in a key=value file read top down
	if !maps.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if len(ParseCustomBuildPHPSlots(nil)) != 0 {
		t.Error("empty file gave slots")
	}
}

func TestParseDirectAdminDomainConf(t *testing.T) {
	for _, c := range []struct {
		in   string
		slot int
		set  bool
	}{
		{"domain=a.example\nphp1_select=2\n", 2, true},
		{"php1_select=4", 4, true},
		{"domain=a.example\n", 1, false},
		{"php1_select=9\n", 1, false},
		{"php1_select=two\n", 1, false},
		{"php2_select=2\n", 1, false},
		{"", 1, false},
	} {
		slot, set := ParseDirectAdminDomainConf([]byte(c.in))
		if slot != c.slot || set != c.set {
			t.Errorf("%q: got %d %v, want %d %v", c.in, slot, set, c.slot, c.set)
		}
	}
}

func FuzzParseDirectAdminAccounts(f *testing.F) {
	f.Add([]byte("php1_release=8.3\nphp1_select=2\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for n, rel := range ParseCustomBuildPHPSlots(b) {
			if n < 1 || n > 4 || !daReleaseRE.MatchString(rel) {
				t.Fatalf("slot %d %q", n, rel)
			}
		}
		if slot, _ := ParseDirectAdminDomainConf(b); slot < 1 || slot > 4 {
			t.Fatalf("slot %d", slot)
		}
	})
}
