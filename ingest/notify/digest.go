package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"sort"
	"strings"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// SMTP is the mail server digests are sent through: STARTTLS is always
// required (a server that does not offer it gets nothing), then AUTH
// PLAIN when Username is set.
type SMTP struct {
	// Addr is host:port (587, submission).
	Addr string `yaml:"addr"`
	// From is the sender address.
	From     string `yaml:"from"`
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	// TLS verifies the server's certificate (nil: the system roots and
	// Addr's host; tests pass their own roots).
	TLS *tls.Config `yaml:"-"`
}

// Digest is an e-mail digest: the events of the span since the last
// digest that match it, in one message to its recipients per Interval (a
// fleet-wide burst is one message, not one per event).
type Digest struct {
	// ID names it ("mail:" + ID in the delivery log).
	ID string `yaml:"id"`
	// To are the recipients (a tenant's contacts, a provider team).
	To []string `yaml:"to"`
	// Tenant, Events and MinSeverity select events as a Subscription's do.
	Tenant      string          `yaml:"tenant"`
	Events      []string        `yaml:"events"`
	MinSeverity report.Severity `yaml:"min_severity"`
}

// queue is the digest's subscription id in the outbox.
func (d Digest) queue() string { return "mail:" + d.ID }

func (d Digest) subscription() Subscription {
	return Subscription{ID: d.ID, Tenant: d.Tenant, Events: d.Events, MinSeverity: d.MinSeverity}
}

// Validate checks a digest.
func (d Digest) Validate() error {
	s := d.subscription()
	s.URL, s.Secret = "https://x/", "digest-has-no-secret"
	if err := s.Validate(); err != nil {
		return fmt.Errorf("digest: %w", err)
	}
	if len(d.To) == 0 {
		return fmt.Errorf("digest %s: to: want at least one recipient", d.ID)
	}
	for _, a := range d.To {
		if _, err := mail.ParseAddress(a); err != nil {
			return fmt.Errorf("digest %s: to %q: %w", d.ID, a, err)
		}
	}
	return nil
}

// maxDigestEvents caps the events one message lists (the counts cover
// every event of the digest; the message says how many it left out).
const maxDigestEvents = 200

// digestLoop sends the digest's queued events every interval.
func (n *Notifier) digestLoop(d Digest) {
	ctx, cancel := n.context()
	defer cancel()
	attempt := 0
	for {
		t := time.NewTimer(n.cfg.DigestInterval)
		select {
		case <-n.stop:
			t.Stop()
			return
		case <-t.C:
		}
		evs, err := n.cfg.Outbox.PendingEvents(ctx, d.queue(), 100000)
		if err != nil || len(evs) == 0 {
			continue
		}
		attempt++
		if n.sendDigest(ctx, d, evs, attempt) {
			attempt = 0
		}
	}
}

func (n *Notifier) sendDigest(ctx context.Context, d Digest, evs []store.QueuedEvent, attempt int) bool {
	now := n.cfg.Now().UTC()
	first, last := evs[0].Seq, evs[len(evs)-1].Seq
	del := store.Delivery{Subscription: d.queue(), DeliveryID: fmt.Sprintf("%s-%d-%d", d.queue(), first, last), At: now, Events: len(evs), Attempt: attempt}
	msg, err := digestMessage(n.cfg.SMTP.From, d, evs, now, del.DeliveryID)
	if err == nil {
		err = n.sendMail(ctx, d.To, msg)
	}
	del.Duration = n.cfg.Now().Sub(now)
	if ctx.Err() != nil {
		return false
	}
	ok := err == nil
	if err != nil {
		del.Error = err.Error()
	} else {
		del.Status = 250
		seqs := make([]int64, len(evs))
		for i, q := range evs {
			seqs[i] = q.Seq
		}
		if err := n.cfg.Outbox.MarkDelivered(ctx, d.queue(), seqs, n.cfg.Now()); err != nil {
			del.Error, ok = "sent, not recorded: "+err.Error(), false
		}
	}
	if err := n.cfg.Outbox.LogDelivery(ctx, del); err != nil {
		n.cfg.Log.Warn().Err(err).Str("digest", d.ID).Msg("digests: cannot log a delivery")
	}
	if !ok {
		n.cfg.Log.Warn().Str("digest", d.ID).Str("error", del.Error).Msg("digests: not sent; retrying at the next interval")
	}
	return ok
}

