package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/demarc/demarc/config"
	"github.com/demarc/demarc/report"
)

// Errors of host records (beside ErrNotFound and ErrConflict); test with
// errors.Is on a *RecordError.
var (
	// ErrInvalidRecord: a field of a record is missing or malformed.
	ErrInvalidRecord = errors.New("invalid host record")
	// ErrAmbiguous: a record's hostname or machine id matches several
	// hosts or records of its tenant; the record must name its host id.
	ErrAmbiguous = errors.New("ambiguous host record")
	// ErrDuplicate: two records of one batch are about the same host.
	ErrDuplicate = errors.New("duplicate host record")
)

// MaxLabelLen bounds a host record's labels (customer, contract,
// data_centre).
const MaxLabelLen = 128

// HostRecord is the provider's record of a host: the truth about its
// tenant and service profile, which the host's own agent.yaml only claims.
//
// A record names its host by HostID, or, for a host that has not enrolled
// or reported yet, by MachineID or Hostname within Tenant. Such a record is
// "unbound" (HostID "") until a host of the tenant matching it shows up
// (RecordFor): then it is bound to that host's id for good. A host is
// matched by host id first, then machine id, then hostname.
type HostRecord struct {
	// ID is the store's id of the record (set by the store).
	ID string `json:"record_id,omitempty"`
	// HostID is the host the record is bound to; "" while unbound.
	HostID string `json:"host_id"`
	// Hostname is compared in lower case (and stored so).
	Hostname string `json:"hostname"`
	// MachineID is the machine identity a host enrolls with (the hash of
	// /etc/machine-id its reports carry, as the host page shows it).
	MachineID string      `json:"machine_id"`
	Tenant    string      `json:"tenant"`
	Tier      report.Tier `json:"tier"`
	// MaintenanceAgreement nil means the tier's default (true on managed,
	// false otherwise); see Agreement.
	MaintenanceAgreement          *bool  `json:"maintenance_agreement"`
	CustomerManagedVirtualisation bool   `json:"customer_managed_virtualisation"`
	Customer                      string `json:"customer"`
	Contract                      string `json:"contract"`
	DataCentre                    string `json:"data_centre"`
	// UpdatedAt and UpdatedBy are the last change's (set by the store).
	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy string    `json:"updated_by"`
}

// Profile is the service profile the record gives its host, with the
// defaults an agent.yaml gets (config.Config.Profile): the tier's
// maintenance agreement when the record leaves it unset, and provider
// "the provider" when provider is "".
func (r HostRecord) Profile(provider string) report.Profile {
	c := config.Config{
		Provider: provider, Tier: string(r.Tier), Tenant: r.Tenant,
		MaintenanceAgreement:          r.MaintenanceAgreement,
		CustomerManagedVirtualisation: r.CustomerManagedVirtualisation,
	}
	return c.Profile()
}

// Agreement is the record's maintenance agreement, the tier's default when
// unset.
func (r HostRecord) Agreement() bool { return r.Profile("").MaintenanceAgreement }

// RecordFields are the fields of a record as a file or a form holds them,
// in file column order.
var RecordFields = []string{
	"host_id", "hostname", "machine_id", "tenant", "tier", "maintenance_agreement",
	"customer_managed_virtualisation", "customer", "contract", "data_centre",
}

// Values are the record's fields as text, keyed by RecordFields (a nil
// maintenance agreement is "").
func (r HostRecord) Values() map[string]string {
	ma := ""
	if r.MaintenanceAgreement != nil {
		ma = strconv.FormatBool(*r.MaintenanceAgreement)
	}
	return map[string]string{
		"host_id": r.HostID, "hostname": r.Hostname, "machine_id": r.MachineID, "tenant": r.Tenant,
		"tier": string(r.Tier), "maintenance_agreement": ma,
		"customer_managed_virtualisation": strconv.FormatBool(r.CustomerManagedVirtualisation),
		"customer":                        r.Customer, "contract": r.Contract, "data_centre": r.DataCentre,
	}
}

// RecordError is a record that cannot be stored: which one, which field,
// why. Err is ErrInvalidRecord, ErrAmbiguous, ErrDuplicate or ErrConflict
// (the host belongs to another tenant).
type RecordError struct {
	// Index is the record's position in its batch (-1: not known).
	Index int
	Field string
	Msg   string
	Err   error
}

func (e *RecordError) Error() string {
	if e.Index >= 0 {
		return fmt.Sprintf("record %d: %s: %s", e.Index+1, e.Field, e.Msg)
	}
	return e.Field + ": " + e.Msg
}

// Unwrap is the kind of error.
func (e *RecordError) Unwrap() error { return e.Err }

// Reason is "field: message" without the record's position.
func (e *RecordError) Reason() string { return e.Field + ": " + e.Msg }

func invalid(field, format string, args ...any) *RecordError {
	return &RecordError{Index: -1, Field: field, Msg: fmt.Sprintf(format, args...), Err: ErrInvalidRecord}
}

