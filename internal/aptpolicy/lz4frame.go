package aptpolicy

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/pierrec/lz4/v4"
)

// errLZ4 is a malformed or unsupported LZ4 frame.
var errLZ4 = errors.New("lz4 frame")

// lz4Reader decodes the LZ4 frame format apt stores lists in (liblz4's
// LZ4F with linked 64 KiB blocks), block by block into one buffer that
// keeps the 64 KiB window linked blocks refer back to. lz4.Reader appends
// every block to a dictionary it reallocates each time (100 MB of garbage
// for Debian's 50 MB main list, and the peak RSS with it); this reader
// allocates once. Block and content checksums are skipped, not verified:
// a corrupt block fails to decode or yields a malformed stanza.
type lz4Reader struct {
	src      io.Reader
	buf      []byte // [history | decoded, not yet read | free]
	rd, wr   int    // unread data is buf[rd:wr]
	blockMax int
	linked   bool
	blockSum bool
	contSum  bool
	inFrame  bool
	comp     []byte
	err      error
}

const lz4Window = 64 << 10

func newLZ4Reader(r io.Reader) *lz4Reader { return &lz4Reader{src: r} }

func (z *lz4Reader) Read(p []byte) (int, error) {
	for z.rd == z.wr {
		if z.err != nil {
			return 0, z.err
		}
		z.err = z.block()
	}
	n := copy(p, z.buf[z.rd:z.wr])
	z.rd += n
	return n, nil
}

// header reads a frame header; io.EOF at a clean end of the input.
func (z *lz4Reader) header() error {
	var h [7]byte
	if _, err := io.ReadFull(z.src, h[:4]); err != nil {
		if err == io.EOF {
			return io.EOF
		}
		return fmt.Errorf("%w: %w", errLZ4, err)
	}
	if binary.LittleEndian.Uint32(h[:4]) != 0x184D2204 {
		return fmt.Errorf("%w: not an LZ4 frame (magic %x)", errLZ4, h[:4])
	}
	if _, err := io.ReadFull(z.src, h[4:6]); err != nil {
		return fmt.Errorf("%w: %w", errLZ4, err)
	}
	flg, bd := h[4], h[5]
	if flg>>6 != 1 || flg&1 != 0 {
		return fmt.Errorf("%w: version or dictionary id not supported (FLG %#x)", errLZ4, flg)
	}
	z.linked, z.blockSum, z.contSum = flg&0x20 == 0, flg&0x10 != 0, flg&0x04 != 0
	size := map[byte]int{4: 64 << 10, 5: 256 << 10, 6: 1 << 20, 7: 4 << 20}[bd>>4&7]
	if size == 0 {
		return fmt.Errorf("%w: block size %#x", errLZ4, bd)
	}
	skip := 1 // header checksum
	if flg&0x08 != 0 {
		skip += 8 // content size
	}
	if _, err := io.CopyN(io.Discard, z.src, int64(skip)); err != nil {
		return fmt.Errorf("%w: %w", errLZ4, err)
	}
	if z.blockMax != size || z.buf == nil {
		z.blockMax = size
		z.buf = make([]byte, lz4Window+max(4*size, 1<<20))
		z.comp = make([]byte, size)
	}
	z.rd, z.wr, z.inFrame = 0, 0, true
	return nil
}

// block decodes the next block into the buffer.
func (z *lz4Reader) block() error {
	if !z.inFrame {
		if err := z.header(); err != nil {
			return err
		}
	}
	var sz [4]byte
	if _, err := io.ReadFull(z.src, sz[:]); err != nil {
		return fmt.Errorf("%w: %w", errLZ4, err)
	}
	n := binary.LittleEndian.Uint32(sz[:])
	if n == 0 { // end mark
		if z.contSum {
			if _, err := io.CopyN(io.Discard, z.src, 4); err != nil {
				return fmt.Errorf("%w: %w", errLZ4, err)
			}
		}
		z.inFrame = false
		return nil // the next frame, or io.EOF
	}
	raw := n&0x80000000 != 0
	n &^= 0x80000000
	if int(n) > z.blockMax {
		return fmt.Errorf("%w: block of %d bytes, maximum %d", errLZ4, n, z.blockMax)
	}
	if _, err := io.ReadFull(z.src, z.comp[:n]); err != nil {
		return fmt.Errorf("%w: %w", errLZ4, err)
	}
	if z.blockSum {
		if _, err := io.CopyN(io.Discard, z.src, 4); err != nil {
			return fmt.Errorf("%w: %w", errLZ4, err)
		}
	}
	// Room for a whole block: else keep only the window.
	if len(z.buf)-z.wr < z.blockMax {
		keep := min(z.wr, lz4Window)
		copy(z.buf, z.buf[z.wr-keep:z.wr])
		z.wr = keep
	}
	if !z.linked {
		z.wr = 0
	}
	z.rd = z.wr
	dst := z.buf[z.wr : z.wr+z.blockMax]
	var out int
	if raw {
		out = copy(dst, z.comp[:n])
	} else {
		var err error
		if out, err = lz4.UncompressBlockWithDict(z.comp[:n], dst, z.buf[max(0, z.wr-lz4Window):z.wr]); err != nil {
			return fmt.Errorf("%w: %w", errLZ4, err)
		}
	}
	z.wr += out
	return nil
}
