package aptpolicy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
)

// lz4Plain is the text of testdata/linked.lz4 and independent-checksums.lz4.
func lz4Plain() []byte {
	w := []string{"apt", "lists", "linked", "block", "window", "debian", "security", "stanza"}
	var b bytes.Buffer
	for i := range 2500 {
		var d []string
		for j := range 10 {
			d = append(d, w[(i*j)%8])
		}
		fmt.Fprintf(&b, "Package: pkg%d\nVersion: %d.%d-1\nArchitecture: amd64\nDescription: %s\n\n", i, i%7, i%13, strings.Join(d, " "))
	}
	return b.Bytes()
}

// lz4Random is the content of testdata/raw-blocks.lz4.
func lz4Random() []byte {
	b := make([]byte, 70000)
	x := uint64(1)
	for i := range b {
		x = (x*1103515245 + 12345) % (1 << 31)
		b[i] = byte(x >> 16)
	}
	return b
}

func TestLZ4Reader(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file string
		want []byte
	}{
		{"linked.lz4", lz4Plain()},
		{"independent-checksums.lz4", lz4Plain()},
		{"raw-blocks.lz4", lz4Random()},
		{"linked.lz4+raw-blocks.lz4", append(lz4Plain(), lz4Random()...)},
	} {
		var b []byte
		for _, f := range strings.Split(tc.file, "+") { // several frames in one stream
			part, err := os.ReadFile("testdata/" + f)
			if err != nil {
				t.Fatal(err)
			}
			b = append(b, part...)
		}
		got, err := io.ReadAll(newLZ4Reader(bytes.NewReader(b)))
		if err != nil || !bytes.Equal(got, tc.want) {
			t.Errorf("%s: %v, %d bytes, want %d", tc.file, err, len(got), len(tc.want))
		}
		// Truncated anywhere: an error, never a panic or a silent short read.
		for _, cut := range []int{3, 6, 20, len(b) / 2, len(b) - 1} {
			if _, err := io.ReadAll(newLZ4Reader(bytes.NewReader(b[:cut]))); !errors.Is(err, errLZ4) {
				t.Errorf("%s cut at %d: %v", tc.file, cut, err)
			}
		}
	}
	for _, bad := range []string{"not lz4 at all", "\x04\x22\x4d\x18\x00\x40\x00", "\x04\x22\x4d\x18\x41\x40\x00"} {
		if _, err := io.ReadAll(newLZ4Reader(strings.NewReader(bad))); !errors.Is(err, errLZ4) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// FuzzLZ4Reader: no input makes the frame reader panic or loop.
func FuzzLZ4Reader(f *testing.F) {
	for _, n := range []string{"linked.lz4", "raw-blocks.lz4"} {
		b, err := os.ReadFile("testdata/" + n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[:min(len(b), 4096)])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = io.Copy(io.Discard, newLZ4Reader(bytes.NewReader(b)))
	})
}
