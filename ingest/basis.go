package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/demarc/demarc/ingest/store"
)

// judgeBasisName is the server state holding the judge basis.
const judgeBasisName = "judge_basis"

// basis is what, besides a host's observations and record, decides its
// findings: the responsibility matrix, the lifecycle data and the policy
// for hosts without a record (with the default tier and the provider's
// name). The fleet's stored verdicts were made on the basis stored last;
// a server that starts on another one re-judges every host.
type basis struct {
	Matrix, Lifecycle, Policy string
}

func (b basis) String() string {
	return "matrix=" + b.Matrix + ";lifecycle=" + b.Lifecycle + ";policy=" + b.Policy
}

// parseBasis reads a stored basis; parts it does not know stay empty.
func parseBasis(s string) basis {
	var b basis
	for _, kv := range strings.Split(s, ";") {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "matrix":
			b.Matrix = v
		case "lifecycle":
			b.Lifecycle = v
		case "policy":
			b.Policy = v
		}
	}
	return b
}

// why says, for the finding history, what moved from old to b.
func (b basis) why(old basis, dataDate string) string {
	var parts []string
	if b.Matrix != old.Matrix {
		parts = append(parts, "responsibility matrix changed")
	}
	if b.Lifecycle != old.Lifecycle {
		parts = append(parts, "lifecycle data of "+dataDate)
	}
	if b.Policy != old.Policy {
		parts = append(parts, "judging policy changed")
	}
	return strings.Join(parts, "; ")
}

// currentBasis is the basis this server judges on now, and the date of
// its lifecycle data.
func (s *Server) currentBasis(ctx context.Context) (basis, string, error) {
	engine, err := s.rulesEngine(ctx)
	if err != nil {
		return basis{}, "", err
	}
	s.engMu.Lock()
	etag := s.engETag
	s.engMu.Unlock()
	policy := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%s", s.cfg.Unrecorded, s.cfg.DefaultTier, s.cfg.Provider))
	return basis{
		Matrix:    engine.Matrix().Fingerprint(),
		Lifecycle: strings.Trim(etag, `"`),
		Policy:    hex.EncodeToString(policy[:8]),
	}, engine.Lifecycle().SnapshotDate.String(), nil
}

// checkBasis compares the basis the fleet was last judged on with this
// server's. When they differ on an empty fleet it records the new basis;
// otherwise it returns the work to run in the background, or nil: queue
// every host for re-judging, wait for the queue to drain, then record the
// new basis (a server stopped before that re-judges again at its next
// start). It runs at start and after the lifecycle data changed.
func (s *Server) checkBasis(ctx context.Context) (func(), error) {
	cur, dataDate, err := s.currentBasis(ctx)
	if err != nil {
		return nil, fmt.Errorf("judge basis: %w", err)
	}
	stored, err := s.store.ServerState(ctx, judgeBasisName)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("judge basis: %w", err)
	}
	if stored == cur.String() {
		return nil, nil
	}
	reason := cur.why(parseBasis(stored), dataDate)
	if stored == "" {
		reason = "first judgement on this server's rules and data"
	}
	record := func(ctx context.Context) error {
		return s.store.SetServerState(ctx, judgeBasisName, cur.String(), s.cfg.Now().UTC())
	}
	// An empty fleet has nothing to re-judge: the basis is recorded now
	// (one aggregate read). Otherwise listing every host, which at a
	// million hosts takes a while, is left to the work returned.
	n, err := s.store.CountHosts(ctx, store.AllTenants(), store.HostFilter{})
	if err != nil {
		return nil, fmt.Errorf("judge basis: %w", err)
	}
	if n == 0 {
		if err := record(ctx); err != nil {
			return nil, fmt.Errorf("judge basis: %w", err)
		}
		return nil, nil
	}
	release := s.rejudge.hold() // idle only once the fleet is queued
	return func() {
		ctx := context.WithoutCancel(ctx)
		queued, err := s.RejudgeFleet(ctx, reason)
		release()
		if err != nil {
			s.log.Warn().Err(err).Msg("re-judging after a change of the judge basis")
			return
		}
		s.log.Info().Int("hosts", queued).Str("reason", reason).Str("basis", cur.String()).Msg("judge basis changed: re-judging every host")
		select {
		case <-s.rejudge.Idle():
		case <-s.stop:
			return
		}
		if err := record(ctx); err != nil {
			s.log.Warn().Err(err).Msg("record the judge basis (the next start re-judges the fleet again)")
		}
	}, nil
}
