package store_test

import (
	"reflect"
	"testing"

	"github.com/demarc/demarc/ingest/store"
)

// TestStoreIsItsConcerns: every method of Store belongs to exactly one of
// the concerns' interfaces, or is one of Store's own (Migrate, Ping,
// Close), so a method added straight to Store, or to two concerns, fails.
func TestStoreIsItsConcerns(t *testing.T) {
	t.Parallel()
	concerns := []reflect.Type{
		reflect.TypeFor[store.Writer](), reflect.TypeFor[store.FleetReader](), reflect.TypeFor[store.UpdateReader](),
		reflect.TypeFor[store.AckStore](), reflect.TypeFor[store.SessionStore](), reflect.TypeFor[store.TokenStore](),
		reflect.TypeFor[store.EnrollStore](), reflect.TypeFor[store.RecordStore](), reflect.TypeFor[store.LifecycleStore](),
		reflect.TypeFor[store.StateStore](),
	}
	of := map[string]string{"Migrate": "Store", "Ping": "Store", "Close": "Store"}
	for _, c := range concerns {
		for i := range c.NumMethod() {
			m := c.Method(i).Name
			if prev, ok := of[m]; ok {
				t.Errorf("%s is in both %s and %s", m, prev, c.Name())
			}
			of[m] = c.Name()
		}
	}
	st := reflect.TypeFor[store.Store]()
	for i := range st.NumMethod() {
		if m := st.Method(i).Name; of[m] == "" {
			t.Errorf("Store.%s is in no concern's interface", m)
		}
	}
	if st.NumMethod() != len(of) {
		t.Errorf("Store has %d methods, its concerns and own %d", st.NumMethod(), len(of))
	}
}
