// Package agent is the daemon behind `demarc agent`: it scans on a
// schedule and delivers every report to demarc-server exactly once, in
// order, however long the server is away.
//
// Schedule: a robfig/cron spec or "@every", plus a random splay per run;
// run_on_start scans at once. A scheduled scan that comes while the last
// one still runs is skipped and logged: never two scans at once.
//
// Delivery: each new report is first written to the spool (package spool)
// behind those already waiting, then the spool is drained oldest first
// (package deliver does the HTTP). The first failure worth retrying stops
// the drain and arms a backoff timer with jitter (or the server's
// Retry-After); every run drains too. A refused credential (401, or 403
// forbidden_role: a viewer's token) is the agent's configuration problem,
// not the report's: reports stay queued and are retried, one error is
// logged per change of state, and the textfile says so. A report the
// server refuses (any other 4xx but 404/405/408/425/429) goes to
// rejected/ and is not retried. If
// the spool cannot be written (read-only, full), reports are held in memory
// (bounded) and retried, and a clear error is logged each time. When the
// spool is full the oldest report is dropped, logged, and counted in the
// next report's errors. A report's report_id never changes, so the server
// stores a report sent twice once.
//
// Credential: reports are posted with this host's key (package enroll
// keeps it in the state directory). Without one, the first delivery
// enrolls with the enroll secret, or, deprecated, the agent token; a
// report made before is re-attributed to the server's host id. A 2xx
// answer's new key goes to host-key.new, is posted with next and becomes
// current on its 2xx (dropped on its 401); a kill at any step loses and
// duplicates nothing. 401 host_revoked stops delivery (no request) until
// a different secret or `demarc agent enroll`; the textfile says
// demarc_agent_enrolled{state}. A server older than enrollment gets the
// token as before until it answers enroll_first.
//
// Lifecycle: Run's reload channel (SIGHUP, see Signals) rebuilds the Setup
// from the configuration; a bad one is logged and the running one kept.
// Cancelling Run's context (SIGTERM, SIGINT) cancels an in-flight scan or
// delivery and waits a bounded time for it; the spool's atomic writes
// mean no partial file is ever left as a report. systemd is told READY,
// RELOADING, STOPPING and WATCHDOG (package sdnotify). After each run the
// node_exporter textfile is rewritten when configured (package textfile).
//
// The agent does not know how to scan: Setup.Scan is injected, so tests
// run it with fakes and cmd/demarc wires the real scan.
package agent
