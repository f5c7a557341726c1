// Package fnv1a is 64-bit FNV-1a with hash/fnv's values, over strings and
// bytes without the []byte conversions a hash.Hash needs: the server
// fingerprints every field of every finding and pending package of every
// report it stores.
package fnv1a

// Hash is a running FNV-1a hash; start from Offset.
type Hash uint64

const (
	// Offset is the hash of nothing (hash/fnv's offset basis).
	Offset Hash = 14695981039346656037
	prime  Hash = 1099511628211
)

// Str adds the bytes of s.
func (h Hash) Str(s string) Hash {
	for i := 0; i < len(s); i++ {
		h ^= Hash(s[i])
		h *= prime
	}
	return h
}

// Byte adds one byte.
func (h Hash) Byte(b byte) Hash {
	h ^= Hash(b)
	h *= prime
	return h
}
