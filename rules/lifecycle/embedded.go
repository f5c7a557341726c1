package lifecycle

// MaxDatasetBytes bounds a lifecycle dataset's JSON: what the server
// imports and serves and what an agent caches (the embedded data is about
// a quarter of a megabyte).
const MaxDatasetBytes = 16 << 20

// Embedded returns the embedded dataset's JSON, as Default parses it.
func Embedded() []byte { return append([]byte(nil), embedded...) }
