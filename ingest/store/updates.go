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
	// Severity is the highest severity of the advisories the candidate
	// fixes, as the repository writes it; Advisories their ids and CVEs
	// the CVE ids they reference, where the host's metadata names them.
	Severity   string   `json:"severity,omitempty"`
	Advisories []string `json:"advisories,omitempty"`
	CVEs       []string `json:"cves,omitempty"`
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
	// Ref is an advisory id ("RHSA-2024:1234") or a CVE id
	// ("CVE-2024-5535"), compared exactly: only the packages whose
	// candidate fixes it ("" for any). With Ref the list is by host id,
	// then package name and arch.
	Ref string
	// SecurityOnly keeps security updates only.
	SecurityOnly bool
}

// PendingPackage is one package name pending on hosts in scope: the
// fleet's ranking of what is waiting to be installed.
type PendingPackage struct {
	Name string `json:"name"`
	// Hosts counts the hosts on which it is pending; SecurityHosts those
	// on which it is a security update.
	Hosts         int64 `json:"hosts"`
	SecurityHosts int64 `json:"security_hosts"`
	// OldestSince is the earliest PendingSince of the package on those
	// hosts, OldestSecuritySince that of its security updates (zero
	// without).
	OldestSince         time.Time  `json:"oldest_pending_since"`
	OldestSecuritySince *time.Time `json:"oldest_security_pending_since,omitempty"`
	// OldestDays is the whole days from OldestSince to the time of the
	// request (set by the server that answers it, not stored).
	OldestDays int64 `json:"oldest_pending_days"`
}

// Package rankings' orders.
const (
	// PackagesBySecurity ranks by hosts with a security update, then by
	// hosts, then by name (the default).
	PackagesBySecurity = "security"
	// PackagesByHosts ranks by hosts, then by name.
	PackagesByHosts = "hosts"
	// PackagesByAge ranks the longest pending first, then by name.
	PackagesByAge = "oldest"
	// PackagesByName ranks by name.
	PackagesByName = "name"
)

// PackageSorts are the valid PackageFilter.Sort values.
var PackageSorts = []string{PackagesBySecurity, PackagesByHosts, PackagesByAge, PackagesByName}

// PackageFilter narrows and orders the ranking of pending packages.
type PackageFilter struct {
	// Tenant narrows an all-tenants scope to one tenant.
	Tenant string
	// Prefix keeps the package names that begin with it ("" for all).
	Prefix string
	// SecurityOnly keeps packages that are a security update somewhere.
	SecurityOnly bool
	// Sort is one of PackageSorts ("" for PackagesBySecurity).
	Sort string
}

// PackagePage is a page of the ranking; Next is "" on the last page.
type PackagePage struct {
	Packages []PendingPackage `json:"packages"`
	Next     string           `json:"next,omitempty"`
}

// SetAge sets every package's OldestDays as of now.
func (p *PackagePage) SetAge(now time.Time) {
	for i := range p.Packages {
		k := &p.Packages[i]
		k.OldestDays = wholeDays(now, k.OldestSince)
	}
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
		u.PendingDays = wholeDays(now, u.PendingSince)
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
	// PendingPackages ranks the package names pending on the hosts in
	// scope matching f, from the fleet_updates aggregate (O(tenants x
	// packages)), each package's oldest pending stretch found by one index
	// seek per package on the page (every package for PackagesByAge).
	PendingPackages(ctx context.Context, sc Scope, f PackageFilter, p Page) (PackagePage, error)
}

// wholeDays is the whole days from since to now (0 when since is later).
func wholeDays(now, since time.Time) int64 {
	return max(0, int64(now.Sub(since)/(24*time.Hour)))
}
