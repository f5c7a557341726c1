package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/demarc/demarc/ingest/store"
)

// identitySelect reads host identities with their current key and whether
// another identity shares their non-empty machine id (both are flagged;
// host_identities_machine answers the EXISTS).
const identitySelect = `SELECT i.host_id, i.tenant, i.hostname, i.machine_id, i.product_uuid, i.os_id, i.os_version_id,
i.enrolled_at, i.enrolled_with, i.revoked_at, i.rotate_requested,
(i.machine_id <> '' AND EXISTS (SELECT 1 FROM host_identities o
 WHERE o.machine_id = i.machine_id AND o.machine_id <> '' AND o.host_id <> i.host_id)),
k.created_at, k.last_used_at
FROM host_identities i LEFT JOIN host_keys k ON k.host_id = i.host_id AND k.state = 'current'`

// HostKey returns a host key by id with its host's tenant and revocation.
func (s *Store) HostKey(ctx context.Context, keyID string) (store.HostKey, error) {
	var k store.HostKey
	var state string
	var created int64
	var used, revoked *int64
	err := s.r.QueryRowContext(ctx, s.rebind(`SELECT k.key_id, k.host_id, i.tenant, k.hash, k.state, k.created_at,
k.last_used_at, i.revoked_at, i.rotate_requested
FROM host_keys k JOIN host_identities i ON i.host_id = k.host_id WHERE k.key_id = ?`), keyID).
		Scan(&k.ID, &k.HostID, &k.Tenant, &k.Hash, &state, &created, &used, &revoked, &k.RotateRequested)
	if errors.Is(err, sql.ErrNoRows) {
		return k, fmt.Errorf("host key %s: %w", keyID, store.ErrNotFound)
	}
	if err != nil {
		return k, fmt.Errorf("read host key: %w", err)
	}
	k.State, k.CreatedAt = store.KeyState(state), fromMicros(created)
	k.LastUsedAt, k.HostRevokedAt = optTime(used), optTime(revoked)
	return k, nil
}

// HostIdentity returns an enrolled host's identity in scope.
func (s *Store) HostIdentity(ctx context.Context, sc store.Scope, hostID string) (store.HostIdentity, error) {
	ids, err := s.identities(ctx, sc, []string{hostID})
	if err != nil {
		return store.HostIdentity{}, err
	}
	id, ok := ids[hostID]
	if !ok {
		return store.HostIdentity{}, fmt.Errorf("host identity %q: %w", hostID, store.ErrNotFound)
	}
	return *id, nil
}

// identities reads the identities in scope of the given hosts, in one
// query (a page of hosts is at most store.MaxLimit ids).
func (s *Store) identities(ctx context.Context, sc store.Scope, hostIDs []string) (map[string]*store.HostIdentity, error) {
	out := make(map[string]*store.HostIdentity, len(hostIDs))
	if len(hostIDs) == 0 {
		return out, nil
	}
	cond, args := scopeWhere(sc, "i.tenant")
	q := identitySelect + ` WHERE i.host_id IN (` + placeholders(len(hostIDs)) + `) AND ` + cond
	all := make([]any, 0, len(hostIDs)+len(args))
	for _, id := range hostIDs {
		all = append(all, id)
	}
	err := s.each(ctx, q, append(all, args...), func(r *sql.Rows) error {
		id, err := scanIdentity(r)
		if err == nil {
			out[id.HostID] = &id
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read host identities: %w", err)
	}
	return out, nil
}

// withEnrollment fills the Enrollment of hosts from their identities.
func (s *Store) withEnrollment(ctx context.Context, sc store.Scope, hosts []store.Host) error {
	ids := make([]string, len(hosts))
	for i := range hosts {
		ids[i] = hosts[i].HostID
	}
	found, err := s.identities(ctx, sc, ids)
	if err != nil {
		return err
	}
	for i := range hosts {
		hosts[i].Enrollment = found[hosts[i].HostID]
	}
	return nil
}

func scanIdentity(r scanner) (store.HostIdentity, error) {
	var h store.HostIdentity
	var enrolled int64
	var revoked, keyCreated, keyUsed *int64
	err := r.Scan(&h.HostID, &h.Tenant, &h.Hostname, &h.MachineID, &h.ProductUUID, &h.OSID, &h.OSVersionID,
		&enrolled, &h.EnrolledWith, &revoked, &h.RotateRequested, &h.DuplicateMachineID, &keyCreated, &keyUsed)
	if err != nil {
		return h, err
	}
	h.EnrolledAt, h.RevokedAt, h.KeyLastUsedAt = fromMicros(enrolled), optTime(revoked), optTime(keyUsed)
	if keyCreated != nil {
		h.KeyCreatedAt = fromMicros(*keyCreated)
	}
	return h, nil
}
