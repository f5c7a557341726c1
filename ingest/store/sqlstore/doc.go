// Package sqlstore implements store.Store over database/sql, once for both
// databases: SQLite (modernc.org/sqlite, see package sqlite) and PostgreSQL
// (pgx, see package postgres) differ only in a Dialect (placeholders, row
// locking, migration locking) and in their migration files.
//
// Writes go through SaveBatch: one transaction per batch, reports inserted
// with ON CONFLICT DO NOTHING on (host_id, report_id) (so a report posted
// to two replicas is stored once: the database's uniqueness decides, not
// process memory), each host's latest state updated only by a newer scan, and its
// findings synchronised against the stored ones so that an unchanged
// finding costs no write.
//
// Times are stored as unix microseconds (UTC) in BIGINT/INTEGER columns so
// that one set of queries serves both databases.
package sqlstore
