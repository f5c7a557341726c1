package ingest

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/demarc/demarc/ingest/sla"
	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// eventsWatermark names the server state holding the end of the span the
// event job last read (RFC 3339, the server's clock).
const eventsWatermark = "notify.events_watermark"

// eventsOverlap is how far back each run of the event job reads before
// its watermark: a report received just before a run but committed after
// it is still seen. Event ids are deterministic, so what the overlap
// reads again is not stored twice.
const eventsOverlap = time.Minute

// eventLoop runs the event job every EventInterval until Close.
func (s *Server) eventLoop(ob store.Outbox) {
	t := time.NewTicker(s.cfg.EventInterval)
	defer t.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		if err := s.produceEvents(ctx, ob); err != nil {
			s.log.Warn().Err(err).Msg("webhook events: run failed; the next run reads its span again")
		}
		cancel()
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
	}
}

// produceEvents writes the events of the span since the watermark into
// the outbox: provider findings that came within a week of their SLA or
// past it, hosts that fell silent, and hosts whose latest report, received
// in the span, has failing collectors. The first run only sets the
// watermark (nothing from before the server sent events is sent).
func (s *Server) produceEvents(ctx context.Context, ob store.Outbox) error {
	now := s.cfg.Now().UTC()
	v, err := s.store.ServerState(ctx, eventsWatermark)
	from, perr := time.Parse(time.RFC3339Nano, v)
	if err != nil || perr != nil {
		return s.store.SetServerState(ctx, eventsWatermark, now.Format(time.RFC3339Nano), now)
	}
	if !from.Before(now) {
		return nil
	}
	from = from.Add(-eventsOverlap)
	var evs []store.Event
	for _, st := range []struct {
		state, typ string
	}{{sla.Breached, store.EventSLABreached}, {sla.Due, store.EventSLADue}} {
		ws := s.cfg.SLA.Crossed(report.ResponsibleProvider, from, now, st.state)
		if len(ws) == 0 {
			continue
		}
		f := store.FindingFilter{Responsible: report.ResponsibleProvider, ByAge: true, Ages: ws}
		for p := (store.Page{Limit: store.MaxLimit}); ; {
			page, err := s.store.Findings(ctx, store.AllTenants(), f, p)
			if err != nil {
				return fmt.Errorf("read findings crossing %s: %w", st.state, err)
			}
			for i := range page.Findings {
				evs = append(evs, s.slaEvent(st.typ, &page.Findings[i]))
			}
			if page.Next == "" {
				break
			}
			p.Cursor = page.Next
		}
	}
	for p := (store.Page{Limit: store.MaxLimit}); ; {
		page, err := s.store.Hosts(ctx, store.AllTenants(), store.HostFilter{}, p)
		if err != nil {
			return fmt.Errorf("read hosts: %w", err)
		}
		for i := range page.Hosts {
			evs = append(evs, s.hostEvents(&page.Hosts[i], from, now)...)
		}
		if page.Next == "" {
			break
		}
		p.Cursor = page.Next
	}
	for start := 0; start < len(evs); start += 500 {
		if err := ob.AddEvents(ctx, evs[start:min(start+500, len(evs))], now); err != nil {
			return err
		}
	}
	if len(evs) > 0 {
		s.wakeWebhooks()
	}
	return s.store.SetServerState(ctx, eventsWatermark, now.Format(time.RFC3339Nano), now)
}

func (s *Server) slaEvent(typ string, f *store.Finding) store.Event {
	opened := f.OpenedAt.UTC()
	e := store.Event{ID: typ + ":" + f.HostID + ":" + f.ID + ":" + strconv.FormatInt(opened.UnixMicro(), 10), Type: typ,
		Tenant: f.Tenant, HostID: f.HostID, Hostname: f.Hostname, Severity: f.Severity,
		Finding: &store.EventFinding{ID: f.ID, Kind: f.Kind, Layer: f.Layer, Product: f.Product, Installed: f.Installed,
			Latest: f.Latest, Cycle: f.Cycle, Responsible: f.Responsible, Rule: f.Rule, Remediation: f.Remediation, OpenedAt: opened}}
	if due, ok := s.cfg.SLA.Due(f); ok {
		due = due.UTC()
		e.SLADue = &due
		e.At = due
		if typ == store.EventSLADue {
			e.At = due.Add(-sla.DueWithin)
		}
	}
	return e
}

// hostEvents are a host's events of the span [from, now).
func (s *Server) hostEvents(h *store.Host, from, now time.Time) []store.Event {
	var evs []store.Event
	recv := h.ReceivedAt.UTC()
	base := store.Event{Tenant: h.Tenant, HostID: h.HostID, Hostname: h.Hostname, ReportID: h.LatestReportID}
	if silent := recv.Add(s.cfg.SilentAfter); !silent.Before(from) && silent.Before(now) {
		e := base
		e.ID, e.Type, e.At = store.EventHostSilent+":"+h.HostID+":"+h.LatestReportID, store.EventHostSilent, silent
		e.LastReceivedAt = &recv
		e.Message = "no report for " + s.cfg.SilentAfter.String()
		evs = append(evs, e)
	}
	if len(h.FailingCollectors) > 0 && !recv.Before(from) && recv.Before(now) {
		e := base
		e.ID, e.Type, e.At = store.EventCollectorFailed+":"+h.HostID+":"+h.LatestReportID, store.EventCollectorFailed, recv
		e.Collectors = h.FailingCollectors
		evs = append(evs, e)
	}
	return evs
}
