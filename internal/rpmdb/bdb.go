package rpmdb

import (
	"encoding/binary"
	"fmt"
	"io"
)

// Berkeley DB hash databases (rpm < 4.16's Packages; CentOS 7, RHEL 7,
// Amazon Linux 2), as db-5.3's dbinc/db_page.h and hash.h lay them out:
// page 0 is the hash metadata page (magic 0x061561 at offset 12, page size
// at 20, last page number at 32, page type 8); every page has a 26-byte
// header (page number at 8, next page at 16, entry count at 20, the
// overflow length at 22, page type at 25) followed by the index of item
// offsets. Hash pages (type 13, or 2 unsorted) hold key/data pairs; an item
// is H_KEYDATA (1: the bytes inline) or H_OFFPAGE (3: the first overflow
// page at 4, the total length at 8), whose overflow pages (type 7) carry
// their part after the page header. The byte order is the writing
// machine's, told by the magic.
const (
	bdbHashMagic    = 0x061561
	bdbPageHeader   = 26
	bdbTypeHashMeta = 8
	bdbTypeHashOld  = 2
	bdbTypeHash     = 13
	bdbTypeOverflow = 7
	bdbKeyData      = 1
	bdbOffPage      = 3
)

// ReadBDB returns the header blobs of a Berkeley DB hash Packages file, in
// page order. Instance 0 (rpm's counter record) is skipped. Encrypted or
// checksummed databases are refused.
func ReadBDB(r io.ReaderAt, size int64) ([][]byte, error) {
	meta := make([]byte, 512)
	if _, err := r.ReadAt(meta, 0); err != nil {
		return nil, fmt.Errorf("%w: bdb metadata page: %v", ErrMalformed, err)
	}
	var order binary.ByteOrder
	switch {
	case binary.LittleEndian.Uint32(meta[12:]) == bdbHashMagic:
		order = binary.LittleEndian
	case binary.BigEndian.Uint32(meta[12:]) == bdbHashMagic:
		order = binary.BigEndian
	default:
		return nil, fmt.Errorf("%w: not a Berkeley DB hash database", ErrMalformed)
	}
	ps := int64(order.Uint32(meta[20:]))
	if ps < 512 || ps > 65536 || ps&(ps-1) != 0 {
		return nil, fmt.Errorf("%w: bdb page size %d", ErrMalformed, ps)
	}
	if meta[25] != bdbTypeHashMeta {
		return nil, fmt.Errorf("%w: bdb page 0 has type %d, want hash metadata", ErrMalformed, meta[25])
	}
	if meta[24] != 0 || meta[26]&1 != 0 {
		return nil, fmt.Errorf("%w: encrypted or checksummed Berkeley DB database", ErrMalformed)
	}
	last := int64(order.Uint32(meta[32:]))
	if (last+1)*ps > size {
		return nil, fmt.Errorf("%w: bdb last page %d beyond %d bytes", ErrMalformed, last, size)
	}
	d := &bdb{r: r, order: order, ps: ps, last: last}
	var out [][]byte
	for n := int64(1); n <= last; n++ {
		p, err := d.page(n)
		if err != nil {
			return nil, err
		}
		if p[25] != bdbTypeHash && p[25] != bdbTypeHashOld {
			continue
		}
		entries := int(order.Uint16(p[20:]))
		if bdbPageHeader+2*entries > int(ps) || entries%2 != 0 {
			return nil, fmt.Errorf("%w: bdb page %d: %d entries", ErrMalformed, n, entries)
		}
		for i := 0; i < entries; i += 2 {
			key, err := d.item(p, i)
			if err != nil {
				return nil, fmt.Errorf("bdb page %d key %d: %w", n, i/2, err)
			}
			if len(key) == 4 && order.Uint32(key) == 0 {
				continue
			}
			val, err := d.item(p, i+1)
			if err != nil {
				return nil, fmt.Errorf("bdb page %d value %d: %w", n, i/2, err)
			}
			out = append(out, val)
		}
	}
	return out, nil
}

type bdb struct {
	r     io.ReaderAt
	order binary.ByteOrder
	ps    int64
	last  int64
}

func (d *bdb) page(n int64) ([]byte, error) {
	if n < 1 || n > d.last {
		return nil, fmt.Errorf("%w: bdb page %d of %d", ErrMalformed, n, d.last)
	}
	p := make([]byte, d.ps)
	if _, err := d.r.ReadAt(p, n*d.ps); err != nil {
		return nil, fmt.Errorf("read bdb page %d: %w", n, err)
	}
	return p, nil
}

// item returns the bytes of item i of a hash page: inline, or gathered
// from its overflow pages.
func (d *bdb) item(p []byte, i int) ([]byte, error) {
	off := int(d.order.Uint16(p[bdbPageHeader+2*i:]))
	end := int(d.ps)
	if i > 0 {
		end = int(d.order.Uint16(p[bdbPageHeader+2*(i-1):]))
	}
	if off < bdbPageHeader || off >= end || end > int(d.ps) {
		return nil, fmt.Errorf("%w: item at %d..%d", ErrMalformed, off, end)
	}
	switch p[off] {
	case bdbKeyData:
		return p[off+1 : end], nil
	case bdbOffPage:
		if off+12 > end {
			return nil, fmt.Errorf("%w: short off-page item", ErrMalformed)
		}
		next, total := int64(d.order.Uint32(p[off+4:])), int(d.order.Uint32(p[off+8:]))
		if total > maxDataLen {
			return nil, fmt.Errorf("%w: off-page item of %d bytes", ErrMalformed, total)
		}
		out := make([]byte, 0, total)
		for visited := int64(0); len(out) < total; visited++ {
			if next == 0 || visited > d.last {
				return nil, fmt.Errorf("%w: overflow chain ends after %d of %d bytes", ErrMalformed, len(out), total)
			}
			o, err := d.page(next)
			if err != nil {
				return nil, err
			}
			if o[25] != bdbTypeOverflow {
				return nil, fmt.Errorf("%w: bdb page %d has type %d, want overflow", ErrMalformed, next, o[25])
			}
			n := int(d.order.Uint16(o[22:]))
			if bdbPageHeader+n > int(d.ps) || len(out)+n > total {
				return nil, fmt.Errorf("%w: overflow page %d holds %d bytes", ErrMalformed, next, n)
			}
			out = append(out, o[bdbPageHeader:bdbPageHeader+n]...)
			next = int64(d.order.Uint32(o[16:]))
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: item type %d", ErrMalformed, p[off])
}
