package recordfile

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strings"

	"github.com/demarc/demarc/ingest/store"
)

// parseCSV reads a CSV file with a header of store.RecordFields columns
// (any order; tenant and tier required, and one of host_id, machine_id,
// hostname; unknown or repeated columns are an error).
func parseCSV(b []byte) ([]Row, error) {
	cr := csv.NewReader(bytes.NewReader(b))
	cr.ReuseRecord = false
	head, err := cr.Read()
	if err == io.EOF {
		return nil, formatErr(0, "empty file")
	}
	if err != nil {
		return nil, csvErr(err)
	}
	cols := map[string]int{}
	for i, c := range head {
		c = strings.ToLower(strings.TrimSpace(c))
		switch {
		case !slices.Contains(store.RecordFields, c):
			return nil, formatErr(1, "unknown column %q (want %s)", clipText(c), strings.Join(store.RecordFields, ", "))
		case cols[c] != 0:
			return nil, formatErr(1, "column %q appears twice", c)
		}
		cols[c] = i + 1
	}
	for _, need := range []string{"tenant", "tier"} {
		if cols[need] == 0 {
			return nil, formatErr(1, "no column %q", need)
		}
	}
	if cols["host_id"] == 0 && cols["machine_id"] == 0 && cols["hostname"] == 0 {
		return nil, formatErr(1, "none of the columns host_id, machine_id, hostname")
	}
	var rows []Row
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, csvErr(err)
		}
		line, _ := cr.FieldPos(0)
		if len(rows) == MaxRows {
			return nil, formatErr(line, "more than %d records", MaxRows)
		}
		r, err := FromStrings(func(f string) string {
			if i := cols[f]; i > 0 {
				return rec[i-1]
			}
			return ""
		})
		if err != nil {
			return nil, &Error{Line: line, Err: err}
		}
		rows = append(rows, Row{Line: line, Record: r})
	}
}

// csvErr names the line of a CSV syntax error (a wrong number of fields
// included).
func csvErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		msg := pe.Err.Error()
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			msg = "wrong number of fields (not the header's)"
		}
		return formatErr(pe.Line, "%s", msg)
	}
	return formatErr(0, "%v", err)
}

// clipText shortens s for an error message.
func clipText(s string) string {
	if len(s) > 40 {
		return strings.ToValidUTF8(s[:40], "") + "…"
	}
	return s
}

// WriteCSV writes records as a CSV file with the header store.RecordFields,
// which Parse reads back to the same records.
func WriteCSV(w io.Writer, recs []store.HostRecord) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(store.RecordFields); err != nil {
		return err
	}
	row := make([]string, len(store.RecordFields))
	for _, r := range recs {
		v := r.Values()
		for i, f := range store.RecordFields {
			row[i] = v[f]
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
