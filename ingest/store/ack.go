package store

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/demarc/demarc/report"
)

// Bounds of an acknowledgement.
const (
	// MaxAckReason is the longest reason, in characters.
	MaxAckReason = 500
	// MaxAckTerm is the furthest expiry from its creation.
	MaxAckTerm = 366 * 24 * time.Hour
	// MaxActiveAcks bounds the acknowledgements Acks returns: the readers
	// hold the live ones in memory to badge what they list.
	MaxActiveAcks = 10000
)

// Ack is an accepted risk: one finding (HostID and FindingID) or a group
// (HostID "": the open findings of Product and Cycle on every host, of
// Tenant unless it is ""), accepted by By for Reason until ExpiresAt. It
// applies while Live: the readers compare ExpiresAt with their clock.
type Ack struct {
	ID        string `json:"id"`
	Tenant    string `json:"tenant"`
	HostID    string `json:"host_id,omitempty"`
	FindingID string `json:"finding_id,omitempty"`
	// Product is the product as given (a group) or as the finding spells
	// it; it is matched in lower case, as the backlog groups it.
	Product string `json:"product"`
	Cycle   string `json:"cycle"`
	// Responsible is the party of the acknowledged finding; a group's
	// covers that party's findings only ("": both parties').
	Responsible report.Responsible `json:"responsible,omitempty"`
	Reason      string             `json:"reason"`
	By          string             `json:"by"`
	CreatedAt   time.Time          `json:"created_at"`
	ExpiresAt   time.Time          `json:"expires_at"`
	WithdrawnAt *time.Time         `json:"withdrawn_at,omitempty"`
	WithdrawnBy string             `json:"withdrawn_by,omitempty"`
}

// Group reports whether a is of a group rather than one finding.
func (a *Ack) Group() bool { return a.HostID == "" }

// Live reports whether a applies at now: not withdrawn, not expired.
func (a *Ack) Live(now time.Time) bool {
	return a.WithdrawnAt == nil && now.Before(a.ExpiresAt)
}

// Covers reports whether a is of finding f (live or not).
func (a *Ack) Covers(f *Finding) bool {
	if !a.Group() {
		return a.HostID == f.HostID && a.FindingID == f.ID
	}
	return (a.Tenant == "" || a.Tenant == f.Tenant) && (a.Responsible == "" || a.Responsible == f.Responsible) && strings.EqualFold(a.Product, f.Product) && a.Cycle == f.Cycle
}

// CoversGroup reports whether a is of every finding of group g counted
// over tenant ("": every tenant): a group acknowledgement of its product
// and cycle, fleet-wide or of that tenant.
func (a *Ack) CoversGroup(g *FindingGroup, tenant string) bool {
	return a.Group() && (a.Tenant == "" || a.Tenant == tenant) && (a.Responsible == "" || a.Responsible == g.Responsible) && strings.EqualFold(a.Product, g.Product) && a.Cycle == g.Cycle
}

// Badge is the line shown beside an acknowledged finding or group.
func (a *Ack) Badge() string {
	return "accepted until " + a.ExpiresAt.UTC().Format(time.DateOnly) + ": " + a.Reason
}

// Check validates a new acknowledgement at now: a reason of at most
// MaxAckReason characters, an expiry after now and at most MaxAckTerm
// after it, a target (a host and finding id, or a product), and an
// acknowledger. Errors wrap ErrInvalid.
func (a *Ack) Check(now time.Time) error {
	a.Reason = strings.TrimSpace(a.Reason)
	switch {
	case a.Reason == "":
		return fmt.Errorf("reason: required: %w", ErrInvalid)
	case !utf8.ValidString(a.Reason) || utf8.RuneCountInString(a.Reason) > MaxAckReason:
		return fmt.Errorf("reason: at most %d characters of UTF-8: %w", MaxAckReason, ErrInvalid)
	case strings.ContainsAny(a.Reason, "\x00\r\n"):
		return fmt.Errorf("reason: one line, no control characters: %w", ErrInvalid)
	case a.ExpiresAt.IsZero():
		return fmt.Errorf("expires: required: %w", ErrInvalid)
	case !a.ExpiresAt.After(now):
		return fmt.Errorf("expires %s: must be in the future: %w", a.ExpiresAt.Format(time.DateOnly), ErrInvalid)
	case a.ExpiresAt.Sub(now) > MaxAckTerm:
		return fmt.Errorf("expires %s: at most a year ahead: %w", a.ExpiresAt.Format(time.DateOnly), ErrInvalid)
	case a.By == "":
		return fmt.Errorf("acknowledger: required: %w", ErrInvalid)
	case (a.HostID == "") != (a.FindingID == ""):
		return fmt.Errorf("host_id and finding_id: both or neither: %w", ErrInvalid)
	case a.Group() && strings.TrimSpace(a.Product) == "":
		return fmt.Errorf("product: required for a group (or give host_id and finding_id): %w", ErrInvalid)
	}
	for _, s := range []string{a.Tenant, a.HostID, a.FindingID, a.Product, a.Cycle} {
		if len(s) > 256 || !utf8.ValidString(s) {
			return fmt.Errorf("ids: at most 256 bytes of UTF-8: %w", ErrInvalid)
		}
	}
	return nil
}

