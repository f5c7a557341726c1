package sqlstore

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/demarc/demarc/ingest/store"
)

// ErrBadCursor is returned for a cursor this store did not produce.
var ErrBadCursor = fmt.Errorf("bad cursor: %w", store.ErrInvalid)

// sortSpec is a keyset order: columns compared as one row value, all in
// the same direction, the last ones making the order unique.
type sortSpec struct {
	cols []string
	// ints marks integer columns (the others are text).
	ints []bool
	desc bool
}

func (o sortSpec) orderBy() string {
	dir := " ASC"
	if o.desc {
		dir = " DESC"
	}
	parts := make([]string, len(o.cols))
	for i, c := range o.cols {
		parts[i] = c + dir
	}
	return " ORDER BY " + strings.Join(parts, ", ")
}

// after returns the condition selecting rows after the cursor.
func (o sortSpec) after(cursor string) (string, []any, error) {
	if cursor == "" {
		return "", nil, nil
	}
	vals, err := o.decode(cursor)
	if err != nil {
		return "", nil, err
	}
	op := " > "
	if o.desc {
		op = " < "
	}
	return "(" + strings.Join(o.cols, ", ") + ")" + op + "(" + placeholders(len(o.cols)) + ")", vals, nil
}

func (o sortSpec) decode(cursor string) ([]any, error) {
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(raw) > 4096 {
		return nil, ErrBadCursor
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var vals []any
	if err := dec.Decode(&vals); err != nil || len(vals) != len(o.cols) {
		return nil, ErrBadCursor
	}
	for i, v := range vals {
		switch x := v.(type) {
		case json.Number:
			n, err := x.Int64()
			if err != nil || !o.ints[i] {
				return nil, ErrBadCursor
			}
			vals[i] = n
		case string:
			if o.ints[i] {
				return nil, ErrBadCursor
			}
		default:
			return nil, ErrBadCursor
		}
	}
	return vals, nil
}

func encodeCursor(vals ...any) string {
	b, err := json.Marshal(vals)
	if err != nil {
		panic(errors.Join(errors.New("encode cursor"), err)) // only strings and ints
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// where accumulates AND-ed conditions and their arguments.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}
