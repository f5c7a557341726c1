package decompress

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

func TestReader(t *testing.T) {
	const text = "Package: hello\nVersion: 1.0-1\n"
	var gz, x, z bytes.Buffer
	g := gzip.NewWriter(&gz)
	g.Write([]byte(text))
	g.Close()
	xw, _ := xz.NewWriter(&x)
	xw.Write([]byte(text))
	xw.Close()
	zw, _ := zstd.NewWriter(&z)
	zw.Write([]byte(text))
	zw.Close()
	for name, b := range map[string][]byte{"a_Packages.gz": gz.Bytes(), "primary.xml.xz": x.Bytes(), "primary.xml.zst": z.Bytes()} {
		r, err := Reader(name, bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := io.ReadAll(r)
		r.Close()
		if err != nil || string(got) != text {
			t.Errorf("%s: %q, %v", name, got, err)
		}
	}
	// Malformed input: a clear error, at open or at read.
	for _, name := range []string{"x.gz", "x.xz", "x.bz2", "x.lzma", "x.zst"} {
		r, err := Reader(name, bytes.NewReader([]byte("not compressed at all")))
		if err == nil {
			_, err = io.ReadAll(r)
			r.Close()
		}
		if err == nil {
			t.Errorf("%s: junk decompressed without an error", name)
		}
	}
	if _, err := Reader("x.lz5", bytes.NewReader(nil)); !errors.Is(err, ErrUnknown) {
		t.Errorf("unknown suffix: %v", err)
	}
}
