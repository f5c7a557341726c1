package deliver

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/demarc/demarc/config"
)

// Limits on each step of a delivery.
const (
	// DefaultTimeout bounds a whole request when Options sets none.
	DefaultTimeout = 30 * time.Second
	// maxStepTimeout bounds connecting and the TLS handshake.
	maxStepTimeout = 10 * time.Second
	// maxResponse caps how much of an answer is read.
	maxResponse = 64 << 10
)

// Options configures a Client.
type Options struct {
	// URL is the server's report endpoint (POST /api/v1/reports).
	URL string
	// AllowInsecureHTTP permits plain http to a non-loopback host.
	AllowInsecureHTTP bool
	// TokenFile holds the bearer token; it is read at every Send, so a
	// rotated token is picked up without a restart.
	TokenFile string
	// CAFile, when set, adds a private CA to the system's.
	CAFile string
	// ClientCert and ClientKey, when set, are the mTLS client identity.
	ClientCert, ClientKey string
	// Timeout bounds a whole request; 0 means DefaultTimeout. Connecting
	// and the TLS handshake are bounded by the smaller of it and 10s.
	Timeout time.Duration
	// UserAgent names the program and its version.
	UserAgent string
	// Resolver, when set, resolves host names (tests use one that never
	// leaves the machine).
	Resolver *net.Resolver
}

// Client posts reports to demarc-server.
type Client struct {
	url       string
	tokenFile string
	userAgent string
	hc        *http.Client
}

// New builds a client: system CAs plus the optional CA file, optional
// client certificate, and a timeout on every step. Plain http is refused
// unless the host is loopback or AllowInsecureHTTP is set.
func New(o Options) (*Client, error) {
	if err := config.CheckReportURL(o.URL, o.AllowInsecureHTTP); err != nil {
		return nil, fmt.Errorf("report url: %w", err)
	}
	tlsConf, err := tlsConfig(o)
	if err != nil {
		return nil, err
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	step := min(timeout, maxStepTimeout)
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: step, KeepAlive: 30 * time.Second, Resolver: o.Resolver}).DialContext,
		TLSClientConfig:       tlsConf,
		TLSHandshakeTimeout:   step,
		ResponseHeaderTimeout: timeout,
		ExpectContinueTimeout: time.Second,
		MaxIdleConns:          2,
		IdleConnTimeout:       30 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &Client{
		url:       o.URL,
		tokenFile: o.TokenFile,
		userAgent: o.UserAgent,
		hc: &http.Client{
			Transport: tr,
			Timeout:   timeout,
			// A redirect is a misconfigured URL: following it could send
			// the report (and the token) somewhere unintended.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}, nil
}

func tlsConfig(o Options) (*tls.Config, error) {
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.CAFile != "" {
		b, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("ca_file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("ca_file %s: %w", o.CAFile, config.ErrNoCertificate)
		}
		conf.RootCAs = pool
	}
	if o.ClientCert != "" || o.ClientKey != "" {
		cert, err := tls.LoadX509KeyPair(o.ClientCert, o.ClientKey)
		if err != nil {
			return nil, fmt.Errorf("client certificate: %w", err)
		}
		conf.Certificates = []tls.Certificate{cert}
	}
	return conf, nil
}

// CloseIdle closes idle connections, so nothing stays open between scans.
func (c *Client) CloseIdle() { c.hc.CloseIdleConnections() }

// Receipt is the server's acceptance of a report.
type Receipt struct {
	// Status is the HTTP status: 202 for a new report, 200 for one the
	// server already had.
	Status int
	// Duplicate is true when the server already had the report.
	Duplicate bool
	// HostKey is a new host key (dmh_…) the server hands out with its
	// acceptance (key rotation), or "".
	HostKey string
}

// Send posts one report (JSON) gzip-compressed with the bearer token. It
// returns a Receipt on any 2xx; a *RetryError when the report should be
// sent again later (network, TLS, timeouts, 408, 429, 5xx, a refused
// token, a wrong URL); a *RejectedError when the server refused this report
// for good (any other 4xx).
func (c *Client) Send(ctx context.Context, report []byte) (Receipt, error) {
	token, err := config.ReadToken(c.tokenFile)
	if err != nil {
		return Receipt{}, &RetryError{Err: fmt.Errorf("%w: %w", ErrToken, err)}
	}
	return c.SendAs(ctx, token, report)
}

// SendAs is Send with the given bearer credential (a host key) instead of
// the token file's.
func (c *Client) SendAs(ctx context.Context, bearer string, report []byte) (Receipt, error) {
	var body bytes.Buffer
	zw := gzip.NewWriter(&body)
	if _, err := zw.Write(report); err != nil {
		return Receipt{}, fmt.Errorf("gzip: %w", err)
	}
	if err := zw.Close(); err != nil {
		return Receipt{}, fmt.Errorf("gzip: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body.Bytes()))
	if err != nil {
		return Receipt{}, fmt.Errorf("request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("Authorization", "Bearer "+bearer)
	req.Header.Set("User-Agent", c.userAgent)
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return Receipt{}, ctx.Err()
		}
		return Receipt{}, &RetryError{Err: stripURL(err)}
	}
	defer resp.Body.Close()
	return classify(resp, readLimited(resp.Body, maxResponse), time.Now())
}

// stripURL drops net/http's "Post \"<url>\": " wrapper: the caller logs
// the URL once and the rest of the error is the cause.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}
