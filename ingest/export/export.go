// Package export streams the server's lists (hosts, findings, pending
// updates, the backlog's groups) as CSV or JSON lines: page after page
// of the store's keyset pagination, each row written as it comes and the
// output flushed after every page, so an export of a million rows holds
// one page in memory, never the whole answer. The API and the web UI
// share it; the caller passes the principal's scope and the list's
// filter, so an export sees exactly what the list does.
package export

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Format is an export's encoding.
type Format string

// The export formats.
const (
	CSV   Format = "csv"
	JSONL Format = "jsonl"
)

// ParseFormat reads a format parameter: "" (none: the list's JSON or HTML
// page), csv or jsonl; anything else is an error.
func ParseFormat(s string) (Format, bool, error) {
	switch Format(s) {
	case "":
		return "", false, nil
	case CSV, JSONL:
		return Format(s), true, nil
	}
	return "", false, fmt.Errorf("parameter format: unknown value %q: want csv or jsonl", clip(s))
}

func clip(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}

// ContentType is the format's media type.
func (f Format) ContentType() string {
	if f == CSV {
		return "text/csv; charset=utf-8"
	}
	return "application/x-ndjson; charset=utf-8"
}

// Column is one CSV column of a row type.
type Column[T any] struct {
	Name string
	Get  func(*T) string
}

// PageFunc reads the page of rows after cursor ("" first) and the next
// page's cursor ("" after the last).
type PageFunc[T any] func(cursor string) ([]T, string, error)

// writeTimeout is how long the client has to take each page.
const writeTimeout = 90 * time.Second

// Stream answers with every row next gives, in format f, as a file named
// name-<now>.<ext>. Headers go out before the first page is read; a store
// error after that aborts the response (the client sees a broken
// transfer, never a silently short file) and is returned for the log.
func Stream[T any](w http.ResponseWriter, f Format, name string, now time.Time, cols []Column[T], next PageFunc[T]) error {
	h := w.Header()
	h.Set("Content-Type", f.ContentType())
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="demarc-%s-%s.%s"`, name, now.UTC().Format("20060102T150405Z"), f))
	h.Set("Cache-Control", "no-store")
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Now().Add(writeTimeout))
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 32<<10)
	enc := newEncoder(bw, f, cols)
	if err := enc.header(); err != nil {
		return err
	}
	cursor := ""
	for {
		rows, nc, err := next(cursor)
		if err != nil {
			return abort(err)
		}
		for i := range rows {
			if err := enc.row(&rows[i]); err != nil {
				return fmt.Errorf("export %s: write: %w", name, err)
			}
		}
		if err := enc.flush(); err != nil {
			return fmt.Errorf("export %s: write: %w", name, err)
		}
		if err := bw.Flush(); err != nil {
			return fmt.Errorf("export %s: write: %w", name, err)
		}
		_ = rc.Flush()
		_ = rc.SetWriteDeadline(time.Now().Add(writeTimeout))
		if nc == "" {
			return nil
		}
		cursor = nc
	}
}

// ErrAborted wraps a store error that cut an export short.
type ErrAborted struct{ Err error }

func (e *ErrAborted) Error() string { return "export aborted: " + e.Err.Error() }
func (e *ErrAborted) Unwrap() error { return e.Err }

func abort(err error) error { return &ErrAborted{Err: err} }

type encoder[T any] struct {
	f    Format
	cols []Column[T]
	csv  *csv.Writer
	json *json.Encoder
	buf  []string
}

func newEncoder[T any](w io.Writer, f Format, cols []Column[T]) *encoder[T] {
	e := &encoder[T]{f: f, cols: cols}
	if f == CSV {
		e.csv = csv.NewWriter(w)
		e.buf = make([]string, len(cols))
	} else {
		e.json = json.NewEncoder(w)
	}
	return e
}

func (e *encoder[T]) header() error {
	if e.f != CSV {
		return nil
	}
	for i, c := range e.cols {
		e.buf[i] = c.Name
	}
	return e.csv.Write(e.buf)
}

func (e *encoder[T]) row(v *T) error {
	if e.f != CSV {
		return e.json.Encode(v) // one line: the API's JSON of the row
	}
	for i, c := range e.cols {
		e.buf[i] = Cell(c.Get(v))
	}
	return e.csv.Write(e.buf)
}

func (e *encoder[T]) flush() error {
	if e.csv == nil {
		return nil
	}
	e.csv.Flush()
	return e.csv.Error()
}

// Cell guards a CSV cell against formula injection: a cell a spreadsheet
// would run as a formula (starting with =, +, -, @, a tab or a carriage
// return) gets a leading apostrophe, which spreadsheets show as text and
// a reader strips with strings.TrimPrefix(cell, "'").
func Cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
