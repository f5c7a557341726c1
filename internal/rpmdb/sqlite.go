package rpmdb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ErrWAL means a SQLite write-ahead log could not be read (a page size
// other than the database's, a short file). Frames that fail their
// checksum are not an error: SQLite itself ignores them.
var ErrWAL = errors.New("unreadable sqlite write-ahead log")

// sqlite is a read-only view of a SQLite 3 database file: just enough of
// the file format (sqlite.org/fileformat2.html) to walk a table b-tree
// and decode its records. It never writes.
type sqlite struct {
	r        io.ReaderAt
	wal      map[uint32][]byte // committed pages of the write-ahead log
	pageSize int               // bytes per page
	usable   int               // pageSize less the reserved bytes at the end of each page
	pages    int64             // pages in the file
}

const sqliteHeaderSize = 100

func openSQLite(r io.ReaderAt, size int64) (*sqlite, error) {
	if size == 0 {
		return nil, fmt.Errorf("%w: empty file", ErrMalformed)
	}
	var hdr [sqliteHeaderSize]byte
	if _, err := r.ReadAt(hdr[:], 0); err != nil {
		return nil, fmt.Errorf("%w: sqlite header: %v", ErrMalformed, err)
	}
	if string(hdr[:16]) != "SQLite format 3\x00" {
		return nil, fmt.Errorf("%w: not a SQLite 3 database", ErrMalformed)
	}
	ps := int(binary.BigEndian.Uint16(hdr[16:18]))
	if ps == 1 {
		ps = 65536
	}
	if ps < 512 || ps&(ps-1) != 0 {
		return nil, fmt.Errorf("%w: sqlite page size %d", ErrMalformed, ps)
	}
	reserved := int(hdr[20])
	if enc := binary.BigEndian.Uint32(hdr[56:60]); enc != 1 && enc != 0 {
		return nil, fmt.Errorf("%w: sqlite text encoding %d, want UTF-8", ErrMalformed, enc)
	}
	s := &sqlite{r: r, pageSize: ps, usable: ps - reserved, pages: size / int64(ps)}
	if s.usable < 480 {
		return nil, fmt.Errorf("%w: sqlite usable page size %d", ErrMalformed, s.usable)
	}
	return s, nil
}

// page reads page n (1-based).
func (s *sqlite) page(n uint32) ([]byte, error) {
	if n < 1 || int64(n) > s.pages {
		return nil, fmt.Errorf("%w: sqlite page %d of %d", ErrMalformed, n, s.pages)
	}
	if b, ok := s.wal[n]; ok {
		return b, nil
	}
	b := make([]byte, s.pageSize)
	if _, err := s.r.ReadAt(b, int64(n-1)*int64(s.pageSize)); err != nil {
		return nil, fmt.Errorf("read sqlite page %d: %w", n, err)
	}
	return b, nil
}

// walkTable calls fn with every row (rowid, record payload) of the table
// b-tree rooted at page root, in rowid order.
func (s *sqlite) walkTable(root uint32, fn func(rowid int64, payload []byte) error) error {
	seen := map[uint32]bool{}
	var walk func(n uint32, depth int) error
	walk = func(n uint32, depth int) error {
		if seen[n] || depth > 64 {
			return fmt.Errorf("%w: sqlite b-tree revisits page %d", ErrMalformed, n)
		}
		seen[n] = true
		b, err := s.page(n)
		if err != nil {
			return err
		}
		h := 0
		if n == 1 {
			h = sqliteHeaderSize
		}
		if h+8 > len(b) {
			return fmt.Errorf("%w: sqlite page %d", ErrMalformed, n)
		}
		kind := b[h]
		ncells := int(binary.BigEndian.Uint16(b[h+3 : h+5]))
		hdrLen := 8
		if kind == 0x05 {
			hdrLen = 12
		}
		ptrs := h + hdrLen
		if ptrs+2*ncells > s.usable {
			return fmt.Errorf("%w: sqlite page %d: %d cells", ErrMalformed, n, ncells)
		}
		switch kind {
		case 0x05: // interior table page: child pointers, then the right-most
			for i := range ncells {
				off := int(binary.BigEndian.Uint16(b[ptrs+2*i:]))
				if off+4 > s.usable {
					return fmt.Errorf("%w: sqlite page %d: cell offset %d", ErrMalformed, n, off)
				}
				if err := walk(binary.BigEndian.Uint32(b[off:]), depth+1); err != nil {
					return err
				}
			}
			return walk(binary.BigEndian.Uint32(b[h+8:]), depth+1)
		case 0x0d: // leaf table page
			for i := range ncells {
				off := int(binary.BigEndian.Uint16(b[ptrs+2*i:]))
				rowid, payload, err := s.leafCell(b, off)
				if err != nil {
					return fmt.Errorf("sqlite page %d cell %d: %w", n, i, err)
				}
				if err := fn(rowid, payload); err != nil {
					return err
				}
			}
			return nil
		}
		return fmt.Errorf("%w: sqlite page %d has type %#x, want a table b-tree page", ErrMalformed, n, kind)
	}
	return walk(root, 0)
}

// leafCell decodes the table leaf cell at off: payload size, rowid, the
// local part of the payload and the overflow chain for the rest.
func (s *sqlite) leafCell(b []byte, off int) (int64, []byte, error) {
	if off >= s.usable {
		return 0, nil, fmt.Errorf("%w: cell offset %d", ErrMalformed, off)
	}
	size, n := varint(b[off:s.usable])
	if n == 0 || size > maxDataLen*2 {
		return 0, nil, fmt.Errorf("%w: payload size", ErrMalformed)
	}
	off += n
	rowid, n := varint(b[off:s.usable])
	if n == 0 {
		return 0, nil, fmt.Errorf("%w: rowid", ErrMalformed)
	}
	off += n
	p := int(size)
	u := s.usable
	x := u - 35
	local := p
	if p > x {
		m := (u-12)*32/255 - 23
		k := m + (p-m)%(u-4)
		local = m
		if k <= x {
			local = k
		}
	}
	if off+local > u || (local < p && off+local+4 > u) {
		return 0, nil, fmt.Errorf("%w: payload of %d bytes overruns its page", ErrMalformed, p)
	}
	payload := make([]byte, 0, p)
	payload = append(payload, b[off:off+local]...)
	next := uint32(0)
	if local < p {
		next = binary.BigEndian.Uint32(b[off+local:])
	}
	for visited := 0; len(payload) < p; visited++ {
		if next == 0 || int64(visited) > s.pages {
			return 0, nil, fmt.Errorf("%w: overflow chain ends after %d of %d bytes", ErrMalformed, len(payload), p)
		}
		ob, err := s.page(next)
		if err != nil {
			return 0, nil, err
		}
		next = binary.BigEndian.Uint32(ob[:4])
		chunk := min(p-len(payload), u-4)
		payload = append(payload, ob[4:4+chunk]...)
	}
	return int64(rowid), payload, nil
}

// varint decodes a SQLite varint (big-endian, 7 bits a byte, the ninth
// byte whole); n is 0 when b is too short.
func varint(b []byte) (uint64, int) {
	var v uint64
	for i := 0; i < 9; i++ {
		if i >= len(b) {
			return 0, 0
		}
		if i == 8 {
			return v<<8 | uint64(b[i]), 9
		}
		v = v<<7 | uint64(b[i]&0x7f)
		if b[i] < 0x80 {
			return v, i + 1
		}
	}
	return v, 9
}

// column is one decoded record value: an integer, or text/blob bytes.
type column struct {
	null  bool
	isInt bool
	i     int64
	b     []byte
}

// record decodes a record payload into its columns. Floats are not
// needed and are refused.
func record(p []byte) ([]column, error) {
	hlen, n := varint(p)
	if n == 0 || hlen > uint64(len(p)) || hlen < uint64(n) {
		return nil, fmt.Errorf("%w: record header", ErrMalformed)
	}
	var types []uint64
	for off := n; off < int(hlen); {
		t, m := varint(p[off:hlen])
		if m == 0 {
			return nil, fmt.Errorf("%w: record serial type", ErrMalformed)
		}
		types = append(types, t)
		off += m
	}
	body := p[hlen:]
	out := make([]column, 0, len(types))
	for _, t := range types {
		var c column
		var size int
		switch {
		case t == 0:
			c.null = true
		case t >= 1 && t <= 6:
			size = []int{0, 1, 2, 3, 4, 6, 8}[t]
			c.isInt = true
		case t == 7:
			return nil, fmt.Errorf("%w: float column", ErrMalformed)
		case t == 8 || t == 9:
			c.isInt, c.i = true, int64(t-8)
		case t >= 12:
			size = int((t - 12) / 2)
		default:
			return nil, fmt.Errorf("%w: record serial type %d", ErrMalformed, t)
		}
		if size > len(body) {
			return nil, fmt.Errorf("%w: record column of %d bytes overruns the record", ErrMalformed, size)
		}
		if c.isInt && size > 0 {
			v := int64(int8(body[0]))
			for _, x := range body[1:size] {
				v = v<<8 | int64(x)
			}
			c.i = v
		} else if !c.isInt && !c.null {
			c.b = body[:size]
		}
		body = body[size:]
		out = append(out, c)
	}
	return out, nil
}

// tableRoot finds the root page of the table called name in the schema
// (sqlite_schema, rooted at page 1).
func (s *sqlite) tableRoot(name string) (uint32, error) {
	var root uint32
	err := s.walkTable(1, func(_ int64, p []byte) error {
		cols, err := record(p)
		if err != nil {
			return err
		}
		if len(cols) >= 4 && string(cols[0].b) == "table" && string(cols[1].b) == name && cols[3].isInt {
			root = uint32(cols[3].i)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite schema: %w", err)
	}
	if root == 0 {
		return 0, fmt.Errorf("%w: no %s table", ErrMalformed, name)
	}
	return root, nil
}

// ReadSQLite returns the header blobs of rpm's SQLite database
// (rpmdb.sqlite: table Packages, columns hnum INTEGER PRIMARY KEY and blob),
// in hnum order. wal is the database's write-ahead log (rpmdb.sqlite-wal),
// nil when there is none: its committed frames are read over the file's
// pages, as SQLite reads them.
func ReadSQLite(r io.ReaderAt, size int64, wal []byte) ([][]byte, error) {
	s, err := openSQLite(r, size)
	if err != nil {
		return nil, err
	}
	if err := s.applyWAL(wal); err != nil {
		return nil, err
	}
	root, err := s.tableRoot("Packages")
	if err != nil {
		return nil, err
	}
	var out [][]byte
	err = s.walkTable(root, func(rowid int64, p []byte) error {
		cols, err := record(p)
		if err != nil {
			return fmt.Errorf("Packages row %d: %w", rowid, err)
		}
		if len(cols) < 2 || cols[1].isInt || cols[1].null {
			return fmt.Errorf("%w: Packages row %d has no blob", ErrMalformed, rowid)
		}
		out = append(out, cols[1].b)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// applyWAL reads the committed frames of a write-ahead log
// (sqlite.org/fileformat2.html#walformat): a 32-byte header (magic, version,
// page size, checkpoint sequence, two salts, a checksum), then frames of a
// 24-byte header (page number, the database size in pages for a commit
// frame, the salts, a cumulative checksum) and a page. Frames count up to
// the last commit frame whose salts match and whose checksum chain holds;
// later ones are a transaction in progress or left from before a restart.
func (s *sqlite) applyWAL(w []byte) error {
	if len(w) == 0 {
		return nil
	}
	if len(w) < 32 {
		return fmt.Errorf("%w: %d bytes", ErrWAL, len(w))
	}
	var order binary.ByteOrder
	switch binary.BigEndian.Uint32(w[0:4]) {
	case 0x377f0682:
		order = binary.LittleEndian
	case 0x377f0683:
		order = binary.BigEndian
	default:
		return fmt.Errorf("%w: bad magic", ErrWAL)
	}
	ps := int(binary.BigEndian.Uint32(w[8:12]))
	s0, s1 := walChecksum(order, w[:24], 0, 0)
	if s0 != binary.BigEndian.Uint32(w[24:28]) || s1 != binary.BigEndian.Uint32(w[28:32]) {
		return nil // a header that fails its checksum: SQLite ignores the log
	}
	if ps != s.pageSize {
		return fmt.Errorf("%w: page size %d, database %d", ErrWAL, ps, s.pageSize)
	}
	salt := w[16:24]
	pending := map[uint32][]byte{}
	committed := map[uint32][]byte{}
	var dbPages uint32
	for off := 32; off+24+ps <= len(w); off += 24 + ps {
		fh := w[off : off+24]
		if string(fh[8:16]) != string(salt) {
			break
		}
		page := w[off+24 : off+24+ps]
		s0, s1 = walChecksum(order, fh[:8], s0, s1)
		s0, s1 = walChecksum(order, page, s0, s1)
		if s0 != binary.BigEndian.Uint32(fh[16:20]) || s1 != binary.BigEndian.Uint32(fh[20:24]) {
			break
		}
		pending[binary.BigEndian.Uint32(fh[0:4])] = page
		if commit := binary.BigEndian.Uint32(fh[4:8]); commit != 0 {
			for k, v := range pending {
				committed[k] = v
			}
			clear(pending)
			dbPages = commit
		}
	}
	if dbPages == 0 {
		return nil
	}
	s.wal, s.pages = committed, int64(dbPages)
	return nil
}

// walChecksum continues SQLite's WAL checksum over b (a multiple of 8
// bytes), reading 32-bit words in the log's byte order.
func walChecksum(order binary.ByteOrder, b []byte, s0, s1 uint32) (uint32, uint32) {
	for i := 0; i+8 <= len(b); i += 8 {
		s0 += order.Uint32(b[i:]) + s1
		s1 += order.Uint32(b[i+4:]) + s0
	}
	return s0, s1
}
