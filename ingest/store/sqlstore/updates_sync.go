package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/internal/fnv1a"
	"github.com/demarc/demarc/report"
)

// updateCols are the columns of a host_updates upsert, in VALUES order.
var updateCols = []string{"host_id", "name", "arch", "tenant", "installed", "candidate", "sec_rank", "origin", "first_seen",
	"severity", "advisories", "cves"}

// refreshUpdateCols are the columns of host_updates that no index holds
// and a report sets, in the order of a refresh's values.
var refreshUpdateCols = []string{"installed", "candidate", "origin", "severity", "advisories", "cves"}

// updateQueries are the statements that keep host_updates and
// host_update_refs.
type updateQueries struct {
	read, setDigest, clamp string
	// upsert and remove hold the statements for chunkSizes rows; addRefs
	// and removeRefs those of host_update_refs. refresh rewrites the
	// columns of stored packages that no index holds: a new candidate,
	// origin or advisories with the same security rank leaves the two
	// indexes by name as they were (SQLite rewrites the index entries of
	// every column an UPDATE sets, changed or not).
	upsert, remove, addRefs, removeRefs, refresh map[int]string
}

func buildUpdateQueries(rebind func(string) string) updateQueries {
	q := updateQueries{
		read:      rebind(`SELECT name, arch, installed, candidate, sec_rank, origin, severity, advisories, cves FROM host_updates WHERE host_id = ?`),
		setDigest: rebind(`UPDATE hosts SET updates_digest = ? WHERE host_id = ?`),
		// A new state scanned before the previous one (dated ahead): the
		// packages it lists were pending then.
		clamp:   rebind(`UPDATE host_updates SET first_seen = ? WHERE host_id = ? AND first_seen > ?`),
		refresh: refreshStatements(rebind, "host_updates", []string{"host_id", "name", "arch"}, refreshUpdateCols, nil),
		upsert:  map[int]string{}, remove: map[int]string{}, addRefs: map[int]string{}, removeRefs: map[int]string{},
	}
	row := "(" + placeholders(len(updateCols)) + ")"
	for _, n := range chunkSizes {
		rows := strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
		// first_seen is kept: the package stays pending, whatever its
		// candidate.
		q.upsert[n] = rebind(`INSERT INTO host_updates (` + strings.Join(updateCols, ", ") + `) VALUES ` + rows +
			` ON CONFLICT (host_id, name, arch) DO UPDATE SET tenant = excluded.tenant, installed = excluded.installed,
candidate = excluded.candidate, sec_rank = excluded.sec_rank, origin = excluded.origin, severity = excluded.severity,
advisories = excluded.advisories, cves = excluded.cves`)
		keys := strings.TrimSuffix(strings.Repeat("(?, ?), ", n), ", ")
		q.remove[n] = rebind(`DELETE FROM host_updates WHERE host_id = ? AND (name, arch) IN (VALUES ` + keys + `)`)
		q.removeRefs[n] = rebind(`DELETE FROM host_update_refs WHERE host_id = ? AND (name, arch) IN (VALUES ` + keys + `)`)
		refs := strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?), ", n), ", ")
		q.addRefs[n] = rebind(`INSERT INTO host_update_refs (host_id, name, arch, ref, tenant) VALUES ` + refs +
			` ON CONFLICT (host_id, name, arch, ref) DO NOTHING`)
	}
	return q
}

// statements lists every statement for prepare.
func (q updateQueries) statements() []string {
	out := []string{q.read, q.setDigest, q.clamp}
	for _, n := range chunkSizes {
		out = append(out, q.upsert[n], q.remove[n], q.addRefs[n], q.removeRefs[n], q.refresh[n])
	}
	return out
}

// pendingKey identifies a pending package on its host.
type pendingKey struct{ name, arch string }

// pendingRow is a package's stored columns besides its key and first_seen.
type pendingRow struct {
	installed, candidate, origin string
	secRank                      int64
	// severity is the highest advisory severity; advisories and cves the
	// report's ids, space-separated.
	severity, advisories, cves string
}

func rowOf(p *report.Package) pendingRow {
	r := pendingRow{installed: p.Installed, candidate: p.Candidate, origin: p.Origin, secRank: 1,
		severity: p.Severity, advisories: strings.Join(p.Advisories, " "), cves: strings.Join(p.CVEs, " ")}
	if p.Security {
		r.secRank = 0
	}
	return r
}

// refs are the advisory and CVE ids of a row, each once.
func (r pendingRow) refs() []string {
	out := strings.Fields(r.advisories + " " + r.cves)
	slices.Sort(out)
	return slices.Compact(out)
}

// uniquePackages is u's packages with one entry per name and arch (the
// last one listed wins), in the order first listed.
func uniquePackages(u *report.Updates) []*report.Package {
	at := make(map[pendingKey]int, len(u.Packages))
	out := make([]*report.Package, 0, len(u.Packages))
	for i := range u.Packages {
		p := &u.Packages[i]
		k := pendingKey{p.Name, p.Arch}
		if j, ok := at[k]; ok {
			out[j] = p
			continue
		}
		at[k] = len(out)
		out = append(out, p)
	}
	return out
}

