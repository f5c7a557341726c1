package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"
)

// Errors of Prescan; test with errors.Is.
var (
	// ErrTooDeep: objects and arrays nest deeper than MaxNesting.
	ErrTooDeep = errors.New("JSON nested too deeply")
	// ErrSyntax: the text is not one well-formed JSON value.
	ErrSyntax = errors.New("JSON syntax error")
)

// Shape is what Prescan measured of a report's JSON.
type Shape struct {
	// Objects and Arrays count the JSON objects and arrays.
	Objects, Arrays int
	// Depth is the deepest nesting of objects and arrays.
	Depth int
	// UnknownBytes is the size of the object members whose names the
	// report's types do not know (a member's name, colon and value),
	// outermost only.
	UnknownBytes int
}

// Prescan walks a report's JSON once, without recursion and without
// decoding it, and measures its shape. It fails with ErrTooDeep as soon as
// nesting passes MaxNesting (before any recursive decoder could overflow
// its stack on a body of a million '['), and with ErrSyntax on malformed
// text. Names are matched as encoding/json does, ignoring case.
func Prescan(b []byte) (Shape, error) {
	s := prescanner{b: b, stack: make([]frame, 0, 8)}
	err := s.run(knownFields())
	return s.shape, err
}

// frame is an open object or array.
type frame struct {
	array bool
	n     *node // what the report's types know of this container; nil: unknown
	// member is where the current member of an object began when its name
	// is unknown, else -1.
	member int
}

type prescanner struct {
	b     []byte
	i     int
	stack []frame
	shape Shape
}

func (s *prescanner) syntax(what string) error {
	return fmt.Errorf("%w at byte %d: %s", ErrSyntax, s.i, what)
}

func (s *prescanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// run parses one value with n as its node, then only white space.
func (s *prescanner) run(n *node) error {
	next := n // the node of the value about to be read
	for {
		s.ws()
		if s.i >= len(s.b) {
			return s.syntax("unexpected end")
		}
		switch c := s.b[s.i]; c {
		case '{', '[':
			if len(s.stack) >= MaxNesting {
				return fmt.Errorf("%w: more than %d levels at byte %d", ErrTooDeep, MaxNesting, s.i)
			}
			s.i++
			s.stack = append(s.stack, frame{array: c == '[', n: next, member: -1})
			s.shape.Depth = max(s.shape.Depth, len(s.stack))
			if c == '{' {
				s.shape.Objects++
			} else {
				s.shape.Arrays++
			}
			s.ws()
			if s.i < len(s.b) && (s.b[s.i] == '}' && c == '{' || s.b[s.i] == ']' && c == '[') {
				s.i++
				s.stack = s.stack[:len(s.stack)-1]
				break
			}
			if c == '{' {
				var err error
				if next, err = s.member(); err != nil {
					return err
				}
			} else {
				next = next.elem()
			}
			continue
		case '"':
			if err := s.str(); err != nil {
				return err
			}
		default:
			if err := s.literal(); err != nil {
				return err
			}
		}
		// A value ended: close the containers it ends, or go on to the
		// next element or member.
		for {
			if len(s.stack) == 0 {
				s.ws()
				if s.i != len(s.b) {
					return s.syntax("data after the value")
				}
				return nil
			}
			top := &s.stack[len(s.stack)-1]
			if top.member >= 0 {
				s.shape.UnknownBytes += s.i - top.member
				top.member = -1
			}
			s.ws()
			if s.i >= len(s.b) {
				return s.syntax("unexpected end")
			}
			c := s.b[s.i]
			if c == ',' {
				s.i++
				if top.array {
					next = top.n.elem()
				} else {
					var err error
					if next, err = s.member(); err != nil {
						return err
					}
				}
				break
			}
			if c == '}' && !top.array || c == ']' && top.array {
				s.i++
				s.stack = s.stack[:len(s.stack)-1]
				continue
			}
			return s.syntax("want ',' or the end of the container")
		}
	}
}

// member reads `"name":` in the innermost object and returns the node of
// its value, noting where an unknown member began.
func (s *prescanner) member() (*node, error) {
	s.ws()
	start := s.i
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, s.syntax("want a member name")
	}
	if err := s.str(); err != nil {
		return nil, err
	}
	raw := s.b[start+1 : s.i-1]
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != ':' {
		return nil, s.syntax("want ':'")
	}
	s.i++
	top := &s.stack[len(s.stack)-1]
	if top.n == nil {
		return nil, nil
	}
	child, ok := top.n.field(raw)
	if !ok {
		top.member = start
	}
	return child, nil
}

// str skips a string starting at s.i (its opening quote).
func (s *prescanner) str() error {
	s.i++
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case c == '"':
			s.i++
			return nil
		case c == '\\':
			s.i += 2
		case c < 0x20:
			return s.syntax("control character in a string")
		default:
			s.i++
		}
	}
	return s.syntax("unterminated string")
}

// literal skips a number, true, false or null.
func (s *prescanner) literal() error {
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c == '-' || c == '+' || c == '.' || c == 'E' {
			s.i++
			continue
		}
		break
	}
	if s.i == start {
		return s.syntax("unexpected character")
	}
	return nil
}

// node is what the report's types know at one place of the JSON.
type node struct {
	fields map[string]*node // a struct's members, by lowercased name
	any    *node            // a map's values (any name is known)
	items  *node            // a slice's items
}

func (n *node) elem() *node {
	if n == nil {
		return nil
	}
	return n.items
}

// field returns the node of member raw (a JSON string's content) and
// whether the name is known.
func (n *node) field(raw []byte) (*node, bool) {
	if n.any != nil {
		return n.any, true
	}
	name := string(raw)
	if strings.IndexByte(name, '\\') >= 0 {
		if err := json.Unmarshal([]byte(`"`+name+`"`), &name); err != nil {
			return nil, false
		}
	}
	c, ok := n.fields[strings.ToLower(name)]
	return c, ok
}

var knownFields = sync.OnceValue(func() *node {
	return nodeOf(reflect.TypeOf(Report{}), map[reflect.Type]*node{})
})

var timeType = reflect.TypeOf(time.Time{})

func nodeOf(t reflect.Type, seen map[reflect.Type]*node) *node {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n, ok := seen[t]; ok {
		return n
	}
	n := &node{}
	seen[t] = n
	switch {
	case t == timeType:
	case t.Kind() == reflect.Struct:
		n.fields = map[string]*node{}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			n.fields[strings.ToLower(name)] = nodeOf(f.Type, seen)
		}
	case t.Kind() == reflect.Slice:
		n.items = nodeOf(t.Elem(), seen)
	case t.Kind() == reflect.Map:
		n.any = nodeOf(t.Elem(), seen)
	}
	return n
}
