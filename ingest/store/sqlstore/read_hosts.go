package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

const hostSelect = `SELECT host_id, tenant, hostname, os_id, os_version_id, os_name, os_pretty_name, os_family,
kernel_release, arch, virt_system, virt_role, provider, tier, maintenance, customer_virt, agent_version,
latest_report_id, scanned_at, first_seen, received_at,
p_critical, p_high, p_medium, p_low, p_info, c_critical, c_high, c_medium, c_low, c_info, provider_weight,
collector_failures, unverified, claimed_tier, claimed_maintenance, claimed_virt
FROM hosts`

// claimDisagrees keeps hosts whose latest report claims another profile
// than the one they were judged on (ClaimedProfile).
const claimDisagrees = `(claimed_tier <> '' AND (claimed_tier <> tier OR claimed_maintenance <> maintenance OR claimed_virt <> customer_virt))`

var hostSorts = map[string]sortSpec{
	"":               {cols: []string{"hostname", "host_id"}, ints: []bool{false, false}},
	"hostname":       {cols: []string{"hostname", "host_id"}, ints: []bool{false, false}},
	"-scanned_at":    {cols: []string{"scanned_at", "host_id"}, ints: []bool{true, false}, desc: true},
	"-provider_open": {cols: []string{"provider_weight", "host_id"}, ints: []bool{true, false}, desc: true},
}

// sevCols maps a party and severity to the hosts count columns.
func sevCols(resp report.Responsible, sev report.Severity) []string {
	var out []string
	for _, r := range []report.Responsible{report.ResponsibleProvider, report.ResponsibleCustomer} {
		if resp != "" && resp != r {
			continue
		}
		for _, s := range report.Severities {
			if sev != "" && sev != s {
				continue
			}
			out = append(out, string(r)[:1]+"_"+string(s))
		}
	}
	return out
}

// Hosts lists hosts in scope.
func (s *Store) Hosts(ctx context.Context, sc store.Scope, f store.HostFilter, p store.Page) (store.HostPage, error) {
	p = p.Clamp()
	order, ok := hostSorts[f.Sort]
	if !ok {
		return store.HostPage{}, fmt.Errorf("host sort %q: %w", f.Sort, store.ErrInvalid)
	}
	w, err := hostWhere(sc, f)
	if err != nil {
		return store.HostPage{}, err
	}
	cond, args, err := order.after(p.Cursor)
	if err != nil {
		return store.HostPage{}, err
	}
	if cond != "" {
		w.add(cond, args...)
	}
	q := s.rebind(hostSelect + w.sql() + order.orderBy() + " LIMIT ?")
	rows, err := s.r.QueryContext(ctx, q, append(w.args, p.Limit+1)...)
	if err != nil {
		return store.HostPage{}, fmt.Errorf("list hosts: %w", err)
	}
	defer rows.Close()
	page := store.HostPage{Hosts: []store.Host{}}
	var weights []int64
	for rows.Next() {
		h, wgt, err := scanHost(rows)
		if err != nil {
			return store.HostPage{}, fmt.Errorf("list hosts: %w", err)
		}
		page.Hosts = append(page.Hosts, h)
		weights = append(weights, wgt)
	}
	if err := rows.Err(); err != nil {
		return store.HostPage{}, fmt.Errorf("list hosts: %w", err)
	}
	if err := rows.Close(); err != nil {
		return store.HostPage{}, fmt.Errorf("list hosts: %w", err)
	}
	if len(page.Hosts) > p.Limit {
		page.Hosts = page.Hosts[:p.Limit]
		last := page.Hosts[p.Limit-1]
		switch order.cols[0] {
		case "hostname":
			page.Next = encodeCursor(last.Hostname, last.HostID)
		case "scanned_at":
			page.Next = encodeCursor(micros(last.ScannedAt), last.HostID)
		default:
			page.Next = encodeCursor(weights[p.Limit-1], last.HostID)
		}
	}
	if err := s.withEnrollment(ctx, sc, page.Hosts); err != nil {
		return store.HostPage{}, err
	}
	return page, nil
}

