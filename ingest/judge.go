package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/demarc/demarc/report"
	"github.com/demarc/demarc/rules"
)

// Policy is what the server does with a host that has no provider's
// record: believe the profile its report claims, judge it on a default
// tier, or keep its reports without findings until it has a record.
type Policy string

// The policies for hosts without a record.
const (
	TrustClaim  Policy = "trust_claim"
	DefaultTier Policy = "default_tier"
	Quarantine  Policy = "quarantine"
)

// Valid reports whether p is a known policy.
func (p Policy) Valid() bool { return p == TrustClaim || p == DefaultTier || p == Quarantine }

// ProfileSource says where the profile a host was judged on came from.
type ProfileSource string

// The sources of a judged profile.
const (
	// FromRecord: the provider's record of the host.
	FromRecord ProfileSource = "record"
	// FromClaim: no record; the profile the host's report claims (policy
	// trust_claim).
	FromClaim ProfileSource = "claim"
	// FromDefault: no record; the configured default tier (policy
	// default_tier).
	FromDefault ProfileSource = "default"
	// Quarantined: no record; no findings are kept (policy quarantine).
	Quarantined ProfileSource = "quarantine"
)

// HostProfile is what a provider's record says of a host, as the judge
// needs it. MaintenanceAgreement nil means the tier's default.
type HostProfile struct {
	Tier                          report.Tier
	MaintenanceAgreement          *bool
	CustomerManagedVirtualisation bool
}

// RecordLookup finds the provider's record of a host by its id, or, for a
// host the record names before it enrolled, by machine id or host name
// within the tenant; ok false when there is none.
type RecordLookup func(ctx context.Context, tenant, hostID, hostname, machineID string) (p HostProfile, ok bool, err error)

// Judgement is the server's verdict on one report.
type Judgement struct {
	// Report is the report as the server stores its state: the host's
	// observations, the profile it was judged on, and the server's
	// findings, summary and lifecycle data. The received body (the host's
	// claim, its own findings included) is kept unchanged beside it.
	Report *report.Report
	Source ProfileSource
}

// judge evaluates a report's observations with the server's own rules
// and data and the provider's record of the host: what the host claims
// about its tier never decides whose a gap is, unless the policy for
// unrecorded hosts says to believe it.
//
// at is the day the lifecycle data is read for: the scan's own time on
// ingest, now when a stored report is judged again (a release that reached
// its end of life since the scan is end of life now).
func (s *Server) judge(ctx context.Context, tenant string, r *report.Report, at time.Time) (Judgement, error) {
	profile, source, err := s.profileFor(ctx, tenant, r)
	if err != nil {
		return Judgement{}, err
	}
	out := *r
	out.Profile = profile
	if source == Quarantined {
		// No verdict without a record: no finding is kept, and none the
		// host had is taken as fixed (every one reads unverified, the
		// missing record named as what could not be checked).
		out.Findings = []report.Finding{}
		out.Collectors = []report.CollectorRun{{Name: "provider_record", Status: report.CollectorNotRun}}
	} else {
		engine, err := s.rulesEngine(ctx)
		if err != nil {
			return Judgement{}, err
		}
		ev := engine.Evaluate(rules.Input{Host: r.Host, Profile: profile, Components: r.Components, Updates: r.Updates, At: at})
		out.Findings, out.Lifecycle = ev.Findings, ev.Lifecycle
		if out.Findings == nil {
			out.Findings = []report.Finding{}
		}
	}
	out.Summary = report.Summarize(out.Findings)
	return Judgement{Report: &out, Source: source}, nil
}

// profileFor is the profile to judge a report on, and where it came from.
func (s *Server) profileFor(ctx context.Context, tenant string, r *report.Report) (report.Profile, ProfileSource, error) {
	p := report.Profile{Provider: r.Profile.Provider, Tenant: tenant}
	if s.cfg.Provider != "" {
		p.Provider = s.cfg.Provider
	}
	if s.cfg.Records != nil {
		rec, ok, err := s.cfg.Records(ctx, tenant, r.Host.HostID, r.Host.Hostname, "")
		if err != nil {
			return p, "", fmt.Errorf("host record: %w", err)
		}
		if ok {
			p.Tier, p.CustomerManagedVirtualisation = rec.Tier, rec.CustomerManagedVirtualisation
			p.MaintenanceAgreement = rec.Tier.DefaultMaintenanceAgreement()
			if rec.MaintenanceAgreement != nil {
				p.MaintenanceAgreement = *rec.MaintenanceAgreement
			}
			return p, FromRecord, nil
		}
	}
	switch s.cfg.Unrecorded {
	case DefaultTier:
		p.Tier = s.cfg.DefaultTier
		p.MaintenanceAgreement = p.Tier.DefaultMaintenanceAgreement()
		return p, FromDefault, nil
	}
	claim := r.Profile
	claim.Tenant, claim.Provider = tenant, p.Provider
	if s.cfg.Unrecorded == Quarantine {
		return claim, Quarantined, nil
	}
	return claim, FromClaim, nil
}

// rulesEngine is the engine judging reports now: the configured matrix
// (or the built-in one) over the server's current lifecycle data (the
// newest import, else the built-in data). When the data changes, the
// engine is rebuilt and every host is queued for re-judging.
func (s *Server) rulesEngine(ctx context.Context) (*rules.Engine, error) {
	s.engineOnce.Do(func() {
		if s.cfg.Rules != nil {
			s.engine = s.cfg.Rules
			return
		}
		s.engine, s.engineErr = rules.NewEngine(rules.Options{Now: time.Now})
	})
	if s.engineErr != nil {
		return nil, s.engineErr
	}
	ds, etag, err := s.currentLifecycle(ctx)
	s.engMu.Lock()
	defer s.engMu.Unlock()
	if err != nil {
		if s.engCur != nil {
			return s.engCur, nil // keep judging with the data last loaded
		}
		return nil, fmt.Errorf("lifecycle data: %w", err)
	}
	if s.engCur != nil && etag == s.engETag {
		return s.engCur, nil
	}
	e, err := rules.NewEngine(rules.Options{Matrix: s.engine.Matrix(), Lifecycle: ds, Now: time.Now})
	if err != nil {
		return nil, fmt.Errorf("rules over the lifecycle data %s: %w", etag, err)
	}
	changed := s.engCur != nil
	s.engCur, s.engETag = e, etag
	if changed && s.rejudge != nil {
		s.log.Info().Str("etag", etag).Str("data_date", ds.SnapshotDate.String()).Msg("lifecycle data changed: re-judging every host")
		go func() {
			done, err := s.checkBasis(context.WithoutCancel(ctx))
			if err != nil {
				s.log.Warn().Err(err).Msg("re-judging after a lifecycle change")
			} else if done != nil {
				done()
			}
		}()
	}
	return e, nil
}

// Unrecorded is the policy for hosts without a provider's record (for
// pages that say what a host was judged on).
func (s *Server) Unrecorded() Policy { return s.cfg.Unrecorded }
