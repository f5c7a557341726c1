package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"time"

	"github.com/rs/zerolog"

	"github.com/demarc/demarc/agent/deliver"
	"github.com/demarc/demarc/agent/enroll"
	"github.com/demarc/demarc/config"
)

// ErrEnrollment means the agent has no host key it may post with and
// cannot get one now: nothing to enroll with, a state directory it does
// not trust, a server that does not enroll hosts, or a revoked host
// whose secret has not changed. It is a configuration problem, logged
// once per change like a refused credential.
var ErrEnrollment = errors.New("not enrolled")

// Codes of the agent's own enrollment problems, in place of the server's
// in the credential metric's reason label.
const (
	codeNoSecret = "no_enroll_secret"
	codeState    = "state_dir"
	codeNoEnroll = "server_cannot_enroll"
)

// Crash points of the rotation sequence (tests stop the sender there).
const (
	crashKeyReceived = "key received"  // the answer with a new key is in, host-key.new not written
	crashKeyKept     = "key kept"      // host-key.new written, the report not yet removed from the spool
	crashConfirmed   = "key confirmed" // the server accepted a report made with host-key.new, not yet renamed
	crashPromoted    = "key promoted"  // host-key.new renamed, the report not yet removed from the spool
)

// legacyRetry is how long a server without enrollment is taken at its
// word before the agent asks again.
const legacyRetry = time.Hour

// hostSender posts reports with this host's key, enrolling first when
// there is none, and keeps the key current (rotation) and the host's
// standing (revocation) in the state directory. Only one drain runs at a
// time (the agent's mutex and the spool's lock), so its state on disk is
// never changed by two posts at once.
type hostSender struct {
	c          *deliver.Client
	store      *enroll.Store
	url        string
	secretFile string // report.enroll_secret_file
	tokenFile  string // report.token_file: deprecated
	facts      func(context.Context) deliver.Facts
	now        func() time.Time
	log        zerolog.Logger // the agent's, set when it takes the Setup

	legacyAt time.Time // when the server last said it does not enroll hosts
	// crash, when set, runs at each crash point; an error stops the
	// sender there as a killed process would stop (tests).
	crash func(point string) error
}

// CloseIdle implements Sender.
func (h *hostSender) CloseIdle() { h.c.CloseIdle() }

// Send implements Sender: enroll if needed, then post with the host key.
func (h *hostSender) Send(ctx context.Context, data []byte) (deliver.Receipt, error) {
	st, err := h.store.Load()
	if err != nil {
		return deliver.Receipt{}, stateErr(err)
	}
	if st.Status != enroll.Enrolled {
		if token, ok := h.legacy(); ok {
			return h.postLegacy(ctx, token, data)
		}
		if st, err = h.enroll(ctx, st); err != nil {
			if token, ok := h.legacy(); ok && errors.Is(err, deliver.ErrNoEnroll) {
				return h.postLegacy(ctx, token, data)
			}
			return deliver.Receipt{}, err
		}
	}
	return h.post(ctx, st, reattribute(data, st.HostID))
}

// post sends with the pending key first, else the current one, and
// carries the rotation one step on.
func (h *hostSender) post(ctx context.Context, st enroll.State, data []byte) (deliver.Receipt, error) {
	key, pending := st.Bearer()
	rc, err := h.c.SendAs(ctx, key, data)
	var re *deliver.RetryError
	switch {
	case err == nil:
		return rc, h.rotate(rc, pending)
	case !errors.As(err, &re) || re.Status != http.StatusUnauthorized:
		return rc, err
	case re.Code == deliver.ReasonHostRevoked:
		if err := h.store.MarkRevoked(); err != nil {
			h.log.Error().Err(err).Msg("cannot record in the state directory that the server revoked this host")
		}
		return rc, err
	case pending:
		// The server does not know the new key (it handed out another
		// since, or lost it): forget it and post with the current one.
		h.log.Warn().Str("state_dir", h.store.Dir()).Msg("the server refused the rotated host key: dropped it, posting with the current key")
		if err := h.store.DropPending(); err != nil {
			return rc, stateErr(err)
		}
		st.Pending = ""
		return h.post(ctx, st, data)
	}
	return rc, err
}

// rotate follows a delivered report: a pending key the server accepted
// becomes current; a new key in the answer becomes pending. Neither
// failing loses the report (it was delivered) or the host's access (the
// key the server knows is still on disk), so they are logged, not
// returned; only a test's crash is returned.
func (h *hostSender) rotate(rc deliver.Receipt, pending bool) error {
	if pending {
		if err := h.crashAt(crashConfirmed); err != nil {
			return err
		}
		if err := h.store.Promote(); err != nil {
			h.log.Error().Err(err).Msg("cannot make the rotated host key current: it is used again next time")
		} else {
			h.log.Info().Msg("host key rotated: the server accepted the new key")
		}
		if err := h.crashAt(crashPromoted); err != nil {
			return err
		}
	}
	if rc.HostKey == "" {
		return nil
	}
	if err := h.crashAt(crashKeyReceived); err != nil {
		return err
	}
	if err := h.store.SetPending(rc.HostKey); err != nil {
		h.log.Warn().Err(err).Msg("cannot keep the new host key the server handed out: the server hands out another with a later report")
		return nil
	}
	h.log.Info().Msg("the server handed out a new host key: the next report is posted with it")
	return h.crashAt(crashKeyKept)
}

func (h *hostSender) crashAt(point string) error {
	if h.crash == nil {
		return nil
	}
	return h.crash(point)
}

