// Package ingest is demarc-server's HTTP side: POST /api/v1/reports with
// authentication, limits, strict validation and group commit; the read API
// (hosts, one host, findings, updates, the backlog, summary, trend, SLA
// counts and the monthly SLA report, stored reports) scoped to the
// caller's tenant, every list also streamed as CSV or JSON lines
// (?format=, package export) and every open finding with its SLA clock
// (package sla, Config.SLA, the server's clock Config.Now);
// acknowledgements (accepted risks with a reason and an expiry, out of the
// SLA counts and the backlog while they live, audit-logged; Config.Acks
// says whether viewers may accept their customer findings); a tenant's
// report (its open findings, its own first, streamed); /metrics,
// /healthz and /readyz; notifications (package notify): webhooks and
// e-mail digests fed by the store's outbox, which SaveBatch and Rejudge
// fill with the provider findings they open and the event job (events.go)
// with SLA clocks crossed, silent hosts and failing collectors.
//
// A report is answered 2xx only after the transaction holding it has
// committed: 202 on first receipt, 200 for the same report_id and body
// again, 409 for the same report_id with another body. Concurrent reports
// share transactions (see committer), which is how durability with fsync
// per commit still sustains thousands of reports a second.
//
// Tokens ("dmc_<id>_<secret>") carry a tenant and a role (agent, viewer,
// admin); only the SHA-256 of the secret is stored and it is compared in
// constant time. Readers see their tenant, admins every tenant; the scope
// is applied inside the store's queries. Pages added later (the web UI)
// register with Server.Handle and read through Server.Store with the
// principal's Scope.
package ingest