// hostKeyWhere is the condition on the columns hosts and fleet_hosts
// share: scope, tenant, tier and OS release.
func hostKeyWhere(sc store.Scope, f store.HostFilter) *where {
	w := &where{}
	cond, args := scopeWhere(sc, "tenant")
	w.add(cond, args...)
	if f.Tenant != "" {
		w.add("tenant = ?", f.Tenant)
	}
	if f.Tier != "" {
		w.add("tier = ?", string(f.Tier))
	}
	if f.OS != "" {
		id, ver, hasVer := strings.Cut(f.OS, ":")
		w.add("os_id = ?", id)
		if hasVer {
			w.add("os_version_id = ?", ver)
		}
	}
	return w
}

// hostWhere is the condition of a host filter within a scope.
func hostWhere(sc store.Scope, f store.HostFilter) (*where, error) {
	w := hostKeyWhere(sc, f)
	if f.Responsible != "" || f.Severity != "" {
		cols := sevCols(f.Responsible, f.Severity)
		if len(cols) == 0 {
			return nil, fmt.Errorf("host filter: %w", store.ErrInvalid)
		}
		w.add("(" + strings.Join(cols, " + ") + ") > 0")
	}
	if f.FailingCollectors {
		w.add("collector_failures <> ''")
	}
	if f.ClaimDisagrees {
		w.add(claimDisagrees)
	}
	if f.Search != "" {
		pat := "%" + likeEscape(strings.ToLower(f.Search)) + "%"
		w.add(`(LOWER(hostname) LIKE ? ESCAPE '\' OR LOWER(host_id) LIKE ? ESCAPE '\')`, pat, pat)
	}
	return w, nil
}

// Host returns one host in scope.
func (s *Store) Host(ctx context.Context, sc store.Scope, hostID string) (store.Host, error) {
	cond, args := scopeWhere(sc, "tenant")
	q := s.rebind(hostSelect + " WHERE host_id = ? AND " + cond)
	h, _, err := scanHost(s.r.QueryRowContext(ctx, q, append([]any{hostID}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Host{}, fmt.Errorf("host %q: %w", hostID, store.ErrNotFound)
	}
	if err != nil {
		return store.Host{}, fmt.Errorf("read host: %w", err)
	}
	hs := []store.Host{h}
	if err := s.withEnrollment(ctx, sc, hs); err != nil {
		return store.Host{}, err
	}
	return hs[0], nil
}

type scanner interface{ Scan(dest ...any) error }

func scanHost(r scanner) (store.Host, int64, error) {
	var h store.Host
	var tier string
	var scanned, first, received, weight int64
	var failures, claimedTier string
	var claimedAgreement, claimedVirt bool
	pc, cc := &h.Open.Provider, &h.Open.Customer
	err := r.Scan(&h.HostID, &h.Tenant, &h.Hostname, &h.OS.ID, &h.OS.VersionID, &h.OS.Name, &h.OS.PrettyName,
		&h.OS.Family, &h.KernelRelease, &h.Arch, &h.Virtualization, &h.VirtRole, &h.Provider, &tier,
		&h.MaintenanceAgreement, &h.CustomerManagedVirtualisation, &h.AgentVersion, &h.LatestReportID,
		&scanned, &first, &received,
		&pc.Critical, &pc.High, &pc.Medium, &pc.Low, &pc.Info,
		&cc.Critical, &cc.High, &cc.Medium, &cc.Low, &cc.Info, &weight, &failures, &h.Unverified,
		&claimedTier, &claimedAgreement, &claimedVirt)
	h.Tier = report.Tier(tier)
	if claimedTier != "" {
		h.Claimed = &store.ClaimedProfile{Tier: report.Tier(claimedTier), MaintenanceAgreement: claimedAgreement,
			CustomerManagedVirtualisation: claimedVirt}
		h.ClaimDisagrees = h.Claimed.Tier != h.Tier || claimedAgreement != h.MaintenanceAgreement ||
			claimedVirt != h.CustomerManagedVirtualisation
	}
	h.FailingCollectors = decodeFailures(failures)
	h.ScannedAt, h.FirstSeen, h.ReceivedAt = fromMicros(scanned), fromMicros(first), fromMicros(received)
	return h, weight, err
}

// likeEscape escapes LIKE wildcards with a backslash.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
