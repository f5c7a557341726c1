// Package store defines how demarc-server keeps reports: the Store
// interface, the records it reads and writes, and the query shapes (scopes,
// filters, cursors) the API and the web UI share.
//
// Tenant isolation lives here, not only in HTTP handlers: every read takes a
// Scope, and an implementation must add the scope's tenant to every query it
// runs. A zero Scope matches nothing.
//
// Data model (the same in every implementation):
//   - reports: each accepted report, keyed by (host_id, report_id): report
//     ids are unique per host, and the database's key is what makes
//     ingestion idempotent across replicas. The received body is kept
//     gzip-compressed with its SHA-256 and the scan time. Bodies older than
//     the retention are pruned, except the latest report of each host.
//   - hosts: each host's latest state (from the report received last; one
//     received earlier but committed later is stored as history and never
//     overwrites the latest state) and its open finding counts.
//   - findings: each finding of each host by its stable id, with first_seen
//     (first report it appeared in), opened_at (start of the current open
//     stretch: first_seen, or the report it reappeared in), last_seen and
//     resolved_at (the first newer report of the host without it).
//   - enroll secrets, host identities and host keys: a tenant's enroll
//     secret is traded once for an identity with a server-assigned host id
//     and its first key; each post authenticated by a key is bound to its
//     host and tenant. A host has at most one current and one pending key.
package store
