package reportid

import (
	"sort"
	"testing"
	"time"
)

func TestAt(t *testing.T) {
	t.Parallel()
	// RFC 9562, appendix A.6: the example version 7 UUID.
	rfc := [10]byte{0x0c, 0xc3, 0x18, 0xc4, 0xdc, 0x0c, 0x0c, 0x07, 0x39, 0x8f}
	ones := [10]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	for _, tc := range []struct {
		name   string
		t      time.Time
		random [10]byte
		want   string
	}{
		{"rfc example", time.UnixMilli(0x017F22E279B0), rfc, "017f22e2-79b0-7cc3-98c4-dc0c0c07398f"},
		{"version and variant bits win over random", time.UnixMilli(1), ones, "00000000-0001-7fff-bfff-ffffffffffff"},
		{"zero", time.UnixMilli(0), [10]byte{}, "00000000-0000-7000-8000-000000000000"},
		{"before 1970 clamps to 0", time.Unix(-100, 0), [10]byte{}, "00000000-0000-7000-8000-000000000000"},
		{"past 48 bits clamps", time.UnixMilli(1 << 50), [10]byte{}, "ffffffff-ffff-7000-8000-000000000000"},
		{"sub-millisecond is dropped", time.UnixMilli(0x017F22E279B0).Add(999 * time.Microsecond), rfc, "017f22e2-79b0-7cc3-98c4-dc0c0c07398f"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := At(tc.t, tc.random); got != tc.want {
				t.Errorf("At = %s, want %s", got, tc.want)
			}
		})
	}
}

// TestTimeOrder: ids of later times sort after earlier ones whatever
// their random bits, which is what keeps the server's index appending.
func TestTimeOrder(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 12, 8, 2, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 500 {
		r := [10]byte{byte(255 - i), byte(i * 7), byte(i * 13), byte(i)}
		ids = append(ids, At(base.Add(time.Duration(i)*time.Millisecond), r))
	}
	if !sort.StringsAreSorted(ids) {
		t.Fatal("ids of increasing times are not in order")
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	now := time.Now()
	for range 1000 {
		id := New(now)
		if seen[id] || len(id) != 36 || id[14] != '7' || id[19] < '8' || id[19] > 'b' {
			t.Fatalf("bad or repeated id %s", id)
		}
		seen[id] = true
	}
	if id, later := New(now), New(now.Add(time.Millisecond)); id >= later {
		t.Errorf("New(now) = %s sorts after New(now + 1ms) = %s", id, later)
	}
}
