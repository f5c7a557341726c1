// Package deliver posts reports to demarc-server: an HTTPS POST of the
// gzip-compressed JSON report (Content-Encoding: gzip, Content-Type:
// application/json) with the bearer token from the token file and a
// User-Agent naming the version.
//
// TLS uses the system's CAs plus an optional CA file, and an optional
// client certificate for mTLS. Plain http is refused unless the URL's host
// is loopback or allow_insecure_http is set. Every step has a timeout:
// connecting and the TLS handshake (the smaller of report.timeout and 10s),
// waiting for the answer's headers, and the whole request. Redirects are
// not followed.
//
// The answer decides what happens to the report: any 2xx means delivered
// (202 new, 200 duplicate); network and TLS failures, timeouts, 408, 425,
// 429 (with Retry-After) and 5xx are a *RetryError, and so are a refused
// credential (401, and 403 "forbidden_role": a token whose role may not
// post reports) and a wrong URL (3xx, 404, 405), which are configuration
// problems rather than problems with the report; any other 4xx is a
// *RejectedError: the server refused this report and will refuse it again.
// AboutCredential is the one place that tells a refused credential from a
// refused report. The server's error answer is {"error":"<code>",
// "message":"…"}; the messages of servers that sent only a message in
// "error" are mapped to their codes.
// Host keys: SendAs posts with a given bearer (the host key) instead of
// the token file's, and a 2xx answer's "host_key" (key rotation) comes
// back in the Receipt. Enroll trades an enroll secret for a host id and
// key (POST /api/v1/enroll beside the report URL); 401 host_revoked and
// 403 enroll_first are about the credential, 403 forbidden_report about
// the report. WhoAmIAs asks whoami with a host key (role "host").
// The token is never logged and never part of an error.
package deliver
