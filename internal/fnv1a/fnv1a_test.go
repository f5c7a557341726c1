package fnv1a

import (
	"hash/fnv"
	"testing"
)

func std(parts ...[]byte) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum64()
}

// TestIsHashFNV: the values are hash/fnv's, so digests stored before this
// package are the ones computed after it (a change would make every
// host's next report rewrite all its findings).
func TestIsHashFNV(t *testing.T) {
	for _, s := range []string{"", "a", "openssl", "CVE-2024-0727\x00", "ümlaut ☃", string(make([]byte, 300))} {
		if got, want := uint64(Offset.Str(s).Byte(0)), std([]byte(s), []byte{0}); got != want {
			t.Errorf("%q: %x, want %x", s, got, want)
		}
	}
}

func FuzzFNV(f *testing.F) {
	f.Add("openssl", byte(0))
	f.Fuzz(func(t *testing.T, s string, b byte) {
		if got, want := uint64(Offset.Str(s).Byte(b)), std([]byte(s), []byte{b}); got != want {
			t.Fatalf("%q %d: %x, want %x", s, b, got, want)
		}
	})
}