// digestMessage is the RFC 5322 message of a digest: a summary by event
// type and severity, then the events (at most maxDigestEvents), as
// quoted-printable UTF-8 text.
func digestMessage(from string, d Digest, evs []store.QueuedEvent, now time.Time, id string) ([]byte, error) {
	counts := map[string]int{}
	for _, q := range evs {
		k := q.Event.Type
		if q.Event.Severity != "" {
			k += " " + string(q.Event.Severity)
		}
		counts[k]++
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var body strings.Builder
	scope := "the fleet"
	if d.Tenant != "" {
		scope = "tenant " + d.Tenant
	}
	fmt.Fprintf(&body, "demarc: %d new events for %s (digest %s, %s).\n\n", len(evs), scope, d.ID, now.Format(time.RFC3339))
	for _, k := range keys {
		fmt.Fprintf(&body, "  %6d  %s\n", counts[k], k)
	}
	body.WriteString("\n")
	for i, q := range evs {
		if i == maxDigestEvents {
			fmt.Fprintf(&body, "… and %d more (see the findings page).\n", len(evs)-i)
			break
		}
		e := q.Event
		line := fmt.Sprintf("- %s %s", e.At.UTC().Format("2006-01-02 15:04"), e.Type)
		if e.Severity != "" {
			line += " [" + string(e.Severity) + "]"
		}
		if e.Hostname != "" {
			line += " " + e.Hostname
		}
		if e.Finding != nil {
			line += ": " + e.Finding.Product
			if e.Finding.Installed != "" {
				line += " " + e.Finding.Installed
			}
		}
		if e.Message != "" {
			line += ": " + e.Message
		}
		body.WriteString(line + "\n")
	}
	var qp bytes.Buffer
	w := quotedprintable.NewWriter(&qp)
	if _, err := w.Write([]byte(body.String())); err != nil {
		return nil, fmt.Errorf("encode digest: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("encode digest: %w", err)
	}
	rnd := make([]byte, 8)
	_, _ = rand.Read(rnd)
	host := "demarc"
	if a, err := mail.ParseAddress(from); err == nil {
		if _, dom, ok := strings.Cut(a.Address, "@"); ok {
			host = dom
		}
	}
	var m bytes.Buffer
	hdr := func(k, v string) { fmt.Fprintf(&m, "%s: %s\r\n", k, v) }
	hdr("From", from)
	hdr("To", strings.Join(d.To, ", "))
	hdr("Subject", mime.QEncoding.Encode("utf-8", fmt.Sprintf("demarc digest: %d events for %s", len(evs), scope)))
	hdr("Date", now.Format(time.RFC1123Z))
	hdr("Message-ID", "<"+hex.EncodeToString(rnd)+"."+id+"@"+host+">")
	hdr("X-Demarc-Delivery", id)
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", `text/plain; charset="utf-8"`)
	hdr("Content-Transfer-Encoding", "quoted-printable")
	m.WriteString("\r\n")
	m.Write(bytes.ReplaceAll(bytes.ReplaceAll(qp.Bytes(), []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n")))
	return m.Bytes(), nil
}

// errNoStartTLS: the server does not offer STARTTLS; nothing is sent.
var errNoStartTLS = errors.New("smtp server offers no STARTTLS: not sending credentials or mail in the clear")

// sendMail sends msg through the configured server: STARTTLS, AUTH,
// one envelope for every recipient.
func (n *Notifier) sendMail(ctx context.Context, to []string, msg []byte) error {
	cfg := n.cfg.SMTP
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return fmt.Errorf("smtp addr %q: %w", cfg.Addr, err)
	}
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(dctx, "tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("smtp dial: %w", err)
	}
	deadline, _ := dctx.Deadline()
	_ = conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp greeting: %w", err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); !ok {
		return errNoStartTLS
	}
	tc := cfg.TLS
	if tc == nil {
		tc = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	if err := c.StartTLS(tc); err != nil {
		return fmt.Errorf("smtp starttls: %w", err)
	}
	if cfg.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", cfg.Username, cfg.Password, host)); err != nil {
			return fmt.Errorf("smtp auth: %w", err)
		}
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return fmt.Errorf("smtp from %q: %w", cfg.From, err)
	}
	if err := c.Mail(from.Address); err != nil {
		return fmt.Errorf("smtp mail from: %w", err)
	}
	for _, r := range to {
		a, err := mail.ParseAddress(r)
		if err != nil {
			return fmt.Errorf("smtp rcpt %q: %w", r, err)
		}
		if err := c.Rcpt(a.Address); err != nil {
			return fmt.Errorf("smtp rcpt %s: %w", a.Address, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp data: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("smtp data: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp data: %w", err)
	}
	if err := c.Quit(); err != nil {
		return fmt.Errorf("smtp quit: %w", err)
	}
	return nil
}
