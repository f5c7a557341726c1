package notify_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/demarc/demarc/ingest/notify"
	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// mailbox is a loopback SMTP server (go-smtp) that requires TLS before
// AUTH PLAIN and keeps every message it accepts.
type mailbox struct {
	mu   sync.Mutex
	msgs []received
	addr string
	pool *x509.CertPool
}

type received struct {
	from string
	to   []string
	data []byte
	user string
}

type session struct {
	mb   *mailbox
	cur  received
	user string
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "demarc" || pass != "mail-password" {
			return errors.New("bad credentials")
		}
		s.user = user
		return nil
	}), nil
}
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.user == "" {
		return errors.New("auth first")
	}
	s.cur = received{from: from, user: s.user}
	return nil
}
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.to = append(s.cur.to, to)
	return nil
}
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = b
	s.mb.mu.Lock()
	s.mb.msgs = append(s.mb.msgs, s.cur)
	s.mb.mu.Unlock()
	return nil
}
func (s *session) Reset()        { s.cur = received{} }
func (s *session) Logout() error { return nil }

// startMailbox serves SMTP on loopback; withTLS false offers no STARTTLS.
func startMailbox(t *testing.T, withTLS bool) *mailbox {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	mb := &mailbox{pool: x509.NewCertPool()}
	mb.pool.AddCert(cert)
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{mb: mb}, nil }))
	srv.Domain = "127.0.0.1"
	if withTLS {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mb.addr = ln.Addr().String()
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return mb
}

func (mb *mailbox) count() int { mb.mu.Lock(); defer mb.mu.Unlock(); return len(mb.msgs) }

func startDigests(t *testing.T, s store.Outbox, mb *mailbox, ds []notify.Digest, every time.Duration) {
	t.Helper()
	n, err := notify.New(notify.Config{Outbox: s, Poll: 10 * time.Millisecond, DigestInterval: every, Digests: ds,
		SMTP: notify.SMTP{Addr: mb.addr, From: "demarc <demarc@ops.example.net>", Username: "demarc", Password: "mail-password",
			TLS: &tls.Config{RootCAs: mb.pool, ServerName: "127.0.0.1"}}})
	if err != nil {
		t.Fatal(err)
	}
	n.Start()
	t.Cleanup(n.Close)
}

// TestDigestOverSMTP: a burst of findings of two tenants is one message
// per digest (fleet-wide, and acme's high and above), sent over STARTTLS
// with AUTH, which parses back with the summary and the events.
func TestDigestOverSMTP(t *testing.T) {
	eachStore(t, func(t *testing.T, open opener) {
		s := open(t)
		mb := startMailbox(t, true)
		all := ingest(t, s, "acme", 6, 3, t0)
		for id := range ingest(t, s, "globex", 6, 5, t0) {
			all[id] = true
		}
		startDigests(t, s, mb, []notify.Digest{
			{ID: "provider-team", To: []string{"Team <team@ops.example.net>", "lead@ops.example.net"}},
			{ID: "acme", To: []string{"it@acme.example"}, Tenant: "acme", MinSeverity: report.SeverityHigh},
		}, 300*time.Millisecond)
		eventually(t, "two digests", func() bool { return mb.count() >= 2 })
		time.Sleep(700 * time.Millisecond) // two more intervals: nothing more may come
		mb.mu.Lock()
		defer mb.mu.Unlock()
		if len(mb.msgs) != 2 {
			t.Fatalf("%d messages, want one per digest (2)", len(mb.msgs))
		}
		for _, m := range mb.msgs {
			if m.user != "demarc" || m.from != "demarc@ops.example.net" {
				t.Errorf("envelope: user %q from %q", m.user, m.from)
			}
			msg, err := mail.ReadMessage(bytes.NewReader(m.data))
			if err != nil {
				t.Fatalf("parse message: %v", err)
			}
			subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
			if err != nil {
				t.Fatal(err)
			}
			mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
			if err != nil || mt != "text/plain" || params["charset"] != "utf-8" {
				t.Errorf("content type %q: %v", msg.Header.Get("Content-Type"), err)
			}
			body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
			if err != nil {
				t.Fatal(err)
			}
			to, err := msg.Header.AddressList("To")
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case len(m.to) == 2:
				if len(to) != 2 || to[0].Address != "team@ops.example.net" || !strings.Contains(subject, "the fleet") {
					t.Errorf("fleet digest: to %v, subject %q", to, subject)
				}
				if want := len(all); !strings.Contains(string(body), "demarc: "+itoa(int64(want))+" new events") {
					t.Errorf("fleet digest does not count %d events: %.300s", want, body)
				}
			case m.to[0] == "it@acme.example":
				if !strings.Contains(subject, "tenant acme") || strings.Contains(string(body), "globex") ||
					strings.Contains(string(body), "[medium]") || strings.Contains(string(body), "[low]") {
					t.Errorf("acme digest: subject %q, body %.500s", subject, body)
				}
			default:
				t.Errorf("message to %v", m.to)
			}
		}
		ds, err := s.Deliveries(t.Context(), "mail:provider-team", 10)
		if err != nil || len(ds) != 1 || ds[0].Status != 250 || ds[0].Events != len(all) {
			t.Errorf("delivery log: %+v %v", ds, err)
		}
	})
}

// TestDigestRefusesPlaintext: a server without STARTTLS gets neither the
// password nor the mail; the attempt is logged and the events stay queued.
func TestDigestRefusesPlaintext(t *testing.T) {
	eachStore(t, func(t *testing.T, open opener) {
		s := open(t)
		mb := startMailbox(t, false)
		ingest(t, s, "acme", 1, 3, t0)
		startDigests(t, s, mb, []notify.Digest{{ID: "team", To: []string{"team@ops.example.net"}}}, 50*time.Millisecond)
		eventually(t, "a failed attempt", func() bool {
			ds, err := s.Deliveries(t.Context(), "mail:team", 1)
			return err == nil && len(ds) == 1
		})
		ds, _ := s.Deliveries(t.Context(), "mail:team", 1)
		if ds[0].Status != 0 || !strings.Contains(ds[0].Error, "STARTTLS") {
			t.Errorf("attempt logged as %+v", ds[0])
		}
		if mb.count() != 0 {
			t.Errorf("%d messages accepted without TLS", mb.count())
		}
		if q, err := s.PendingEvents(t.Context(), "mail:team", 10); err != nil || len(q) == 0 {
			t.Errorf("events no longer queued: %d %v", len(q), err)
		}
	})
}

func TestDigestValidate(t *testing.T) {
	good := notify.Digest{ID: "team", To: []string{"team@ops.example.net"}}
	smtpOK := notify.SMTP{Addr: "mail.example.net:587", From: "demarc@example.net"}
	if err := notify.CheckDigests([]notify.Digest{good}, smtpOK); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		ds []notify.Digest
		s  notify.SMTP
	}{
		"no recipient":  {[]notify.Digest{{ID: "team"}}, smtpOK},
		"bad recipient": {[]notify.Digest{{ID: "team", To: []string{"not an address"}}}, smtpOK},
		"bad id":        {[]notify.Digest{{ID: "a:b", To: good.To}}, smtpOK},
		"twice":         {[]notify.Digest{good, good}, smtpOK},
		"no smtp":       {[]notify.Digest{good}, notify.SMTP{}},
		"no from":       {[]notify.Digest{good}, notify.SMTP{Addr: "mail.example.net:587"}},
	} {
		if err := notify.CheckDigests(tc.ds, tc.s); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
