package all

import (
	"runtime"
	"slices"
	"testing"
)

// TestRegistryOrder: the registry keeps its order on every platform, and on
// Linux has every collector.
func TestRegistryOrder(t *testing.T) {
	names := Names()
	got := slices.DeleteFunc(slices.Clone(order), func(n string) bool { return !slices.Contains(names, n) })
	if !slices.Equal(names, got) {
		t.Fatalf("Names() = %q, not in registry order %q", names, order)
	}
	if runtime.GOOS == "linux" && (len(names) != len(order) || len(Unsupported()) != 0) {
		t.Fatalf("on Linux: %q built, %q unsupported", names, Unsupported())
	}
}
