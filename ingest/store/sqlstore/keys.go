package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/demarc/demarc/ingest/store"
)

// refused reports whether the credential of it may not post its report,
// checked in the batch's transaction before anything of the item is
// written: a host key must be of the report's host and tenant, not
// retired (a server's credential cache may still hold a rotated-out key
// as current for a few seconds: a stolen old key must not post, nor be
// handed a new key), and its host not revoked; a legacy token may not
// post for an enrolled host. Neither read takes a lock.
func (s *Store) refused(ctx context.Context, tx *sql.Tx, it *store.Incoming) (bool, error) {
	hostID := it.Report.Host.HostID
	if it.KeyID != "" {
		var keyHost, tenant, state string
		var revoked bool
		err := s.queryRow(ctx, tx, s.q.postingKey, it.KeyID).Scan(&keyHost, &tenant, &revoked, &state)
		if errors.Is(err, sql.ErrNoRows) {
			return true, nil
		}
		if err != nil {
			return false, fmt.Errorf("read host key: %w", err)
		}
		return keyHost != hostID || tenant != it.Tenant || revoked || state == string(store.KeyRetired), nil
	}
	if it.Legacy {
		var n int
		if err := s.queryRow(ctx, tx, s.q.identityExists, hostID).Scan(&n); err != nil {
			return false, fmt.Errorf("read host identity: %w", err)
		}
		return n > 0, nil
	}
	return false, nil
}

// applyKeys does what the batch's posts do to their host keys, after every
// report of the batch is written (so that a transaction takes all its host
// locks before any identity or key lock: two batches cannot deadlock
// between them), in the batch's host order. For an item posted with a key
// and not refused, the key's last_used_at moves to ReceivedAt; when the
// report was stored or was a duplicate (a 2xx answer), a pending key is
// promoted and IssueKey becomes the host's pending key.
func (s *Store) applyKeys(ctx context.Context, tx *sql.Tx, items []store.Incoming, order []int, out []store.Outcome) error {
	for _, i := range order {
		it := &items[i]
		if it.KeyID == "" || out[i].Result == store.Forbidden {
			continue
		}
		hostID := it.Report.Host.HostID
		// Serialises every key change of the host (on PostgreSQL).
		var rotate bool
		if err := s.queryRow(ctx, tx, s.q.lockIdentity, hostID).Scan(&rotate); err != nil {
			return fmt.Errorf("lock host identity %s: %w", hostID, err)
		}
		at := micros(it.ReceivedAt)
		if _, err := s.exec(ctx, tx, s.q.keyUsed, at, it.KeyID, at); err != nil {
			return fmt.Errorf("host key last used: %w", err)
		}
		if r := out[i].Result; r != store.Created && r != store.Duplicate {
			continue
		}
		if err := s.promote(ctx, tx, hostID, it.KeyID); err != nil {
			return err
		}
		if it.IssueKey != nil {
			if err := s.issueKey(ctx, tx, hostID, it.IssueKey); err != nil {
				return err
			}
			out[i].KeyIssued = true
		}
	}
	return nil
}

// promote makes keyID the host's current key if it is pending, retiring
// the old current one first (one current key per host, checked by a
// unique index row by row).
func (s *Store) promote(ctx context.Context, tx *sql.Tx, hostID, keyID string) error {
	var state string
	if err := s.queryRow(ctx, tx, s.q.keyState, keyID).Scan(&state); err != nil {
		return fmt.Errorf("read host key: %w", err)
	}
	if store.KeyState(state) != store.KeyPending {
		return nil
	}
	if _, err := s.exec(ctx, tx, s.q.retireState, hostID, string(store.KeyCurrent)); err != nil {
		return fmt.Errorf("retire current host key: %w", err)
	}
	if _, err := s.exec(ctx, tx, s.q.promoteKey, keyID); err != nil {
		return fmt.Errorf("promote host key: %w", err)
	}
	return nil
}

// issueKey stores k as the host's pending key, retiring an earlier pending
// one, and clears the host's rotation request.
func (s *Store) issueKey(ctx context.Context, tx *sql.Tx, hostID string, k *store.NewHostKey) error {
	if _, err := s.exec(ctx, tx, s.q.retireState, hostID, string(store.KeyPending)); err != nil {
		return fmt.Errorf("retire pending host key: %w", err)
	}
	if _, err := s.exec(ctx, tx, s.q.insertKey, k.ID, hostID, k.Hash, string(store.KeyPending), micros(k.CreatedAt)); err != nil {
		return fmt.Errorf("issue host key: %w", err)
	}
	if _, err := s.exec(ctx, tx, s.q.clearRotation, false, hostID); err != nil {
		return fmt.Errorf("clear rotation request: %w", err)
	}
	return nil
}
