package ingest

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/demarc/demarc/ingest/notify"
	"github.com/demarc/demarc/ingest/store"
)

// startWebhooks starts the outbox's dispatcher and the webhook workers
// when the store keeps an outbox. Without subscriptions the dispatcher
// still runs: events are marked dispatched to nobody, so that a
// subscription added later starts with the events after it.
func (s *Server) startWebhooks() error {
	ob, ok := s.store.(store.Outbox)
	if !ok {
		if len(s.cfg.Webhooks) > 0 || len(s.cfg.Digests) > 0 {
			return errors.New("ingest: webhooks and digests need a store with an outbox")
		}
		return nil
	}
	n, err := notify.New(notify.Config{Outbox: ob, Subscriptions: s.cfg.Webhooks, Log: s.log, Now: s.cfg.Now, Poll: s.cfg.WebhookPoll,
		Digests: s.cfg.Digests, SMTP: s.cfg.SMTP, DigestInterval: s.cfg.DigestInterval})
	if err != nil {
		return fmt.Errorf("ingest: %w", err)
	}
	n.Start()
	s.hooks = n
	s.bg.Go(func() { s.eventLoop(ob) })
	return nil
}

func (s *Server) wakeWebhooks() {
	if s.hooks != nil {
		s.hooks.Wake()
	}
}

// Webhooks is the server's webhook notifier (nil when the store keeps no
// outbox), for the web UI's delivery log.
func (s *Server) Webhooks() *notify.Notifier { return s.hooks }

// webhooksAnswer is GET /api/v1/webhooks (never the secrets).
type webhooksAnswer struct {
	Schema        string                `json:"schema"`
	Subscriptions []notify.Subscription `json:"subscriptions"`
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) {
	subs := []notify.Subscription{}
	if s.hooks != nil {
		subs = append(subs, s.hooks.Subscriptions()...)
	}
	writeJSON(w, http.StatusOK, webhooksAnswer{Schema: notify.Schema, Subscriptions: subs})
}

// deliveriesAnswer is GET /api/v1/webhooks/deliveries.
type deliveriesAnswer struct {
	Deliveries []store.Delivery `json:"deliveries"`
}

func (s *Server) webhookDeliveries(w http.ResponseWriter, r *http.Request) {
	ob, ok := s.store.(store.Outbox)
	if !ok {
		writeJSON(w, http.StatusOK, deliveriesAnswer{Deliveries: []store.Delivery{}})
		return
	}
	limit := store.DefaultLimit
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, r, http.StatusBadRequest, "bad_request", "limit: want a positive number")
			return
		}
		limit = min(n, store.MaxLimit)
	}
	ds, err := ob.Deliveries(r.Context(), r.URL.Query().Get("subscription"), limit)
	if err != nil {
		s.readError(w, r, err)
		return
	}
	if ds == nil {
		ds = []store.Delivery{}
	}
	writeJSON(w, http.StatusOK, deliveriesAnswer{Deliveries: ds})
}

func (s *Server) testWebhook(w http.ResponseWriter, r *http.Request) {
	if s.hooks == nil {
		writeError(w, r, http.StatusNotFound, "not_found", "no such webhook")
		return
	}
	e, err := s.hooks.SendTest(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, r, http.StatusNotFound, "not_found", "no such webhook")
		return
	}
	if err != nil {
		s.readError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"event_id": e.ID, "status": "queued"})
}
