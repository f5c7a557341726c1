package pkgver

import "testing"

func TestCompare(t *testing.T) {
	t.Parallel()
	cases := []struct {
		f       Format
		a, b    string
		want    int
		wantErr bool
	}{
		{Deb, "6.1.112-1", "6.1.115-1", -1, false},
		{Deb, "1:1.0", "2.0", 1, false},
		{Deb, "2.0~rc1", "2.0", -1, false},
		{Deb, "5.15.0-91.101", "5.15.0-91.101", 0, false},
		{Deb, "", "1", 0, true},
		{Deb, "a:b", "1", 0, true},
		{RPM, "5.14.0-362.8.1.el9_3", "5.14.0-427.13.1.el9_4", -1, false},
		{RPM, "3.10.0-1160.119.1.el7", "3.10.0-1160.24.1.el7", 1, false},
		{RPM, "1:1.0-1", "2.0-1", 1, false},
		{RPM, "", "1", 0, true},
		{APK, "3.3.2-r0", "3.3.0-r2", 1, false},
		{APK, "1.0_rc1-r0", "1.0-r0", -1, false},
		{APK, "not a version!", "1", 0, true},
		{"pacman", "1", "2", 0, true},
	}
	for _, c := range cases {
		got, err := Compare(c.f, c.a, c.b)
		if (err != nil) != c.wantErr {
			t.Errorf("%s %q %q: err %v", c.f, c.a, c.b, err)
			continue
		}
		if err == nil && got != c.want {
			t.Errorf("%s %q vs %q: got %d want %d", c.f, c.a, c.b, got, c.want)
		}
	}
}

func FuzzCompare(f *testing.F) {
	f.Add("1:2.3-4", "2.3-4~b1")
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, fm := range []Format{Deb, RPM, APK} {
			x, err1 := Compare(fm, a, b)
			y, err2 := Compare(fm, b, a)
			if err1 == nil && err2 == nil && x != -y {
				t.Fatalf("%s: not antisymmetric: %q %q %d %d", fm, a, b, x, y)
			}
		}
	})
}
