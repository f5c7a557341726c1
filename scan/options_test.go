package scan

import (
	"reflect"
	"testing"
)

// TestOptionsHaveNoRegistrySeam: the collector list can be swapped only
// through the unexported registry field (this package's tests, and
// WithCollectors in a demarctest build); an exported field named Registry
// or of the registry's type would put the test seam back into the
// production API.
func TestOptionsHaveNoRegistrySeam(t *testing.T) {
	t.Parallel()
	seam := reflect.TypeOf(registryOf)
	typ := reflect.TypeOf(Options{})
	f, ok := typ.FieldByName("registry")
	if !ok || f.Type != seam {
		t.Fatalf("Options.registry is missing or not of type %s", seam)
	}
	for i := range typ.NumField() {
		f := typ.Field(i)
		if !f.IsExported() {
			continue
		}
		if f.Name == "Registry" || f.Type == seam {
			t.Errorf("Options.%s (%s) is an exported collector-list seam", f.Name, f.Type)
		}
	}
}
