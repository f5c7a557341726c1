package agent

import (
	"errors"
	"net/http"
	"time"

	"github.com/demarc/demarc/agent/deliver"
)

// credState is whether the server refuses the agent's token: the status
// and code of its last refusal, zero while it accepts the token.
type credState struct {
	status int
	code   string
}

// credentialRefused records that the server refused the token (a 401, or
// a 403 for a token without the agent role; deliver.AboutCredential
// decides). That is the agent's configuration problem, not the report's:
// the report stays queued and is retried on the backoff. It is logged at
// error level once per change of state, not once per report and run,
// and the textfile says so until a delivery succeeds. Called with mu held.
func (a *Agent) credentialRefused(st *Setup, re *deliver.RetryError, pending int, wait time.Duration) {
	now := credState{status: re.Status, code: re.Code}
	if now == a.cred {
		a.log.Debug().Err(re).Int("pending", pending).Int("attempt", a.failures).Stringer("retry_in", wait).
			Msg("the server still refuses the agent's credential")
		return
	}
	a.cred = now
	a.log.Error().Err(re).Str("url", st.URL).Int("status", re.Status).Str("code", re.Code).Int("pending", pending).
		Stringer("retry_in", wait).Msg(credentialAdvice(st, re))
}

// credentialAdvice says what a refused credential means and what to do.
func credentialAdvice(st *Setup, re *deliver.RetryError) string {
	secret := "report.enroll_secret_file"
	if st.host != nil {
		secret = st.host.secretFile
	}
	switch {
	case re.Code == deliver.ReasonHostRevoked:
		return "the server revoked this host: delivery stops and every report is kept in the spool; put a new enroll secret in " +
			secret + " (demarc-server enroll-secret create) or run demarc agent enroll, and the spool drains"
	case re.Code == codeNoSecret:
		return "this host is not enrolled and has nothing to enroll with: every report is kept in the spool; put the tenant's " +
			"enroll secret in " + secret + " (install -m 0600 -o root -g demarc), and the spool drains"
	case re.Code == codeState:
		return "the state directory that holds the host key cannot be used: every report is kept in the spool until it is fixed"
	case re.Code == codeNoEnroll:
		return "the server does not enroll hosts (older than the agent): every report is kept in the spool until it is upgraded"
	case errors.Is(re, ErrEnrollment):
		return "the server refuses the enroll secret (invalid, expired, used up or revoked): every report is kept in the spool; put a new one in " +
			secret + " and the spool drains"
	case st.host != nil && re.Status == http.StatusUnauthorized:
		return "the server refuses this host's key: every report is kept in the spool and retried; run demarc agent enroll " +
			"(demarc config check shows the enrollment)"
	}
	return "the server refuses the agent's token: every report is kept in the spool and retried; " +
		"put a token of role agent in report.token_file and reload (demarc config check shows the token's role)"
}

// credentialAccepted clears the refusal once a delivery succeeds. Called
// with mu held.
func (a *Agent) credentialAccepted(st *Setup) {
	if a.cred == (credState{}) {
		return
	}
	a.log.Info().Str("url", st.URL).Int("was_status", a.cred.status).Msg("the server accepts the agent's token again")
	a.cred = credState{}
}
