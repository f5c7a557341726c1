package store

import (
	"context"
	"time"

	"github.com/demarc/demarc/report"
)

// Event types of the notification outbox (the "type" of an event in a
// webhook delivery; docs/SERVER.md, "Webhooks").
const (
	// EventFindingOpened: a provider finding opened (new, or reappeared
	// after being resolved). Written in the transaction that opens it.
	EventFindingOpened = "finding.opened"
	// EventSLADue and EventSLABreached: a provider finding came within
	// sla.DueWithin of its SLA's end, or past it.
	EventSLADue      = "sla.due"
	EventSLABreached = "sla.breached"
	// EventHostSilent: a host sent no report for the configured time.
	EventHostSilent = "host.silent"
	// EventCollectorFailed: a host's latest report has collectors that
	// did not run cleanly (one event per report).
	EventCollectorFailed = "collector.failed"
	// EventTest: an administrator's "send test".
	EventTest = "test"
)

// Event is one notification as kept in the outbox and sent to webhooks.
// Its JSON is part of the webhook schema: fields are only ever added.
type Event struct {
	// ID is the idempotency key: the same event always has the same ID,
	// also when it is delivered again.
	ID   string    `json:"id"`
	Type string    `json:"type"`
	At   time.Time `json:"at"`
	// Tenant is the host's tenant ("" for fleet-wide events).
	Tenant   string          `json:"tenant"`
	HostID   string          `json:"host_id,omitempty"`
	Hostname string          `json:"hostname,omitempty"`
	Severity report.Severity `json:"severity,omitempty"`
	Finding  *EventFinding   `json:"finding,omitempty"`
	// SLADue is when the finding's SLA runs out (sla.* events).
	SLADue *time.Time `json:"sla_due,omitempty"`
	// LastReceivedAt is when the host's latest report came (host.silent).
	LastReceivedAt *time.Time `json:"last_received_at,omitempty"`
	// Collectors are the collectors that did not run cleanly
	// (collector.failed), of report ReportID.
	Collectors []CollectorIssue `json:"collectors,omitempty"`
	ReportID   string           `json:"report_id,omitempty"`
	Message    string           `json:"message,omitempty"`
	// Subscription, when set, is the only subscription the event goes to
	// (a "send test").
	Subscription string `json:"subscription,omitempty"`
}

// EventFinding is the finding an event is about.
type EventFinding struct {
	ID          string             `json:"id"`
	Kind        report.Kind        `json:"kind"`
	Layer       report.Layer       `json:"layer"`
	Product     string             `json:"product"`
	Installed   string             `json:"installed,omitempty"`
	Latest      string             `json:"latest,omitempty"`
	Cycle       string             `json:"cycle,omitempty"`
	Responsible report.Responsible `json:"responsible"`
	Rule        string             `json:"rule,omitempty"`
	Remediation string             `json:"remediation,omitempty"`
	OpenedAt    time.Time          `json:"opened_at"`
}

// QueuedEvent is an event waiting for delivery to one subscription, with
// its place in the outbox.
type QueuedEvent struct {
	Seq   int64
	Event Event
}

// Delivery is one attempt to deliver a batch of events to a subscription.
type Delivery struct {
	ID           int64     `json:"id"`
	Subscription string    `json:"subscription"`
	DeliveryID   string    `json:"delivery_id"`
	At           time.Time `json:"at"`
	Events       int       `json:"events"`
	Attempt      int       `json:"attempt"`
	// Status is the receiver's HTTP status (0: no answer).
	Status   int           `json:"status"`
	Error    string        `json:"error,omitempty"`
	Duration time.Duration `json:"duration_ns"`
}

// Outbox is the notification outbox, implemented by the SQL stores beside
// Store (SaveBatch and Rejudge write EventFindingOpened events in their
// own transactions).
type Outbox interface {
	// AddEvents stores events; an event whose ID is already stored is
	// skipped (the event jobs may produce it again).
	AddEvents(ctx context.Context, evs []Event, at time.Time) error
	// DispatchEvents takes up to limit events not yet dispatched, oldest
	// first, queues each for the subscriptions route names, and marks
	// them dispatched, in one transaction. It returns how many it took.
	DispatchEvents(ctx context.Context, route func(Event) []string, limit int) (int, error)
	// PendingEvents lists up to limit events queued for sub and not yet
	// delivered, oldest first.
	PendingEvents(ctx context.Context, sub string, limit int) ([]QueuedEvent, error)
	// MarkDelivered records the events as delivered to sub.
	MarkDelivered(ctx context.Context, sub string, seqs []int64, at time.Time) error
	// LogDelivery records a delivery attempt.
	LogDelivery(ctx context.Context, d Delivery) error
	// Deliveries lists the latest delivery attempts (of sub, unless ""),
	// newest first.
	Deliveries(ctx context.Context, sub string, limit int) ([]Delivery, error)
}
