package aptpolicy

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
)

// ErrMalformed is returned (wrapped) for a file that is not in the
// deb822 shape apt reads (a field line without a colon, a continuation
// line before any field).
var ErrMalformed = errors.New("malformed apt file")

// stanzaReader reads deb822 stanzas ("Key: value" lines, continuation lines
// starting with a space or tab, stanzas separated by blank lines), keeping
// only the fields asked for. It is built for Packages files of 100 MB: a
// line is a slice of the reader's buffer and nothing is copied unless kept,
// and a stanza whose first field the caller rejects is skipped to its end
// without looking at its fields.
type stanzaReader struct {
	r        *bufio.Reader
	keys     [][]byte
	vals     []string
	comments bool // '#' lines are comments (preferences, .sources)
	line     int
	err      error
}

func newStanzaReader(r io.Reader, comments bool, keys ...string) *stanzaReader {
	s := &stanzaReader{r: bufio.NewReaderSize(r, 256<<10), comments: comments, vals: make([]string, len(keys))}
	for _, k := range keys {
		s.keys = append(s.keys, []byte(k))
	}
	return s
}

// readLine returns the next line without its newline; a line longer than
// the buffer is returned whole (copied). io.EOF only when nothing is left.
func (s *stanzaReader) readLine() ([]byte, error) {
	b, err := s.r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		long := append([]byte(nil), b...)
		for err == bufio.ErrBufferFull {
			b, err = s.r.ReadSlice('\n')
			long = append(long, b...)
		}
		b = long
	}
	if err != nil && err != io.EOF {
		return nil, err
	}
	if err == io.EOF && len(b) == 0 {
		return nil, io.EOF
	}
	s.line++
	b = bytes.TrimRight(b, "\r\n")
	return b, nil
}

// next reads the next stanza. keep, when not nil, is called with the value
// of the first field of the stanza whose key is keys[0]; when it returns
// false the rest of the stanza is skipped. next returns false at the end of
// the input or on an error (Err).
func (s *stanzaReader) next(keep func(first string) bool) bool {
	for i := range s.vals {
		s.vals[i] = ""
	}
	started, skipping := false, false
	last := -1 // index of the last kept field, for continuation lines
	for {
		b, err := s.readLine()
		if err == io.EOF {
			if s.err == nil && !started {
				return false
			}
			return started && !skipping
		}
		if err != nil {
			s.err = err
			return false
		}
		if len(bytes.TrimSpace(b)) == 0 {
			if started && !skipping {
				return true
			}
			started, skipping, last = false, false, -1
			for i := range s.vals {
				s.vals[i] = ""
			}
			continue
		}
		if s.comments && b[0] == '#' {
			continue
		}
		started = true
		if skipping {
			continue
		}
		if b[0] == ' ' || b[0] == '\t' {
			if last < 0 {
				continue
			}
			s.vals[last] += "\n" + string(bytes.TrimSpace(b))
			continue
		}
		colon := bytes.IndexByte(b, ':')
		if colon <= 0 {
			s.err = fmt.Errorf("%w: line %d: no field name: %q", ErrMalformed, s.line, clip(string(b)))
			return false
		}
		key, val := b[:colon], bytes.TrimSpace(b[colon+1:])
		last = -1
		for i, k := range s.keys {
			if bytes.EqualFold(key, k) {
				s.vals[i] = string(val)
				last = i
				if i == 0 && keep != nil && !keep(s.vals[0]) {
					skipping = true
				}
				break
			}
		}
	}
}

// Err is the error that ended next, if any.
func (s *stanzaReader) Err() error { return s.err }

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

var regexCache sync.Map
