// Package notify delivers the server's events to webhooks: a dispatcher
// queues each event of the store's outbox for the subscriptions it
// matches, and one worker per subscription posts its queued events in
// batches, signed with the subscription's secret, retrying with bounded
// exponential backoff until the receiver answers 2xx. Delivery state is
// in the store, so a restart or an outage loses nothing; a batch cut off
// before its delivery was recorded is sent again with the same event ids
// (at-least-once, idempotency key per event).
package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// Schema names the version of the delivery body; a change that is not an
// added field gets a new version.
const Schema = "demarc.webhook.v1"

// Headers of a delivery.
const (
	// SignatureHeader carries "sha256=" and the hex HMAC-SHA256 of the
	// body under the subscription's secret.
	SignatureHeader = "X-Demarc-Signature"
	// DeliveryHeader carries the delivery id (also in the body).
	DeliveryHeader = "X-Demarc-Delivery"
)

// Subscription is one webhook: where events go and which.
type Subscription struct {
	// ID names it in the delivery log (letters, digits, '-', '_', '.').
	ID string `yaml:"id" json:"id"`
	// URL receives the deliveries (http or https).
	URL string `yaml:"url" json:"url"`
	// Secret signs every delivery.
	Secret string `yaml:"secret" json:"-"`
	// Tenant narrows it to one tenant's events ("": the fleet's).
	Tenant string `yaml:"tenant" json:"tenant,omitempty"`
	// Events are the event types sent (none: every type).
	Events []string `yaml:"events" json:"events,omitempty"`
	// MinSeverity drops events of a lesser severity ("": all).
	MinSeverity report.Severity `yaml:"min_severity" json:"min_severity,omitempty"`
}

// Validate checks a subscription.
func (s Subscription) Validate() error {
	if s.ID == "" || len(s.ID) > 64 {
		return errors.New("webhook: id: want 1 to 64 characters")
	}
	for _, r := range s.ID {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return fmt.Errorf("webhook %s: id: only letters, digits, '-', '_' and '.'", s.ID)
		}
	}
	u, err := url.Parse(s.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("webhook %s: url %q: want an http or https URL", s.ID, s.URL)
	}
	if len(s.Secret) < 16 {
		return fmt.Errorf("webhook %s: secret: want at least 16 characters", s.ID)
	}
	for _, e := range s.Events {
		if !slices.Contains(EventTypes, e) {
			return fmt.Errorf("webhook %s: event %q: want one of %v", s.ID, e, EventTypes)
		}
	}
	if s.MinSeverity != "" && !s.MinSeverity.Valid() {
		return fmt.Errorf("webhook %s: min_severity %q: want critical, high, medium, low or info", s.ID, s.MinSeverity)
	}
	return nil
}

// EventTypes lists the event types a subscription may ask for.
var EventTypes = []string{store.EventFindingOpened, store.EventSLADue, store.EventSLABreached,
	store.EventHostSilent, store.EventCollectorFailed}

// Matches reports whether e goes to s.
func (s Subscription) Matches(e store.Event) bool {
	if e.Subscription != "" {
		return e.Subscription == s.ID
	}
	if s.Tenant != "" && e.Tenant != s.Tenant {
		return false
	}
	if len(s.Events) > 0 && !slices.Contains(s.Events, e.Type) {
		return false
	}
	return s.MinSeverity == "" || e.Severity == "" || e.Severity.AtLeast(s.MinSeverity)
}

// Body is a delivery: one or many events (a fleet-wide burst is sent in
// batches of up to Config.BatchSize events, not one request each).
type Body struct {
	Schema       string        `json:"schema"`
	DeliveryID   string        `json:"delivery_id"`
	Subscription string        `json:"subscription"`
	SentAt       time.Time     `json:"sent_at"`
	Events       []store.Event `json:"events"`
}

// Sign is the value of SignatureHeader for body under secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify reports whether sig is the signature of body under secret (a
// receiver's check, in constant time).
func Verify(secret string, body []byte, sig string) bool {
	return hmac.Equal([]byte(Sign(secret, body)), []byte(sig))
}

// Config configures a Notifier. Zero values take the documented defaults.
type Config struct {
	Outbox        store.Outbox
	Subscriptions []Subscription
	Log           zerolog.Logger
	// Client sends deliveries (default: 10 s timeout, no redirects).
	Client *http.Client
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Poll is how often the outbox is read when idle (default 2 s).
	Poll time.Duration
	// BatchSize caps the events of one delivery (default 500).
	BatchSize int
	// MinBackoff and MaxBackoff bound the wait after a failed delivery:
	// it doubles from MinBackoff up to MaxBackoff (default 1 s and 5 min)
	// and a delivery is retried until it succeeds.
	MinBackoff, MaxBackoff time.Duration
	// Digests are the e-mail digests, sent through SMTP every
	// DigestInterval (default 1h).
	Digests        []Digest
	SMTP           SMTP
	DigestInterval time.Duration
}

