package lifecycle

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseVersion(t *testing.T) {
	tests := []struct {
		product, in, norm string
		segs              []int64
	}{
		{"php", "8.3.14", "8.3.14", []int64{8, 3, 14}},
		{"ubuntu", "22.04", "22.04", []int64{22, 4}},
		{"cpanel", "11.118.0.15", "118.0.15", []int64{118, 0, 15}},
		{"cpanel", "118", "118", []int64{118}},
		{"sles", "15-SP5", "15.5", []int64{15, 5}},
		{"sles", "15 SP5", "15.5", []int64{15, 5}},
		{"sles", "15.5", "15.5", []int64{15, 5}},
		{"sles", "15", "15.0", []int64{15, 0}},
		{"directadmin", "1.62.9", "1.629", []int64{1, 629}},
		{"directadmin", "1.703", "1.703", []int64{1, 703}},
		{"esxi", "7.0 Update 3", "7.0.3", []int64{7, 0, 3}},
		{"esxi", "7.0.3", "7.0.3", []int64{7, 0, 3}},
		{"amazon-linux", "2023.5.20240708", "2023.5.20240708", []int64{2023, 5, 20240708}},
		{"nginx", "v1.24.0", "1.24.0", []int64{1, 24, 0}},
		{"ispconfig", "3.2.11p1", "3.2.11p1", []int64{3, 2, 11}},
		{"debian", " 12 ", "12", []int64{12}},
	}
	for _, tt := range tests {
		v, err := ParseVersion(tt.product, tt.in)
		if err != nil || v.String() != tt.norm || !slices.Equal(v.Segments(), tt.segs) {
			t.Errorf("%s %q: got %q %v, %v", tt.product, tt.in, v, v.Segments(), err)
		}
	}
}

func TestParseVersionGarbage(t *testing.T) {
	for _, in := range []string{"", " ", "11.x", "x", "9999999999999999999", "..", "-1",
		strings.Repeat("1.", 100) + "1", "\x00\xff", "bookworm/sid"} {
		if _, err := ParseVersion("php", in); !errors.Is(err, ErrBadVersion) {
			t.Errorf("%q: err = %v, want ErrBadVersion", in, err)
		}
	}
}

func TestCompare(t *testing.T) {
	v := func(p, s string) Version {
		x, err := ParseVersion(p, s)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	tests := []struct {
		p, a, b string
		want    int
	}{
		{"php", "8.3.9", "8.3.14", -1},
		{"cpanel", "11.110.0.97", "11.110.0.154", -1},
		{"webmin", "2.105", "2.660", -1},
		{"webmin", "1.999", "2.000", -1},
		{"directadmin", "1.62.9", "1.640", -1},
		{"proxmox-ve", "8.4.1", "8.4", 1},
		{"plesk", "18.0.66", "18.0.66.0", 0},
	}
	for _, tt := range tests {
		if got := v(tt.p, tt.a).Compare(v(tt.p, tt.b)); got != tt.want {
			t.Errorf("%s %s vs %s = %d", tt.p, tt.a, tt.b, got)
		}
	}
	if (Version{}).Compare(v("php", "1")) != -1 || v("php", "1").Compare(Version{}) != 1 || (Version{}).Compare(Version{}) != 0 {
		t.Error("zero Version ordering")
	}
}

// FuzzParseVersion checks that the product-version parser and the cycle
// matcher never panic and that what parses has at least one segment and
// orders consistently against itself.
func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{"8.3.14", "11.118.0.15", "15-SP5", "1.62.9", "7.0 Update 3w", "", "11.x",
		"9999999999999999999", "22.04", "3.2.11p1", "1.2.3-beta+meta", "v2"} {
		f.Add("php", s)
		f.Add("cpanel", s)
	}
	d, err := Default()
	if err != nil {
		f.Fatal(err)
	}
	products := []string{"php", "cpanel", "sles", "directadmin", "esxi", "ubuntu", "plesk", "webmin", "nope"}
	f.Fuzz(func(t *testing.T, product, s string) {
		v, err := ParseVersion(product, s)
		if err == nil {
			if len(v.Segments()) == 0 {
				t.Fatalf("%q parsed with no segments", s)
			}
			if v.Compare(v) != 0 {
				t.Fatalf("%q not equal to itself", s)
			}
		}
		for _, p := range products {
			_ = d.Evaluate(p, s, d.SnapshotDate.Time())
		}
	})
}
