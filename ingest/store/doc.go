// Package store defines how demarc-server keeps reports: the Store
// interface, the records it reads and writes, and the query shapes (scopes,
// filters, cursors) the API and the web UI share.
//
// Tenant isolation lives here, not only in HTTP handlers: every read takes a
// Scope, and an implementation must add the scope's tenant to every query it
// runs. A zero Scope matches nothing.
//
// Data model (the same in every implementation):
//   - reports: each accepted report, keyed by report_id (unique across the
//     whole service, which is what makes ingestion idempotent across
//     replicas), with the received body gzip-compressed, its SHA-256, and
//     the scan time. Bodies older than the retention are pruned, except the
//     latest report of each host.
//   - hosts: each host's latest state (from its newest report by scanned_at;
//     an older report arriving late is stored as history but never
//     overwrites the latest state) and its open finding counts.
//   - findings: each finding of each host by its stable id, with first_seen
//     (first report it appeared in), opened_at (start of the current open
//     stretch: first_seen, or the report it reappeared in), last_seen and
//     resolved_at (the first newer report of the host without it).
package store
