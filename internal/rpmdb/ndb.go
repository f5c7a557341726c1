package rpmdb

import (
	"encoding/binary"
	"fmt"
	"io"
)

// The NDB package database (Packages.db, rpm ≥ 4.15's "ndb" backend, SUSE's
// default), as rpm's lib/backend/ndb/rpmpkg.c lays it out: little-endian
// 32-bit words; a 32-byte header, then the slot pages (16-byte slots:
// magic, package index, block offset, block count; block offset 0 is an
// empty slot), then blobs in 16-byte blocks, each a 16-byte head (magic,
// package index, generation, length), the header blob and a 12-byte tail.
const (
	ndbMagic     = 'R' | 'p'<<8 | 'm'<<16 | 'P'<<24
	ndbSlotMagic = 'S' | 'l'<<8 | 'o'<<16 | 't'<<24
	ndbBlobMagic = 'B' | 'l'<<8 | 'b'<<16 | 'S'<<24
	ndbPage      = 4096
	ndbSlot      = 16
	ndbBlock     = 16
	ndbBlobHead  = 16
	ndbBlobTail  = 12
	ndbMaxSlotPg = 2048 // 2048 pages of 256 slots: half a million packages
)

// ReadNDB returns the header blobs of an NDB Packages.db, in slot order.
func ReadNDB(r io.ReaderAt, size int64) ([][]byte, error) {
	var hdr [32]byte
	if _, err := r.ReadAt(hdr[:], 0); err != nil {
		return nil, fmt.Errorf("%w: ndb header: %v", ErrMalformed, err)
	}
	le := binary.LittleEndian
	if le.Uint32(hdr[0:]) != ndbMagic {
		return nil, fmt.Errorf("%w: not an ndb Packages.db", ErrMalformed)
	}
	if v := le.Uint32(hdr[4:]); v != 0 {
		return nil, fmt.Errorf("%w: ndb version %d", ErrMalformed, v)
	}
	npages := le.Uint32(hdr[12:])
	if npages < 1 || npages > ndbMaxSlotPg || int64(npages)*ndbPage > size {
		return nil, fmt.Errorf("%w: ndb slot pages %d in %d bytes", ErrMalformed, npages, size)
	}
	slots := make([]byte, int(npages)*ndbPage)
	if _, err := r.ReadAt(slots, 0); err != nil {
		return nil, fmt.Errorf("read ndb slots: %w", err)
	}
	var out [][]byte
	for off := 32; off < len(slots); off += ndbSlot {
		s := slots[off : off+ndbSlot]
		if le.Uint32(s) != ndbSlotMagic {
			return nil, fmt.Errorf("%w: ndb slot %d has no magic", ErrMalformed, off/ndbSlot)
		}
		idx, blkoff, blkcnt := le.Uint32(s[4:]), le.Uint32(s[8:]), le.Uint32(s[12:])
		if blkoff == 0 {
			continue
		}
		start, n := int64(blkoff)*ndbBlock, int64(blkcnt)*ndbBlock
		if n < ndbBlobHead+ndbBlobTail || n > maxDataLen || start+n > size {
			return nil, fmt.Errorf("%w: ndb package %d: %d blocks at block %d", ErrMalformed, idx, blkcnt, blkoff)
		}
		blob := make([]byte, n)
		if _, err := r.ReadAt(blob, start); err != nil {
			return nil, fmt.Errorf("read ndb package %d: %w", idx, err)
		}
		if le.Uint32(blob) != ndbBlobMagic || le.Uint32(blob[4:]) != idx {
			return nil, fmt.Errorf("%w: ndb package %d: blob head does not match its slot", ErrMalformed, idx)
		}
		l := int64(le.Uint32(blob[12:]))
		if (ndbBlobHead+l+ndbBlobTail+ndbBlock-1)/ndbBlock != int64(blkcnt) {
			return nil, fmt.Errorf("%w: ndb package %d: blob of %d bytes in %d blocks", ErrMalformed, idx, l, blkcnt)
		}
		out = append(out, blob[ndbBlobHead:ndbBlobHead+l])
	}
	return out, nil
}
