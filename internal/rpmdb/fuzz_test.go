package rpmdb

import (
	"bytes"
	"testing"
)

// seeds are hand-made prefixes of each format; the real databases are
// built by the tests beside (real_test.go), not committed.
func seeds(f *testing.F) {
	f.Add([]byte("SQLite format 3\x00"))
	f.Add(writeNDB([][]byte{{0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 3, 0xe8, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 1, 'a', 0}}))
}

func FuzzParseHeader(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 3, 0xe8, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 1, 'a', 0})
	f.Fuzz(func(t *testing.T, b []byte) { _, _ = ParseHeader(b) })
}

func FuzzReadSQLite(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		half := len(b) / 2
		_, _ = ReadSQLite(bytes.NewReader(b), int64(len(b)), nil)
		_, _ = ReadSQLite(bytes.NewReader(b[:half]), int64(half), b[half:])
	})
}

func FuzzReadNDB(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, b []byte) { _, _ = ReadNDB(bytes.NewReader(b), int64(len(b))) })
}

func FuzzReadBDB(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, b []byte) { _, _ = ReadBDB(bytes.NewReader(b), int64(len(b))) })
}
