package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
)

// The tenant_usage table keeps the bytes of each tenant's stored report
// bodies, in shards: a batch adds to one shard chosen at random, so that on
// PostgreSQL concurrent batches of one tenant do not all wait on one row
// lock until commit. Prune subtracts from shard 0 (a shard may go
// negative; the sum is exact). SQLite has one writer and one shard.

const upsertUsage = `INSERT INTO tenant_usage (tenant, shard, bytes) VALUES (?, ?, ?)
ON CONFLICT (tenant, shard) DO UPDATE SET bytes = tenant_usage.bytes + excluded.bytes`

// TenantUsage returns the bytes of the tenant's stored report bodies.
func (s *Store) TenantUsage(ctx context.Context, tenant string) (int64, error) {
	var n int64
	err := s.r.QueryRowContext(ctx, s.rebind(`SELECT COALESCE(SUM(bytes), 0) FROM tenant_usage WHERE tenant = ?`), tenant).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("tenant usage: %w", err)
	}
	return n, nil
}

// addUsage adds the byte counts per tenant in tx, tenants in name order
// (after every host lock of the batch, and in one order, so that
// concurrent batches cannot deadlock on these rows).
func (s *Store) addUsage(ctx context.Context, tx *sql.Tx, delta map[string]int64, shard int) error {
	tenants := make([]string, 0, len(delta))
	for t, n := range delta {
		if n != 0 {
			tenants = append(tenants, t)
		}
	}
	slices.Sort(tenants)
	for _, t := range tenants {
		if _, err := s.exec(ctx, tx, s.q.upsertUsage, t, shard, delta[t]); err != nil {
			return fmt.Errorf("tenant usage: %w", err)
		}
	}
	return nil
}

// usageShard is the shard a batch adds to.
func (s *Store) usageShard() int {
	if s.d.UsageShards <= 1 {
		return 0
	}
	return rand.IntN(s.d.UsageShards)
}
