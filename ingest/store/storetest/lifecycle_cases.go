package storetest

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest/store"
)

// testLifecycleVersions: none imported is ErrNotFound; versions are kept,
// the highest is current with its body; a taken number is ErrConflict and
// changes nothing; the list leaves bodies out.
func testLifecycleVersions(t *testing.T, s store.Store) {
	ctx := t.Context()
	if _, err := s.CurrentLifecycle(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("no version: err %v, want ErrNotFound", err)
	}
	if vs, err := s.LifecycleVersions(ctx); err != nil || len(vs) != 0 {
		t.Fatalf("no version: list %v %v", vs, err)
	}
	body := func(n byte) []byte { return bytes.Repeat([]byte{0x1f, 0x8b, n, 0}, 1000) }
	v1 := store.LifecycleVersion{Version: 1, ImportedAt: t0, ImportedBy: meta, DataDate: "2026-11-28", SHA256: "aa", Gzip: body(1)}
	v2 := store.LifecycleVersion{Version: 2, ImportedAt: t0.Add(time.Hour), ImportedBy: "admin", DataDate: "2027-01-15", SHA256: "bb", Gzip: body(2)}
	for _, v := range []store.LifecycleVersion{v1, v2} {
		if err := s.PutLifecycle(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	dup := v2
	dup.SHA256, dup.Gzip = "cc", body(3)
	if err := s.PutLifecycle(ctx, dup); !errors.Is(err, store.ErrConflict) {
		t.Errorf("taken version: err %v, want ErrConflict", err)
	}
	if err := s.PutLifecycle(ctx, store.LifecycleVersion{Version: 3, SHA256: "dd"}); err == nil {
		t.Error("a version without a body was stored")
	}
	cur, err := s.CurrentLifecycle(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cur.Version != 2 || cur.SHA256 != "bb" || !bytes.Equal(cur.Gzip, v2.Gzip) || cur.DataDate != "2027-01-15" ||
		cur.ImportedBy != "admin" || !cur.ImportedAt.Equal(v2.ImportedAt) {
		t.Errorf("current %+v, want version 2 as stored", cur)
	}
	vs, err := s.LifecycleVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 || vs[0].Version != 1 || vs[1].Version != 2 || vs[0].ImportedBy != meta || vs[0].Gzip != nil || !vs[0].ImportedAt.Equal(t0) {
		t.Errorf("versions %+v", vs)
	}
}
