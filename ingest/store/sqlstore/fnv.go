package sqlstore

// fnv64a is FNV-1a of 64 bits, the values of hash/fnv's New64a, over
// strings without the []byte conversions a hash.Hash needs: the ingest
// path hashes every field of every finding and pending package of every
// report in the writer.
type fnv64a uint64

const (
	fnvOffset64 fnv64a = 14695981039346656037
	fnvPrime64  fnv64a = 1099511628211
)

// str adds the bytes of s.
func (h fnv64a) str(s string) fnv64a {
	for i := 0; i < len(s); i++ {
		h ^= fnv64a(s[i])
		h *= fnvPrime64
	}
	return h
}

// byte adds one byte.
func (h fnv64a) byte(b byte) fnv64a {
	h ^= fnv64a(b)
	h *= fnvPrime64
	return h
}