// Notifier runs the dispatcher and the delivery workers.
type Notifier struct {
	cfg  Config
	subs map[string]Subscription
	wake chan struct{}
	stop chan struct{}
	once sync.Once
	wg   sync.WaitGroup
}

// New checks cfg and returns a Notifier; Start runs it.
func New(cfg Config) (*Notifier, error) {
	if cfg.Outbox == nil {
		return nil, errors.New("notify: no outbox")
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 2 * time.Second
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 500
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = time.Second
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = max(5*time.Minute, cfg.MinBackoff)
	}
	if err := Check(cfg.Subscriptions); err != nil {
		return nil, err
	}
	if err := CheckDigests(cfg.Digests, cfg.SMTP); err != nil {
		return nil, err
	}
	if cfg.DigestInterval <= 0 {
		cfg.DigestInterval = time.Hour
	}
	n := &Notifier{cfg: cfg, subs: map[string]Subscription{}, wake: make(chan struct{}, 1), stop: make(chan struct{})}
	for _, s := range cfg.Subscriptions {
		n.subs[s.ID] = s
	}
	return n, nil
}

// Check validates subscriptions and that their ids differ.
func Check(subs []Subscription) error {
	seen := map[string]bool{}
	for _, s := range subs {
		if err := s.Validate(); err != nil {
			return err
		}
		if seen[s.ID] {
			return fmt.Errorf("webhook %s: id used twice", s.ID)
		}
		seen[s.ID] = true
	}
	return nil
}

// CheckDigests validates digests, that their ids differ, and that an
// SMTP server and sender are configured when there are any.
func CheckDigests(ds []Digest, s SMTP) error {
	seen := map[string]bool{}
	for _, d := range ds {
		if err := d.Validate(); err != nil {
			return err
		}
		if seen[d.ID] {
			return fmt.Errorf("digest %s: id used twice", d.ID)
		}
		seen[d.ID] = true
	}
	if len(ds) == 0 {
		return nil
	}
	if _, _, err := net.SplitHostPort(s.Addr); err != nil {
		return fmt.Errorf("smtp.addr %q: want host:port", s.Addr)
	}
	if _, err := mail.ParseAddress(s.From); err != nil {
		return fmt.Errorf("smtp.from %q: %w", s.From, err)
	}
	return nil
}

// Subscriptions lists the subscriptions in configuration order.
func (n *Notifier) Subscriptions() []Subscription { return slices.Clone(n.cfg.Subscriptions) }

// Start runs the dispatcher and one worker per subscription until Close.
func (n *Notifier) Start() {
	wakes := make([]chan struct{}, 0, len(n.cfg.Subscriptions))
	for _, s := range n.cfg.Subscriptions {
		w := make(chan struct{}, 1)
		wakes = append(wakes, w)
		n.wg.Go(func() { n.deliverLoop(s, w) })
	}
	for _, d := range n.cfg.Digests {
		n.wg.Go(func() { n.digestLoop(d) })
	}
	n.wg.Go(func() { n.dispatchLoop(wakes) })
}

// Close stops the workers; a delivery under way is abandoned (it is sent
// again after the next start).
func (n *Notifier) Close() {
	n.once.Do(func() { close(n.stop) })
	n.wg.Wait()
}

