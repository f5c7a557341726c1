package words

import "testing"

func TestCount(t *testing.T) {
	for _, c := range []struct {
		n    int
		want string
	}{{0, "0 patches"}, {1, "1 patch"}, {2, "2 patches"}, {-1, "-1 patches"}} {
		if got := Count(c.n, "patch", "patches"); got != c.want {
			t.Errorf("Count(%d) = %q, want %q", c.n, got, c.want)
		}
	}
	if Pick(1, "y", "ies") != "y" || Pick(5, "y", "ies") != "ies" {
		t.Error("Pick")
	}
}
