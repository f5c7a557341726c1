// Package decompress opens the compressed index files package managers
// keep (apt's lists, dnf's repodata) by their file name's suffix: one
// place for the formats, shared by internal/aptpolicy and internal/repomd.
package decompress

import (
	"compress/bzip2"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"
)

// ErrUnknown is returned for a suffix no reader here knows.
var ErrUnknown = errors.New("unknown compression")

// Exts are the suffixes Reader decompresses.
var Exts = []string{".gz", ".xz", ".bz2", ".lzma", ".zst"}

// Reader returns r decompressed by the suffix of name (one of Exts);
// closing it releases the decoder, not r.
func Reader(name string, r io.Reader) (io.ReadCloser, error) {
	switch {
	case strings.HasSuffix(name, ".gz"):
		g, err := gzip.NewReader(r)
		if err != nil {
			return nil, err
		}
		return g, nil
	case strings.HasSuffix(name, ".xz"):
		x, err := xz.NewReader(r)
		if err != nil {
			return nil, err
		}
		return io.NopCloser(x), nil
	case strings.HasSuffix(name, ".bz2"):
		return io.NopCloser(bzip2.NewReader(r)), nil
	case strings.HasSuffix(name, ".lzma"):
		l, err := lzma.NewReader(r)
		if err != nil {
			return nil, err
		}
		return io.NopCloser(l), nil
	case strings.HasSuffix(name, ".zst"):
		z, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		return zstdCloser{z}, nil
	}
	return nil, fmt.Errorf("%s: %w", name, ErrUnknown)
}

type zstdCloser struct{ *zstd.Decoder }

func (z zstdCloser) Close() error { z.Decoder.Close(); return nil }