// Wake makes the dispatcher read the outbox now (after a commit).
func (n *Notifier) Wake() {
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// SendTest queues a test event for one subscription.
func (n *Notifier) SendTest(ctx context.Context, sub string) (store.Event, error) {
	s, ok := n.subs[sub]
	if !ok {
		return store.Event{}, fmt.Errorf("webhook %s: %w", sub, store.ErrNotFound)
	}
	now := n.cfg.Now().UTC()
	e := store.Event{ID: store.EventTest + ":" + sub + ":" + strconv.FormatInt(now.UnixNano(), 10), Type: store.EventTest,
		At: now, Tenant: s.Tenant, Subscription: sub, Message: "test event from demarc-server"}
	if err := n.cfg.Outbox.AddEvents(ctx, []store.Event{e}, now); err != nil {
		return store.Event{}, err
	}
	n.Wake()
	return e, nil
}

func (n *Notifier) route(e store.Event) []string {
	var out []string
	for _, s := range n.cfg.Subscriptions {
		if s.Matches(e) {
			out = append(out, s.ID)
		}
	}
	for _, d := range n.cfg.Digests {
		if e.Subscription == "" && d.subscription().Matches(e) {
			out = append(out, d.queue())
		}
	}
	return out
}

func (n *Notifier) dispatchLoop(wakes []chan struct{}) {
	t := time.NewTicker(n.cfg.Poll)
	defer t.Stop()
	ctx, cancel := n.context()
	defer cancel()
	for {
		for {
			k, err := n.cfg.Outbox.DispatchEvents(ctx, n.route, 1000)
			if err != nil {
				if ctx.Err() == nil {
					n.cfg.Log.Warn().Err(err).Msg("webhooks: dispatch failed")
				}
				break
			}
			if k > 0 {
				for _, w := range wakes {
					select {
					case w <- struct{}{}:
					default:
					}
				}
			}
			if k < 1000 {
				break
			}
		}
		select {
		case <-n.stop:
			return
		case <-t.C:
		case <-n.wake:
		}
	}
}

// context is cancelled by Close.
func (n *Notifier) context() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-n.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

func (n *Notifier) deliverLoop(s Subscription, wake chan struct{}) {
	ctx, cancel := n.context()
	defer cancel()
	backoff := time.Duration(0)
	attempt := 0
	for {
		wait := n.cfg.Poll
		evs, err := n.cfg.Outbox.PendingEvents(ctx, s.ID, n.cfg.BatchSize)
		switch {
		case err != nil:
			if ctx.Err() == nil {
				n.cfg.Log.Warn().Err(err).Str("webhook", s.ID).Msg("webhooks: read queue failed")
			}
		case len(evs) > 0:
			attempt++
			if n.deliver(ctx, s, evs, attempt) {
				attempt, backoff = 0, 0
				wait = 0 // more may be queued
			} else {
				backoff = min(max(2*backoff, n.cfg.MinBackoff), n.cfg.MaxBackoff)
				wait = backoff
			}
		}
		if wait == 0 {
			select {
			case <-n.stop:
				return
			default:
				continue
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-n.stop:
			t.Stop()
			return
		case <-t.C:
		case <-wake:
			t.Stop()
			if backoff > 0 {
				// Still backing off: a new event does not hurry a
				// receiver that is failing.
				select {
				case <-n.stop:
					return
				case <-time.After(backoff):
				}
			}
		}
	}
}

// deliver posts one batch and records the attempt; true when the receiver
// took it (2xx) and that is stored.
func (n *Notifier) deliver(ctx context.Context, s Subscription, evs []store.QueuedEvent, attempt int) bool {
	first, last := evs[0].Seq, evs[len(evs)-1].Seq
	b := Body{Schema: Schema, DeliveryID: s.ID + "-" + strconv.FormatInt(first, 10) + "-" + strconv.FormatInt(last, 10),
		Subscription: s.ID, SentAt: n.cfg.Now().UTC(), Events: make([]store.Event, len(evs))}
	seqs := make([]int64, len(evs))
	for i, q := range evs {
		b.Events[i], seqs[i] = q.Event, q.Seq
		b.Events[i].Subscription = ""
	}
	d := store.Delivery{Subscription: s.ID, DeliveryID: b.DeliveryID, At: b.SentAt, Events: len(evs), Attempt: attempt}
	status, err := n.post(ctx, s, b)
	d.Duration = n.cfg.Now().Sub(b.SentAt)
	d.Status = status
	if ctx.Err() != nil {
		return false // stopping: not logged, sent again after the next start
	}
	ok := err == nil
	if err != nil {
		d.Error = err.Error()
	} else if err := n.cfg.Outbox.MarkDelivered(ctx, s.ID, seqs, n.cfg.Now()); err != nil {
		if ctx.Err() != nil {
			return false // stopping: sent again after the next start
		}
		n.cfg.Log.Warn().Err(err).Str("webhook", s.ID).Msg("webhooks: cannot record a delivery: it will be sent again")
		d.Error, ok = "delivered, not recorded: "+err.Error(), false
	}
	if err := n.cfg.Outbox.LogDelivery(ctx, d); err != nil {
		n.cfg.Log.Warn().Err(err).Str("webhook", s.ID).Msg("webhooks: cannot log a delivery")
	}
	if !ok {
		n.cfg.Log.Warn().Str("webhook", s.ID).Int("attempt", attempt).Int("status", status).Str("error", d.Error).Msg("webhooks: delivery failed; retrying")
	}
	return ok
}

func (n *Notifier) post(ctx context.Context, s Subscription, b Body) (int, error) {
	body, err := json.Marshal(b)
	if err != nil {
		return 0, fmt.Errorf("encode delivery: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("delivery request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "demarc-server webhook")
	req.Header.Set(SignatureHeader, Sign(s.Secret, body))
	req.Header.Set(DeliveryHeader, b.DeliveryID)
	resp, err := n.cfg.Client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("post: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("receiver answered %s", resp.Status)
	}
	return resp.StatusCode, nil
}
