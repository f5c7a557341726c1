package rpmdb

import (
	"bytes"
	"database/sql"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite" // the test's own writer of WAL frames; never linked into demarc
)

// writeNDB lays out blobs as rpm's ndb backend does (rpmpkg.c): header,
// one slot page, blobs in 16-byte blocks with head and tail. Debian's rpm
// has no ndb backend, so this writer stands in for it. The reader was
// also checked by hand, once, against a real SLES 15 BCI image's
// Packages.db (35 packages: system-user-root, filesystem, glibc, …), a
// real BDB Packages of EL8 (libuuid) and a real CBL-Mariner 2.0
// rpmdb.sqlite (129 packages), all public test data of another project,
// not committed here.
func writeNDB(blobs [][]byte) []byte {
	le := binary.LittleEndian
	out := make([]byte, ndbPage)
	le.PutUint32(out[0:], ndbMagic)
	le.PutUint32(out[12:], 1)
	for off := 32; off < ndbPage; off += ndbSlot {
		le.PutUint32(out[off:], ndbSlotMagic)
	}
	for i, b := range blobs {
		blk := (len(b) + ndbBlobHead + ndbBlobTail + ndbBlock - 1) / ndbBlock
		blkoff := len(out) / ndbBlock
		buf := make([]byte, blk*ndbBlock)
		le.PutUint32(buf[0:], ndbBlobMagic)
		le.PutUint32(buf[4:], uint32(i+1))
		le.PutUint32(buf[12:], uint32(len(b)))
		copy(buf[ndbBlobHead:], b)
		le.PutUint32(buf[len(buf)-4:], 'B'|'l'<<8|'b'<<16|'E'<<24)
		out = append(out, buf...)
		s := out[32+ndbSlot*i:]
		le.PutUint32(s[4:], uint32(i+1))
		le.PutUint32(s[8:], uint32(blkoff))
		le.PutUint32(s[12:], uint32(blk))
	}
	return out
}

func TestRealNDBLayout(t *testing.T) {
	buildRealDB(t)
	blobs, err := sqliteBlobs(filepath.Join(realDB.dir, "rpmdb.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Packages.db"), writeNDB(blobs[:200]), 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := Read(slash(t), dir)
	if err != nil {
		t.Fatal(err)
	}
	if db.Backend != NDB || len(db.Headers) != 200 {
		t.Fatalf("backend %s, %d headers", db.Backend, len(db.Headers))
	}
}

// TestRealSQLiteWAL copies the real database, changes it through SQLite
// with checkpoints off and reads it while the connection is open: the
// committed frames of rpmdb.sqlite-wal must be seen, the uncommitted not.
func TestRealSQLiteWAL(t *testing.T) {
	buildRealDB(t)
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join(realDB.dir, "rpmdb.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "rpmdb.sqlite")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	conn, err := sql.Open("sqlite", p)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	for _, q := range []string{"PRAGMA journal_mode=WAL", "PRAGMA wal_autocheckpoint=0", "DELETE FROM Packages WHERE hnum % 3 = 0"} {
		if _, err := conn.Exec(q); err != nil {
			t.Fatal(q, err)
		}
	}
	var want int
	if err := conn.QueryRow("SELECT count(*) FROM Packages").Scan(&want); err != nil {
		t.Fatal(err)
	}
	tx, err := conn.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec("DELETE FROM Packages WHERE hnum % 3 = 1"); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(p + "-wal"); err != nil || fi.Size() == 0 {
		t.Fatalf("no write-ahead log: %v", err)
	}
	db, err := Read(slash(t), dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(db.Headers) != want {
		t.Fatalf("%d packages, sqlite sees %d", len(db.Headers), want)
	}
	// Without the log, the file alone still holds every package.
	f, _ := os.Open(p)
	defer f.Close()
	fi, _ := f.Stat()
	all, err := ReadSQLite(f, fi.Size(), nil)
	if err != nil || len(all) == want {
		t.Fatalf("the main file alone: %d blobs, %v", len(all), err)
	}
}

func TestMalformed(t *testing.T) {
	hdr := func(entries ...[4]uint32) []byte {
		var b bytes.Buffer
		data := []byte("name\x001.0\x001\x00")
		binary.Write(&b, binary.BigEndian, uint32(len(entries)))
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		for _, e := range entries {
			binary.Write(&b, binary.BigEndian, e)
		}
		b.Write(data)
		return b.Bytes()
	}
	good := hdr([4]uint32{tagName, typeString, 0, 1}, [4]uint32{tagVersion, typeString, 5, 1}, [4]uint32{tagRelease, typeString, 9, 1})
	if h, err := ParseHeader(good); err != nil || h.EVR() != "1.0-1" || h.Epoch != -1 {
		t.Fatalf("good header: %+v %v", h, err)
	}
	for name, b := range map[string][]byte{
		"empty":            nil,
		"no name":          hdr([4]uint32{tagVersion, typeString, 5, 1}, [4]uint32{tagRelease, typeString, 9, 1}),
		"offset past data": hdr([4]uint32{tagName, typeString, 99, 1}),
		"name as int":      hdr([4]uint32{tagName, typeInt32, 0, 1}),
		"epoch past data":  append(hdr([4]uint32{tagName, typeString, 0, 1}, [4]uint32{tagEpoch, typeInt32, 12, 1}), 0),
		"truncated":        good[:len(good)-3],
		"huge index":       {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0},
		"unterminated":     hdr([4]uint32{tagName, typeString, 0, 1}, [4]uint32{tagVersion, typeString, 5, 1}, [4]uint32{tagRelease, typeString, 9, 1}, [4]uint32{tagProvideName, typeStringArray, 9, 5}),
	} {
		if _, err := ParseHeader(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
	for name, f := range map[string]func(b []byte) error{
		"sqlite": func(b []byte) error { _, err := ReadSQLite(bytes.NewReader(b), int64(len(b)), nil); return err },
		"ndb":    func(b []byte) error { _, err := ReadNDB(bytes.NewReader(b), int64(len(b))); return err },
		"bdb":    func(b []byte) error { _, err := ReadBDB(bytes.NewReader(b), int64(len(b))); return err },
	} {
		for _, b := range [][]byte{nil, []byte("SQLite format 3\x00"), bytes.Repeat([]byte{0}, 4096), []byte(strings.Repeat("RpmP", 2000))} {
			if err := f(b); err == nil {
				t.Errorf("%s accepted %d bytes of junk", name, len(b))
			}
		}
	}
}

func TestAmbiguous(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"rpmdb.sqlite", "Packages"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Read(slash(t), dir); !errors.Is(err, ErrAmbiguous) {
		t.Fatalf("%v, want ErrAmbiguous", err)
	}
	if _, err := Read(slash(t), t.TempDir()); !errors.Is(err, ErrNoDatabase) {
		t.Fatalf("%v, want ErrNoDatabase", err)
	}
}
