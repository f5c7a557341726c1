// Package web is demarc-server's web UI: server-rendered pages over the
// same store and the same tenant scoping as the read API.
//
// Pages: the fleet overview (what the provider must patch first, the
// provider's and the customers' backlogs by severity and tier, a chart of
// open findings per party over time drawn as SVG on the server, end-of-life
// OS and control panels, the oldest critical provider findings, the hosts
// with the heaviest provider backlog), the hosts list (filters, sorts,
// search, pages), a host (findings grouped by party with rationale and
// remediation, first and last seen, fixed findings, installed software,
// report history) and the findings list across the fleet (grouped by
// product, then each finding), each open finding with its SLA clock (a
// badge past or near it, counts on the overview, host and findings pages),
// and /sla, the monthly SLA report (also as Markdown). Every list page
// downloads as CSV (?format=csv on its own address, package export).
//
// Sign-in takes a viewer or admin token and starts a session: a random
// secret in an HttpOnly, SameSite=Strict cookie (Secure over TLS), of which
// the store keeps only the SHA-256, expiring after Config.SessionTTL; the
// token's tenant, role and revocation apply on every request. Forms that
// post carry a CSRF token (derived from the session, or a double-submit
// cookie on the sign-in form) and cross-site posts are refused.
//
// Templates (html/template) and assets are embedded; the only script
// submits a filter menu on change, so every page works with JavaScript
// off. The Content-Security-Policy allows no inline script or style, no
// framing and no other origin.
package web
