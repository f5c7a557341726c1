package rpmdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
)

// ErrMalformed is returned (wrapped) for bytes that are not the expected
// database or header format.
var ErrMalformed = errors.New("malformed rpm database")

// The header tags read, from rpm's rpmtag.h.
const (
	tagName        = 1000
	tagVersion     = 1001
	tagRelease     = 1002
	tagEpoch       = 1003
	tagArch        = 1022
	tagSourceRPM   = 1044
	tagProvideName = 1047
	tagProvideVer  = 1113
)

// The header data types, from rpm's rpmtag.h.
const (
	typeInt32       = 4
	typeString      = 6
	typeStringArray = 8
	typeI18NString  = 9
)

// Limits of rpm's own header reader (hdrblobVerifyInfo): at most 0xffff
// index entries and 256 MiB of data.
const (
	maxIndexEntries = 0xffff
	maxDataLen      = 256 << 20
)

// Header is what demarc reads of one installed package's header.
type Header struct {
	Name, Version, Release, Arch string
	// Epoch is -1 when the package has none.
	Epoch int64
	// SourceRPM is the source package file ("openssl-3.0.7-25.el9_3.src.rpm");
	// empty for gpg-pubkey pseudo-packages.
	SourceRPM string
	// Provides are the package's capabilities, with their versions where
	// the header has them ("" where not).
	Provides []Provide
}

// Provide is one capability a package provides.
type Provide struct{ Name, Version string }

// EVR is the version as rpm -q prints it with %{EPOCH}:%{VERSION}-%{RELEASE}
// and demarc stores it: the epoch is left out when absent or 0.
func (h *Header) EVR() string {
	vr := h.Version + "-" + h.Release
	if h.Epoch > 0 {
		return strconv.FormatInt(h.Epoch, 10) + ":" + vr
	}
	return vr
}

// ParseHeader parses a header blob as the database stores it: the index
// length and data length (big-endian 32-bit), the index entries (tag,
// type, offset, count) and the data. Every entry read is bounds-checked;
// a header without a name, version or release is malformed.
func ParseHeader(b []byte) (*Header, error) {
	if len(b) < 8 {
		return nil, fmt.Errorf("%w: header of %d bytes", ErrMalformed, len(b))
	}
	il := binary.BigEndian.Uint32(b[0:4])
	dl := binary.BigEndian.Uint32(b[4:8])
	if il < 1 || il > maxIndexEntries || dl > maxDataLen {
		return nil, fmt.Errorf("%w: header index %d entries, data %d bytes", ErrMalformed, il, dl)
	}
	start := 8 + 16*uint64(il)
	if start+uint64(dl) > uint64(len(b)) {
		return nil, fmt.Errorf("%w: header of %d bytes declares %d", ErrMalformed, len(b), start+uint64(dl))
	}
	data := b[start : start+uint64(dl)]
	h := &Header{Epoch: -1}
	var provVers []string
	for i := uint32(0); i < il; i++ {
		e := b[8+16*i : 8+16*(i+1)]
		tag, typ := binary.BigEndian.Uint32(e[0:4]), binary.BigEndian.Uint32(e[4:8])
		off, cnt := binary.BigEndian.Uint32(e[8:12]), binary.BigEndian.Uint32(e[12:16])
		switch tag {
		case tagName, tagVersion, tagRelease, tagArch, tagSourceRPM:
			if typ != typeString && typ != typeI18NString {
				return nil, fmt.Errorf("%w: tag %d has type %d, want a string", ErrMalformed, tag, typ)
			}
			ss, err := stringsAt(data, off, 1)
			if err != nil {
				return nil, fmt.Errorf("tag %d: %w", tag, err)
			}
			switch tag {
			case tagName:
				h.Name = ss[0]
			case tagVersion:
				h.Version = ss[0]
			case tagRelease:
				h.Release = ss[0]
			case tagArch:
				h.Arch = ss[0]
			case tagSourceRPM:
				h.SourceRPM = ss[0]
			}
		case tagEpoch:
			if typ != typeInt32 || cnt < 1 || uint64(off)+4 > uint64(len(data)) || off%4 != 0 {
				return nil, fmt.Errorf("%w: epoch entry (type %d, offset %d, count %d)", ErrMalformed, typ, off, cnt)
			}
			h.Epoch = int64(binary.BigEndian.Uint32(data[off:]))
		case tagProvideName, tagProvideVer:
			if typ != typeStringArray {
				return nil, fmt.Errorf("%w: tag %d has type %d, want a string array", ErrMalformed, tag, typ)
			}
			ss, err := stringsAt(data, off, cnt)
			if err != nil {
				return nil, fmt.Errorf("tag %d: %w", tag, err)
			}
			if tag == tagProvideName {
				h.Provides = make([]Provide, len(ss))
				for i, s := range ss {
					h.Provides[i].Name = s
				}
			} else {
				provVers = ss
			}
		}
	}
	if h.Name == "" || h.Version == "" || h.Release == "" {
		return nil, fmt.Errorf("%w: header without name, version or release", ErrMalformed)
	}
	if provVers != nil {
		if len(provVers) != len(h.Provides) {
			return nil, fmt.Errorf("%w: %s: %d provides, %d provide versions", ErrMalformed, h.Name, len(h.Provides), len(provVers))
		}
		for i, v := range provVers {
			h.Provides[i].Version = v
		}
	}
	return h, nil
}

// stringsAt returns count NUL-terminated strings starting at off in data.
func stringsAt(data []byte, off, count uint32) ([]string, error) {
	if count < 1 || count > uint32(len(data)) || uint64(off) >= uint64(len(data)) {
		return nil, fmt.Errorf("%w: %d strings at offset %d of %d bytes", ErrMalformed, count, off, len(data))
	}
	out := make([]string, 0, count)
	rest := data[off:]
	for range count {
		i := bytes.IndexByte(rest, 0)
		if i < 0 {
			return nil, fmt.Errorf("%w: unterminated string at offset %d", ErrMalformed, off)
		}
		out = append(out, string(rest[:i]))
		rest = rest[i+1:]
	}
	return out, nil
}
