// Package recordfile reads and writes the provider's host records as files
// (CSV with a header, or JSON lines with the same keys) and as the JSON
// object and form fields the API and the web UI take. Every reader checks
// the record with store.HostRecord.Normalize, so a bad value is refused
// the same way wherever it comes from, and names its line and field.
package recordfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// Limits of a file.
const (
	// MaxFileSize bounds a file (about 200,000 rows of a typical CSV).
	MaxFileSize = 64 << 20
	// MaxRows bounds the records of a file (one transaction).
	MaxRows = 100_000
	// MaxLine bounds one line of JSON lines (and one CSV field).
	MaxLine = 64 << 10
)

// ErrFormat: the file is not a record file (columns, syntax, size).
var ErrFormat = errors.New("not a host record file")

// Error is a bad line of a file: Err is a *store.RecordError (errors.Is
// with store.ErrInvalidRecord, ErrDuplicate, ErrAmbiguous, ErrConflict) or
// wraps ErrFormat.
type Error struct {
	// Line is the 1-based line (0: the file as a whole).
	Line int
	Err  error
}

func (e *Error) Error() string {
	msg := e.Err.Error()
	var re *store.RecordError
	if errors.As(e.Err, &re) {
		msg = re.Reason()
	}
	if e.Line == 0 {
		return msg
	}
	return fmt.Sprintf("line %d: %s", e.Line, msg)
}

// Unwrap is the cause.
func (e *Error) Unwrap() error { return e.Err }

func formatErr(line int, format string, args ...any) *Error {
	return &Error{Line: line, Err: fmt.Errorf(format+": %w", append(args, ErrFormat)...)}
}

// Row is one record of a file and the line it starts on.
type Row struct {
	Line   int
	Record store.HostRecord
}

// Records are the rows' records, in order.
func Records(rows []Row) []store.HostRecord {
	out := make([]store.HostRecord, len(rows))
	for i, r := range rows {
		out[i] = r.Record
	}
	return out
}

// AtLine turns a store's *store.RecordError about the i-th record into an
// *Error naming that record's line; other errors are returned as they are.
func AtLine(rows []Row, err error) error {
	var re *store.RecordError
	if errors.As(err, &re) && re.Index >= 0 && re.Index < len(rows) {
		return &Error{Line: rows[re.Index].Line, Err: re}
	}
	return err
}

// Parse reads a record file: JSON lines when name ends in .jsonl, .ndjson
// or .json, CSV when it ends in .csv, else by content (a first character
// '{' is JSON lines). A UTF-8 byte order mark and CRLF line ends are
// accepted. Every record is normalised; a host named twice (by host id, or
// by machine id or hostname within a tenant) is an error naming both lines.
func Parse(r io.Reader, name string) ([]Row, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(b) > MaxFileSize {
		return nil, formatErr(0, "larger than %d bytes", MaxFileSize)
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	var rows []Row
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jsonl", ".ndjson", ".json":
		rows, err = parseJSONLines(b)
	case ".csv":
		rows, err = parseCSV(b)
	default:
		if t := bytes.TrimLeft(b, " \t\r\n"); len(t) > 0 && t[0] == '{' {
			rows, err = parseJSONLines(b)
		} else {
			rows, err = parseCSV(b)
		}
	}
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, formatErr(0, "no records")
	}
	return rows, duplicates(rows)
}

// duplicates refuses two rows about one host: the same host id, or, for
// rows without one, the same machine id or hostname in a tenant.
func duplicates(rows []Row) error {
	seen := map[string]int{}
	for _, r := range rows {
		rec := r.Record
		type key struct{ field, value, k string }
		var keys []key
		if rec.HostID != "" {
			keys = append(keys, key{"host_id", rec.HostID, "h\x00" + rec.HostID})
		} else {
			if rec.MachineID != "" {
				keys = append(keys, key{"machine_id", rec.MachineID, "m\x00" + rec.Tenant + "\x00" + rec.MachineID})
			}
			if rec.Hostname != "" {
				keys = append(keys, key{"hostname", rec.Hostname, "n\x00" + rec.Tenant + "\x00" + rec.Hostname})
			}
		}
		for _, k := range keys {
			if prev, ok := seen[k.k]; ok {
				return &Error{Line: r.Line, Err: &store.RecordError{Index: -1, Field: k.field, Err: store.ErrDuplicate,
					Msg: fmt.Sprintf("%q is also on line %d", k.value, prev)}}
			}
			seen[k.k] = r.Line
		}
	}
	return nil
}

// FromStrings makes a record from text fields (a CSV row, a form), keyed
// by store.RecordFields; booleans are true/false, yes/no or 1/0, and an
// empty maintenance_agreement is the tier's default. Fields are trimmed.
// The record is normalised.
func FromStrings(get func(field string) string) (store.HostRecord, error) {
	f := func(name string) string { return strings.TrimSpace(get(name)) }
	rec := store.HostRecord{
		HostID: f("host_id"), Hostname: f("hostname"), MachineID: f("machine_id"), Tenant: f("tenant"),
		Tier: report.Tier(f("tier")), Customer: f("customer"), Contract: f("contract"), DataCentre: f("data_centre"),
	}
	ma, set, err := store.ParseBool("maintenance_agreement", f("maintenance_agreement"))
	if err != nil {
		return rec, err
	}
	if set {
		rec.MaintenanceAgreement = &ma
	}
	if rec.CustomerManagedVirtualisation, _, err = store.ParseBool("customer_managed_virtualisation", f("customer_managed_virtualisation")); err != nil {
		return rec, err
	}
	return rec, rec.Normalize()
}