// AckEvent is one line of the acknowledgement audit log: a creation or a
// withdrawal, by whom and when, with what it was of.
type AckEvent struct {
	Seq       int64     `json:"seq"`
	AckID     string    `json:"ack_id"`
	Tenant    string    `json:"tenant"`
	Action    string    `json:"action"`
	By        string    `json:"by"`
	At        time.Time `json:"at"`
	Target    string    `json:"target"`
	Reason    string    `json:"reason"`
	ExpiresAt time.Time `json:"expires_at"`
}

// The actions of an AckEvent.
const (
	AckCreated   = "created"
	AckWithdrawn = "withdrawn"
)

// Target is what a is of, in words ("host web1 finding php-eol",
// "group php 7.4 of tenant acme").
func (a *Ack) Target() string {
	if !a.Group() {
		return "host " + a.HostID + " finding " + a.FindingID
	}
	s := "group " + a.Product + " " + a.Cycle
	if a.Tenant != "" {
		s += " of tenant " + a.Tenant
	} else {
		s += " (every tenant)"
	}
	return strings.Join(strings.Fields(s), " ")
}

// AckSet is the acknowledgements live at one instant (Store.Acks).
type AckSet []Ack

// Mark sets the Ack of each finding of fs that one of as covers (nil
// for the others; resolved findings keep none).
func (as AckSet) Mark(fs []Finding) {
	for i := range fs {
		fs[i].Ack = nil
		if fs[i].ResolvedAt != nil {
			continue
		}
		for j := range as {
			if as[j].Covers(&fs[i]) {
				fs[i].Ack = &as[j]
				break
			}
		}
	}
}

// Split sets the Ack of each group of gs counted over tenant ("": every
// tenant) that a group acknowledgement covers whole, and returns the
// others (still to fix) and those (accepted), each in gs's order.
func (as AckSet) Split(gs []FindingGroup, tenant string) (open, accepted []FindingGroup) {
	for _, g := range gs {
		g.Ack = nil
		for j := range as {
			if as[j].CoversGroup(&g, tenant) {
				g.Ack = &as[j]
				break
			}
		}
		if g.Ack != nil {
			accepted = append(accepted, g)
		} else {
			open = append(open, g)
		}
	}
	return open, accepted
}

// Groups counts the group acknowledgements of as.
func (as AckSet) Groups() int {
	n := 0
	for i := range as {
		if as[i].Group() {
			n++
		}
	}
	return n
}

// AckStore keeps acknowledgements (accepted risks), their audit log, and
// counts the findings they cover.
type AckStore interface {
	// CreateAck stores an acknowledgement (checked by the caller with
	// Ack.Check) and its "created" line of the audit log, in one
	// transaction; an existing id is ErrConflict.
	CreateAck(ctx context.Context, a Ack) error
	// Acks lists the acknowledgements in scope (a tenant's, and for a
	// tenant also the fleet-wide groups that cover its findings), oldest
	// first, at most MaxActiveAcks: at a non-zero live only those live at
	// that instant (an index walk of the unwithdrawn ones), else every one.
	Acks(ctx context.Context, sc Scope, live time.Time) ([]Ack, error)
	// WithdrawAck marks a live acknowledgement of the tenant in scope (an
	// admin's: any) withdrawn by by at at and logs it, in one
	// transaction; otherwise ErrNotFound.
	WithdrawAck(ctx context.Context, sc Scope, id, by string, at time.Time) error
	// AckLog lists the audit log of the acknowledgements of the tenant in
	// scope (an admin's: all), newest first; the cursor is the page's
	// last Seq.
	AckLog(ctx context.Context, sc Scope, p Page) ([]AckEvent, string, error)
	// AckedOlder answers each AgeCount, as OpenOlder does at a zero at,
	// over the open findings in scope (narrowed to tenant unless "")
	// covered by an acknowledgement live at now, each counted once: an
	// indexed join from the live acknowledgements (a group's through its
	// product and cycle), so O(acknowledged findings), never all.
	AckedOlder(ctx context.Context, sc Scope, tenant string, now time.Time, qs []AgeCount) ([]int64, error)
}