// Normalize checks a record as a file, the API or a form gives it, trims
// every field and lower-cases the hostname. It returns a *RecordError
// naming the first bad field.
func (r *HostRecord) Normalize() error {
	for _, f := range []*string{&r.HostID, &r.Hostname, &r.MachineID, &r.Tenant, &r.Customer, &r.Contract, &r.DataCentre} {
		*f = strings.TrimSpace(*f)
	}
	r.Tier = report.Tier(strings.TrimSpace(string(r.Tier)))
	r.Hostname = strings.ToLower(r.Hostname)
	if err := checkToken("host_id", r.HostID, report.MaxIDLen); err != nil {
		return err
	}
	if r.Hostname != "" {
		if err := report.ValidateEnrollment(r.Hostname, "", "", "", "", ""); err != nil {
			return invalid("hostname", "%q is not a host name (letters, digits, '.', '-' and '_', at most 253 bytes)", clip(r.Hostname))
		}
	}
	if err := checkToken("machine_id", r.MachineID, 64); err != nil {
		return err
	}
	if r.HostID == "" && r.Hostname == "" && r.MachineID == "" {
		return invalid("host_id", "one of host_id, machine_id or hostname is required")
	}
	if r.Tenant == "" {
		return invalid("tenant", "required")
	}
	if !report.ValidTenant(r.Tenant) {
		return invalid("tenant", "%q must match %s", clip(r.Tenant), report.TenantPattern)
	}
	if !r.Tier.Valid() {
		if r.Tier == "" {
			return invalid("tier", "required (managed, iaas or colocation)")
		}
		return invalid("tier", "%q is not managed, iaas or colocation", clip(string(r.Tier)))
	}
	for _, l := range []struct{ name, v string }{{"customer", r.Customer}, {"contract", r.Contract}, {"data_centre", r.DataCentre}} {
		if err := checkLabel(l.name, l.v); err != nil {
			return err
		}
	}
	return nil
}

func checkToken(field, s string, max int) error {
	if len(s) > max {
		return invalid(field, "longer than %d bytes", max)
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' || strings.IndexByte(`"'<>\`+"`", s[i]) >= 0 {
			return invalid(field, "%q must be printable ASCII without spaces, quotes, <, > or backslash", clip(s))
		}
	}
	return nil
}

func checkLabel(field, s string) error {
	if len(s) > MaxLabelLen {
		return invalid(field, "longer than %d bytes", MaxLabelLen)
	}
	if !utf8.ValidString(s) {
		return invalid(field, "not valid UTF-8")
	}
	for _, c := range s {
		if c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) {
			return invalid(field, "contains a control character")
		}
	}
	return nil
}

// ParseBool reads a boolean field of a file or form: true/false, yes/no,
// 1/0 (any case); "" is unset (ok true, set false).
func ParseBool(field, s string) (v, set bool, err error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return false, false, nil
	case "true", "yes", "1":
		return true, true, nil
	case "false", "no", "0":
		return false, true, nil
	}
	return false, false, invalid(field, "%q is not true or false", clip(s))
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 40 {
		s = s[:40]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		return s + "…"
	}
	return s
}

// RecordChange is one field of a record changed by a put, as the audit log
// keeps it.
type RecordChange struct {
	RecordID string `json:"record_id"`
	// HostID is the record's host ("" while unbound).
	HostID string `json:"host_id"`
	Tenant string `json:"tenant"`
	// Hostname and MachineID name an unbound record's host.
	Hostname  string `json:"hostname,omitempty"`
	MachineID string `json:"machine_id,omitempty"`
	// Field is one of RecordFields; Old and New its text (Values).
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
	// Created marks the changes that created the record.
	Created bool      `json:"created,omitempty"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
}

// RecordChangePage is a page of a record's history, newest first.
type RecordChangePage struct {
	Changes []RecordChange `json:"changes"`
	Next    string         `json:"next,omitempty"`
}

// HostRecordPage is a page of host records, by record id.
type HostRecordPage struct {
	Records []HostRecord `json:"records"`
	Next    string       `json:"next,omitempty"`
}

// ChangedHosts lists the distinct bound hosts of changes, in order.
func ChangedHosts(cs []RecordChange) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range cs {
		if c.HostID != "" && !seen[c.HostID] {
			seen[c.HostID] = true
			out = append(out, c.HostID)
		}
	}
	return out
}

// RecordStore keeps the provider's records of hosts, their matching to
// hosts and the history of their changes.
type RecordStore interface {
	// PutHostRecords stores the provider's records of hosts (each checked
	// with Normalize, then matched to its stored record by host id, else by
	// machine id, else by hostname within its tenant, binding it to the one
	// known host it matches) and logs every changed field as changed by
	// by at at, all in one transaction: on any error nothing is stored. A
	// bad record is a *RecordError with its index. It returns the changes
	// (none for a record that is already so).
	PutHostRecords(ctx context.Context, recs []HostRecord, by string, at time.Time) ([]RecordChange, error)
	// PlanHostRecords returns what PutHostRecords would change, or its
	// error, and stores nothing (a dry run).
	PlanHostRecords(ctx context.Context, recs []HostRecord) ([]RecordChange, error)
	// HostRecord returns the record bound to a host in scope, or
	// ErrNotFound.
	HostRecord(ctx context.Context, sc Scope, hostID string) (HostRecord, error)
	// HostRecords lists the records in scope, bound or not, by record id.
	HostRecords(ctx context.Context, sc Scope, p Page) (HostRecordPage, error)
	// RecordFor returns the record of a host of tenant: the one bound to
	// hostID, else the unbound one with its machineID, else the unbound
	// one with its hostname (compared in lower case); false when none.
	// It is one indexed query. An unbound match is bound to hostID (once,
	// in its own transaction, audit-logged as by "demarc-server").
	RecordFor(ctx context.Context, tenant, hostID, hostname, machineID string) (HostRecord, bool, error)
	// RecordHistory lists the changes of the record bound to a host in
	// scope, newest first (ErrNotFound without one).
	RecordHistory(ctx context.Context, sc Scope, hostID string, p Page) (RecordChangePage, error)
	// RecordsChangedSince lists the hosts whose record changed (or was
	// bound) at or after t, by the changes' times: what a server re-judges
	// after an import made by another process.
	RecordsChangedSince(ctx context.Context, t time.Time) ([]string, error)
}
