package store

import (
	"time"

	"github.com/demarc/demarc/report"
)

// AgeCount asks how many findings of one party and severity whose open
// stretch began before Before were open (the SLA clocks: Before is the
// instant minus the SLA).
type AgeCount struct {
	Responsible report.Responsible
	Severity    report.Severity
	Before      time.Time
}

// AgeWindow selects the open findings of one party ("": either) and
// severity whose open stretch began in [From, Before) (a zero From: any
// time before).
type AgeWindow struct {
	Responsible report.Responsible
	Severity    report.Severity
	From        time.Time
	Before      time.Time
}

// ResolvedQuery asks for the findings of one party resolved in [From,
// To), counted per severity, and how many of them had been open no longer
// than Within gives for their severity (a severity missing from Within is
// counted but never within).
type ResolvedQuery struct {
	// Tenant narrows an all-tenants scope to one tenant.
	Tenant      string
	Responsible report.Responsible
	From, To    time.Time
	Within      map[report.Severity]time.Duration
}

// ResolvedCount is one severity's answer to a ResolvedQuery.
type ResolvedCount struct {
	Severity report.Severity `json:"severity"`
	Resolved int64           `json:"resolved"`
	Within   int64           `json:"within"`
}
