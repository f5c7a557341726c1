package ingest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/ingest/store/sqlite"
	"github.com/demarc/demarc/rules/lifecycle"
)

// countingStore counts CurrentLifecycle reads and fails them on demand.
type countingStore struct {
	store.Store
	reads atomic.Int64
	fail  atomic.Bool
}

func (c *countingStore) CurrentLifecycle(ctx context.Context) (store.LifecycleVersion, error) {
	c.reads.Add(1)
	if c.fail.Load() {
		return store.LifecycleVersion{}, errors.New("database down")
	}
	return c.Store.CurrentLifecycle(ctx)
}

// TestCurrentLifecycle: the embedded data until an import; the store is
// asked at most every lifecycleReload; a store that cannot be read keeps
// the data loaded last; a stored version that does not match its hash is
// an error, not other data.
func TestCurrentLifecycle(t *testing.T) {
	ctx := t.Context()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "d.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	st := &countingStore{Store: db}
	var now atomic.Int64
	now.Store(time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC).UnixNano())
	srv, err := New(Config{Store: st, Log: zerolog.Nop(), Retention: -1, Now: func() time.Time { return time.Unix(0, now.Load()) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	tick := func() { now.Add(int64(lifecycleReload + time.Second)) }

	emb, err := lifecycle.Default()
	if err != nil {
		t.Fatal(err)
	}
	d, etag, err := srv.currentLifecycle(ctx)
	if err != nil || d != emb || etag != sha256Hex(lifecycle.Embedded()) {
		t.Fatalf("nothing imported: %v %s %v, want the embedded data", d == emb, etag, err)
	}
	for range 10 {
		if _, _, err := srv.currentLifecycle(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := st.reads.Load(); n != 1 {
		t.Errorf("%d store reads within the reload interval, want 1", n)
	}

	php, err := lifecycle.Import(emb, []lifecycle.ImportFile{{Name: "php.json", Data: readFixture(t, "apiv1/php-8.2-eol.json")}}, lifecycle.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewLifecycleVersion(php, 1, "admin", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutLifecycle(ctx, v); err != nil {
		t.Fatal(err)
	}
	if _, got, _ := srv.currentLifecycle(ctx); got != etag {
		t.Error("an import was seen before the reload interval passed")
	}
	tick()
	d, got, err := srv.currentLifecycle(ctx)
	if err != nil || got != v.SHA256 || d.Product("php").Cycle("8.2").EOL.Date.String() != "2026-11-15" {
		t.Fatalf("after the reload interval: %s %v, want version 1", got, err)
	}

	st.fail.Store(true)
	tick()
	if _, got, err := srv.currentLifecycle(ctx); err != nil || got != v.SHA256 {
		t.Errorf("store down: %s %v, want version 1 kept", got, err)
	}
	st.fail.Store(false)

	bad := v
	bad.Version, bad.SHA256 = 2, sha256Hex([]byte("something else"))
	if err := st.PutLifecycle(ctx, bad); err != nil {
		t.Fatal(err)
	}
	tick()
	if _, _, err := srv.currentLifecycle(ctx); err == nil {
		t.Error("a version whose body does not match its hash was used")
	}
	garbage := v
	garbage.Version, garbage.Gzip = 3, []byte("not gzip")
	if err := st.PutLifecycle(ctx, garbage); err != nil {
		t.Fatal(err)
	}
	tick()
	if _, _, err := srv.currentLifecycle(ctx); err == nil {
		t.Error("a version whose body is not gzip was used")
	}
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := lifecycleTestdata(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func lifecycleTestdata(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join("..", "rules", "lifecycle", "testdata", name))
}
