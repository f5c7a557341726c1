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
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r")), nil
}

// skipStanza discards the rest of the current stanza, up to and including
// the empty line that ends it, without splitting it into lines: most
// stanzas of a Packages file are of packages not installed.
func (s *stanzaReader) skipStanza() error {
	// The line before was read with its newline: an empty line right
	// after it ends the stanza.
	if b, _ := s.r.Peek(2); len(b) > 0 && b[0] == '\n' {
		_, err := s.r.Discard(1)
		return err
	} else if len(b) == 2 && b[0] == '\r' && b[1] == '\n' {
		_, err := s.r.Discard(2)
		return err
	}
	for {
		// Search what is buffered first; read more only when the end of
		// the stanza is not in it.
		b, _ := s.r.Peek(s.r.Buffered())
		if i := indexEmptyLine(b); i >= 0 {
			_, err := s.r.Discard(i)
			return err
		}
		// An empty line may straddle the end of the buffer: keep two bytes.
		if len(b) > 2 {
			if _, err := s.r.Discard(len(b) - 2); err != nil {
				return err
			}
		}
		more, err := s.r.Peek(s.r.Buffered() + 1)
		if err == io.EOF && len(more) == s.r.Buffered() {
			if i := indexEmptyLine(more); i >= 0 {
				_, err := s.r.Discard(i)
				return err
			}
			_, err := s.r.Discard(len(more)) // the last stanza ends with the input
			return err
		}
		if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
			return err
		}
	}
}

// indexEmptyLine returns the offset just after the first empty line
// ("\n\n", or "\n\r\n") in b, -1 when there is none.
func indexEmptyLine(b []byte) int {
	i := bytes.Index(b, []byte("\n\n"))
	upto := len(b)
	if i >= 0 {
		upto = i
		i += 2
	}
	// A CRLF file: only where a "\r" comes before the first "\n\n".
	if bytes.IndexByte(b[:upto], '\r') >= 0 {
		if j := bytes.Index(b[:min(upto+2, len(b))], []byte("\n\r\n")); j >= 0 {
			i = j + 3
		}
	}
	return i
}

// next reads the next stanza. keep, when not nil, is called with the value
// of the first field of the stanza whose key is keys[0]; when it returns
// false the rest of the stanza is skipped. next returns false at the end of
// the input or on an error (Err).
func (s *stanzaReader) next(keep func(first string) bool) bool {
	for i := range s.vals {
		s.vals[i] = ""
	}
	started := false
	last := -1 // index of the last kept field, for continuation lines
	for {
		b, err := s.readLine()
		if err == io.EOF {
			if s.err == nil && !started {
				return false
			}
			return started
		}
		if err != nil {
			s.err = err
			return false
		}
		if len(b) == 0 {
			if started {
				return true
			}
			started, last = false, -1
			for i := range s.vals {
				s.vals[i] = ""
			}
			continue
		}
		if s.comments && b[0] == '#' {
			continue
		}
		started = true
		if b[0] == ' ' || b[0] == '\t' {
			if last < 0 {
				continue
			}
			s.vals[last] += "\n" + string(bytes.TrimSpace(b))
			continue
		}
		colon := bytes.IndexByte(b, ':')
		if colon <= 0 {
			s.err = fmt.Errorf("%w: no field name: %q", ErrMalformed, clip(string(b)))
			return false
		}
		key, val := b[:colon], bytes.TrimSpace(b[colon+1:])
		last = -1
		for i, k := range s.keys {
			if bytes.EqualFold(key, k) {
				s.vals[i] = string(val)
				last = i
				if i == 0 && keep != nil && !keep(s.vals[0]) {
					if err := s.skipStanza(); err != nil {
						s.err = err
						return false
					}
					started, last = false, -1
					for i := range s.vals {
						s.vals[i] = ""
					}
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