// updatesDigest fingerprints a pending list (order-independent: the sum
// of each package's hash; validated strings hold no NUL).
func updatesDigest(pkgs []*report.Package) int64 {
	var d int64
	for _, p := range pkgs {
		h := fnv1a.Offset
		r := rowOf(p)
		for _, s := range [...]string{p.Name, p.Arch, r.installed, r.candidate, r.origin} {
			h = h.Str(s).Byte(0)
		}
		h = h.Byte(byte(r.secRank))
		// Hashed only when set, so that a list without advisories keeps
		// the digest it had before migration 21.
		if r.severity != "" || r.advisories != "" || r.cves != "" {
			for _, s := range [...]string{r.severity, r.advisories, r.cves} {
				h = h.Str(s).Byte(0)
			}
		}
		d += int64(h)
	}
	return d
}

// syncUpdates brings a host's pending packages in line with the report
// that became its latest state, and adds what that changes in the fleet's
// pending packages to fleet. A report without an updates section (the
// collector failed or did not run) changes nothing: a failed check is not
// a fix. When the list's digest equals prevDigest (the stored list's)
// nothing is written; otherwise only the packages that appeared or
// changed are upserted (first_seen kept) and those gone deleted, with
// their advisory and CVE ids. fresh marks a new host (nothing stored to
// read); clamp a state scanned before the previous one.
func (s *Store) syncUpdates(ctx context.Context, tx *sql.Tx, it *store.Incoming, prevDigest int64, fresh, clamp bool, fleet *fleetDelta) error {
	u := it.Report.Updates
	if u == nil {
		return nil
	}
	hostID, scanned := it.Report.Host.HostID, micros(it.Report.ScannedAt)
	pkgs := uniquePackages(u)
	if digest := updatesDigest(pkgs); digest != prevDigest {
		stored := map[pendingKey]pendingRow{}
		if !fresh {
			var err error
			if stored, err = s.storedUpdates(ctx, tx, hostID); err != nil {
				return err
			}
		}
		fleet.pendingNames(it.Tenant, stored, pkgs)
		var changed, refreshed, refKeys, refs []any
		n, nk, nr := 0, 0, 0
		for _, p := range pkgs {
			k, r := pendingKey{p.Name, p.Arch}, rowOf(p)
			old, ok := stored[k]
			delete(stored, k)
			if ok && old == r {
				continue
			}
			if ok && old.secRank == r.secRank {
				// A host's packages are all in its tenant (a host never
				// moves), so only unindexed columns change.
				refreshed = append(refreshed, hostID, p.Name, p.Arch, r.installed, r.candidate, r.origin, r.severity, r.advisories, r.cves)
			} else {
				changed = append(changed, hostID, p.Name, p.Arch, it.Tenant, r.installed, r.candidate, r.secRank, r.origin, scanned,
					r.severity, r.advisories, r.cves)
				n++
			}
			oldRefs, newRefs := old.refs(), r.refs()
			if ok && slices.Equal(oldRefs, newRefs) {
				continue
			}
			if len(oldRefs) > 0 {
				refKeys = append(refKeys, p.Name, p.Arch)
				nk++
			}
			for _, ref := range newRefs {
				refs = append(refs, hostID, p.Name, p.Arch, ref, it.Tenant)
				nr++
			}
		}
		gone := make([]any, 0, 2*len(stored))
		for k, r := range stored {
			gone = append(gone, k.name, k.arch)
			if len(r.refs()) > 0 {
				refKeys = append(refKeys, k.name, k.arch)
				nk++
			}
		}
		if err := s.inChunks(ctx, tx, s.q.u.removeRefs, []any{hostID}, refKeys, nk, 2); err != nil {
			return fmt.Errorf("delete pending updates' advisories: %w", err)
		}
		if err := s.inChunks(ctx, tx, s.q.u.upsert, nil, changed, n, len(updateCols)); err != nil {
			return fmt.Errorf("upsert pending updates: %w", err)
		}
		width := 3 + len(refreshUpdateCols)
		if err := s.inChunks(ctx, tx, s.q.u.refresh, nil, refreshed, len(refreshed)/width, width); err != nil {
			return fmt.Errorf("refresh pending updates: %w", err)
		}
		if err := s.inChunks(ctx, tx, s.q.u.addRefs, nil, refs, nr, 5); err != nil {
			return fmt.Errorf("store pending updates' advisories: %w", err)
		}
		if err := s.inChunks(ctx, tx, s.q.u.remove, []any{hostID}, gone, len(stored), 2); err != nil {
			return fmt.Errorf("delete pending updates: %w", err)
		}
		if _, err := s.exec(ctx, tx, s.q.u.setDigest, digest, hostID); err != nil {
			return fmt.Errorf("store updates digest: %w", err)
		}
	}
	if clamp && !fresh {
		if _, err := s.exec(ctx, tx, s.q.u.clamp, scanned, hostID, scanned); err != nil {
			return fmt.Errorf("clamp pending updates: %w", err)
		}
	}
	return nil
}

func (s *Store) storedUpdates(ctx context.Context, tx *sql.Tx, hostID string) (map[pendingKey]pendingRow, error) {
	st, err := s.stmt(ctx, tx, s.q.u.read)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, hostID)
	if err != nil {
		return nil, fmt.Errorf("read pending updates: %w", err)
	}
	defer rows.Close()
	out := map[pendingKey]pendingRow{}
	for rows.Next() {
		var k pendingKey
		var r pendingRow
		if err := rows.Scan(&k.name, &k.arch, &r.installed, &r.candidate, &r.secRank, &r.origin, &r.severity, &r.advisories, &r.cves); err != nil {
			return nil, fmt.Errorf("read pending updates: %w", err)
		}
		out[k] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read pending updates: %w", err)
	}
	return out, nil
}
