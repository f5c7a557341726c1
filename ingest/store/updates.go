package store

import (
	"context"
	"time"
)

// PendingUpdate is one package update pending on a host in its latest
// state (the latest report that carried an updates section: a report
// whose updates collector failed or did not run keeps the list before it).
type PendingUpdate struct {
	HostID   string `json:"host_id"`
	Hostname string `json:"hostname"`
	Tenant   string `json:"tenant"`
	// Name and Arch identify the package on its host.
	Name string `json:"name"`
	Arch string `json:"arch,omitempty"`
	// Installed is the installed version ("" for a new install pulled in
	// by the upgrade); Candidate the version the upgrade would install.
	Installed string `json:"installed"`
	Candidate string `json:"candidate"`
	// Security is true when the candidate comes from a security source.
	Security bool `json:"security"`
	// Origin is the repository, pocket or archive offering the candidate.
	Origin string `json:"origin,omitempty"`
	// PendingSince is the scan time of the first report of the current
	// stretch in which the package has been pending on the host, whatever
	// its candidate (a newer candidate does not restart it; a report
	// without the package ends it, and its return starts a new one).
	PendingSince time.Time `json:"pending_since"`
	// PendingDays is the whole days from PendingSince to the time of the
	// request (set by the server that answers it, not stored).
	PendingDays int64 `json:"pending_days"`
}

// UpdateFilter narrows the fleet's pending updates.
type UpdateFilter struct {
	// Tenant narrows an all-tenants scope to one tenant.
	Tenant string
	// Package is a package name, compared exactly ("" for every package).
	Package string
	// SecurityOnly keeps security updates only.
	SecurityOnly bool
}

// UpdatePage is a page of pending updates; Next is "" on the last page.
type UpdatePage struct {
	Updates []PendingUpdate `json:"updates"`
	Next    string          `json:"next,omitempty"`
}

// SetAge sets every update's PendingDays as of now.
func (p *UpdatePage) SetAge(now time.Time) {
	for i := range p.Updates {
		u := &p.Updates[i]
		u.PendingDays = max(0, int64(now.Sub(u.PendingSince)/(24*time.Hour)))
	}
}

// UpdateReader reads the package updates pending on hosts in a scope.
type UpdateReader interface {
	// HostUpdates lists the package updates pending on one host in scope
	// in its latest state: security updates first, then the longest
	// pending, then by name and arch. An unknown host has none.
	HostUpdates(ctx context.Context, sc Scope, hostID string, p Page) (UpdatePage, error)
	// PendingUpdates lists the package updates pending on the hosts in
	// scope matching f: by package name, then security updates first, then
	// the longest pending, then by host id and arch.
	PendingUpdates(ctx context.Context, sc Scope, f UpdateFilter, p Page) (UpdatePage, error)
}
