package agent

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"time"

	"github.com/rs/zerolog"

	"github.com/demarc/demarc/agent/deliver"
	"github.com/demarc/demarc/agent/enroll"
)

// Client is the delivery client of a Setup that delivers, or nil.
func (st *Setup) Client() *deliver.Client {
	if st.host == nil {
		return nil
	}
	return st.host.c
}

// Enroll enrolls the host now, whatever its state, with secretFile (or,
// when "", report.enroll_secret_file and then the deprecated token): what
// `demarc agent enroll` does, and how a revoked host enrolls again with
// the same secret. It holds the spool's drain lock meanwhile, so that a
// running agent does not post with the old key mid-change.
func Enroll(ctx context.Context, st *Setup, secretFile string, log zerolog.Logger) (enroll.State, error) {
	if st.host == nil {
		return enroll.State{}, ErrNoDelivery
	}
	h := *st.host
	h.log, h.crash = log, nil
	h.legacyAt = time.Time{}
	if secretFile != "" {
		h.secretFile, h.tokenFile = secretFile, ""
	}
	if _, err := os.Stat(st.Spool.Dir()); err == nil {
		unlock, err := st.Spool.Lock(ctx)
		if err != nil {
			return enroll.State{}, err
		}
		defer unlock()
	}
	cur, err := h.store.Load()
	if err != nil {
		return enroll.State{}, err
	}
	cur.Status = enroll.Unenrolled // by hand, the same secret may enroll again
	return h.enroll(ctx, cur)
}

// EnrollmentStatus is the host's enrollment as `demarc config check`
// reports it.
type EnrollmentStatus struct {
	// State is what the state directory holds.
	State enroll.State
	// With is the file the agent would enroll with, Legacy when it is the
	// agent token; WithErr says why there is none.
	With    string
	Legacy  bool
	WithErr error
	// Blocked means the host is revoked and the secret is still the one
	// it enrolled with: the agent will not enroll again by itself.
	Blocked bool
}

// CheckEnrollment reads the host's enrollment and what it would enroll
// with.
func CheckEnrollment(st *Setup) (EnrollmentStatus, error) {
	if st.host == nil {
		return EnrollmentStatus{}, ErrNoDelivery
	}
	cs, err := st.host.store.Load()
	if err != nil {
		return EnrollmentStatus{}, err
	}
	es := EnrollmentStatus{State: cs}
	secret, file, legacy, err := st.host.secret()
	es.With, es.Legacy = file, legacy
	var re *deliver.RetryError
	if err != nil && errors.As(err, &re) {
		es.With, es.WithErr = "", re.Err
		if errors.Is(err, fs.ErrNotExist) {
			es.WithErr = ErrEnrollment
		}
		return es, nil
	}
	es.Blocked = cs.Status == enroll.Revoked && enroll.SecretHash(secret) == cs.SecretSHA256
	return es, nil
}
