package recordfile

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// parseJSONLines reads one JSON object a line (blank lines skipped).
func parseJSONLines(b []byte) ([]Row, error) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), MaxLine)
	var rows []Row
	line := 0
	for sc.Scan() {
		line++
		t := bytes.TrimSpace(sc.Bytes())
		if len(t) == 0 {
			continue
		}
		if len(rows) == MaxRows {
			return nil, formatErr(line, "more than %d records", MaxRows)
		}
		rec, err := ParseJSON(t)
		if err != nil {
			return nil, &Error{Line: line, Err: err}
		}
		rows = append(rows, Row{Line: line, Record: rec})
	}
	if err := sc.Err(); err != nil {
		return nil, formatErr(line+1, "longer than %d bytes", MaxLine)
	}
	return rows, nil
}

// ParseJSON reads one record as a JSON object with the keys of
// store.RecordFields: strings, and booleans (maintenance_agreement may be
// null: the tier's default). Unknown keys are an error. The record is
// normalised.
func ParseJSON(b []byte) (store.HostRecord, error) {
	var rec store.HostRecord
	var m map[string]json.RawMessage
	if _, err := report.Prescan(b); err != nil {
		return rec, fmt.Errorf("not one JSON object: %v: %w", err, ErrFormat)
	}
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		return rec, fmt.Errorf("not a JSON object: %w", ErrFormat)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(store.RecordFields, k) {
			return rec, &store.RecordError{Index: -1, Field: clipText(k), Msg: "unknown key (want " + strings.Join(store.RecordFields, ", ") + ")", Err: store.ErrInvalidRecord}
		}
	}
	str := func(k string, dst *string) error {
		v, ok := m[k]
		if !ok || string(v) == "null" {
			return nil
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return &store.RecordError{Index: -1, Field: k, Msg: "not a string", Err: store.ErrInvalidRecord}
		}
		return nil
	}
	var tier string
	for _, f := range []struct {
		k   string
		dst *string
	}{{"host_id", &rec.HostID}, {"hostname", &rec.Hostname}, {"machine_id", &rec.MachineID}, {"tenant", &rec.Tenant},
		{"tier", &tier}, {"customer", &rec.Customer}, {"contract", &rec.Contract}, {"data_centre", &rec.DataCentre}} {
		if err := str(f.k, f.dst); err != nil {
			return rec, err
		}
	}
	rec.Tier = report.Tier(tier)
	if v, ok := m["maintenance_agreement"]; ok && string(v) != "null" {
		var b bool
		if err := json.Unmarshal(v, &b); err != nil {
			return rec, &store.RecordError{Index: -1, Field: "maintenance_agreement", Msg: "not true, false or null", Err: store.ErrInvalidRecord}
		}
		rec.MaintenanceAgreement = &b
	}
	if v, ok := m["customer_managed_virtualisation"]; ok && string(v) != "null" {
		if err := json.Unmarshal(v, &rec.CustomerManagedVirtualisation); err != nil {
			return rec, &store.RecordError{Index: -1, Field: "customer_managed_virtualisation", Msg: "not true or false", Err: store.ErrInvalidRecord}
		}
	}
	return rec, rec.Normalize()
}