// secret is what the agent enrolls with: the enroll secret file, or,
// deprecated, the agent token. A secret file that exists but cannot be
// used (exposed, empty) is an error, never a reason to fall back.
func (h *hostSender) secret() (secret, file string, legacy bool, err error) {
	s, err := config.ReadSecret(h.secretFile)
	if err == nil {
		return s, h.secretFile, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) || h.tokenFile == "" {
		return "", h.secretFile, false, &deliver.RetryError{Code: codeNoSecret,
			Err: fmt.Errorf("%w: no enroll secret: %w", ErrEnrollment, err)}
	}
	s, err = config.ReadSecret(h.tokenFile)
	if err != nil {
		return "", h.tokenFile, true, &deliver.RetryError{Code: codeNoSecret,
			Err: fmt.Errorf("%w: no enroll secret in %s, and the agent token: %w", ErrEnrollment, h.secretFile, err)}
	}
	return s, h.tokenFile, true, nil
}

// enroll trades the secret for a host key, unless the host was revoked
// and the secret is the one it enrolled with.
func (h *hostSender) enroll(ctx context.Context, st enroll.State) (enroll.State, error) {
	secret, file, legacy, err := h.secret()
	if err != nil {
		return st, err
	}
	hash := enroll.SecretHash(secret)
	if st.Status == enroll.Revoked && hash == st.SecretSHA256 {
		return st, &deliver.RetryError{Status: http.StatusUnauthorized, Code: deliver.ReasonHostRevoked,
			Err: fmt.Errorf("%w: the server revoked host %s, and %s still holds the secret it enrolled with", ErrEnrollment, st.HostID, file)}
	}
	e, err := h.c.Enroll(ctx, secret, h.facts(ctx))
	switch {
	case errors.Is(err, deliver.ErrNoEnroll) && legacy:
		h.legacyAt = h.now()
		h.log.Warn().Err(err).Str("url", h.url).Str("token_file", h.tokenFile).
			Msg("the server does not enroll hosts yet: posting with the agent token (deprecated) until it does")
		return st, err
	case errors.Is(err, deliver.ErrNoEnroll):
		return st, &deliver.RetryError{Code: codeNoEnroll, Err: fmt.Errorf("%w: %w: upgrade demarc-server", ErrEnrollment, err)}
	case errors.Is(err, deliver.ErrAuth):
		return st, fmt.Errorf("%w: the server refuses the secret in %s: %w", ErrEnrollment, file, err)
	case err != nil:
		return st, fmt.Errorf("enroll: %w", err)
	}
	if err := h.store.Save(e, hash, h.now()); err != nil {
		return st, stateErr(err)
	}
	if legacy {
		h.log.Warn().Str("token_file", file).Str("server_warning", e.Warning).
			Msg("enrolled with the agent token, which is deprecated (it works as an enroll secret for one release): put an enroll secret " +
				"in report.enroll_secret_file (demarc-server enroll-secret create) and remove report.token_file")
	}
	h.log.Info().Str("host_id", e.HostID).Str("tenant", e.Tenant).Str("with", file).Str("was_host_id", st.HostID).
		Msg("enrolled: reports are posted with this host's key")
	return h.store.Load()
}

// legacy says whether to post with the agent token: the server said it
// does not enroll hosts less than legacyRetry ago.
func (h *hostSender) legacy() (string, bool) {
	if h.legacyAt.IsZero() || h.now().Sub(h.legacyAt) > legacyRetry || h.tokenFile == "" {
		return "", false
	}
	token, err := config.ReadSecret(h.tokenFile)
	return token, err == nil
}

// postLegacy posts with the agent token to a server that does not enroll
// hosts. When it answers enroll_first (it does now), the agent enrolls
// with the token and posts again with the host key.
func (h *hostSender) postLegacy(ctx context.Context, token string, data []byte) (deliver.Receipt, error) {
	rc, err := h.c.SendAs(ctx, token, data)
	var re *deliver.RetryError
	if !errors.As(err, &re) || re.Status != http.StatusForbidden || re.Code != deliver.ReasonEnrollFirst {
		return rc, err
	}
	h.legacyAt = time.Time{}
	h.log.Warn().Str("token_file", h.tokenFile).Msg("the server no longer takes reports with the agent token (enroll_first): enrolling with it")
	st, err := h.store.Load()
	if err != nil {
		return rc, stateErr(err)
	}
	if st, err = h.enroll(ctx, st); err != nil {
		return rc, err
	}
	return h.post(ctx, st, reattribute(data, st.HostID))
}

// state is the host's standing for the metrics: unenrolled, enrolled or
// revoked.
func (h *hostSender) state() enroll.Status {
	st, err := h.store.Load()
	if err != nil {
		return enroll.Unenrolled
	}
	return st.Status
}

func stateErr(err error) error {
	return &deliver.RetryError{Code: codeState, Err: fmt.Errorf("%w: state directory: %w", ErrEnrollment, err)}
}

// reattribute sets the report's host.host_id to the enrolled host's id
// when it differs (a report scanned before this enrollment: it is this
// machine's own scan). The rest of the report is kept as it is, unknown
// fields included; the result is the same for the same input, so a
// report sent twice is the same body twice.
func reattribute(data []byte, hostID string) []byte {
	var top map[string]json.RawMessage
	if hostID == "" || json.Unmarshal(data, &top) != nil {
		return data
	}
	var host map[string]json.RawMessage
	if json.Unmarshal(top["host"], &host) != nil || host == nil {
		host = map[string]json.RawMessage{}
	}
	var cur string
	if json.Unmarshal(host["host_id"], &cur) == nil && cur == hostID {
		return data
	}
	host["host_id"], _ = json.Marshal(hostID)
	var err error
	if top["host"], err = json.Marshal(host); err != nil {
		return data
	}
	out, err := json.Marshal(top)
	if err != nil {
		return data
	}
	return out
}
