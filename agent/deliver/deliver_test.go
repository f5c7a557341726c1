package deliver

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/config"
)

const testReport = `{"schema":"demarc.report/v1","report_id":"r1"}`

func tokenFile(t *testing.T) string { return writeFile(t, "token", []byte("s3cret-token\n")) }

func newClient(t *testing.T, o Options) *Client {
	t.Helper()
	if o.TokenFile == "" {
		o.TokenFile = tokenFile(t)
	}
	if o.UserAgent == "" {
		o.UserAgent = "demarc/test"
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdle)
	return c
}

type seen struct {
	method, ctype, cenc, auth, ua string
	body                          []byte
}

func TestSendHeadersAndBody(t *testing.T) {
	got := make(chan seen, 1)
	ca := newCA(t, "test CA")
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := seen{method: r.Method, ctype: r.Header.Get("Content-Type"), cenc: r.Header.Get("Content-Encoding"),
			auth: r.Header.Get("Authorization"), ua: r.Header.Get("User-Agent")}
		if zr, err := gzip.NewReader(r.Body); err == nil {
			s.body, _ = io.ReadAll(zr)
		}
		got <- s
		w.WriteHeader(http.StatusAccepted)
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{ca.server(t)}}
	srv.StartTLS()
	defer srv.Close()

	c := newClient(t, Options{URL: srv.URL + "/api/v1/reports", CAFile: writeFile(t, "ca.pem", ca.pem), UserAgent: "demarc/1.2.3"})
	rc, err := c.Send(context.Background(), []byte(testReport))
	if err != nil {
		t.Fatal(err)
	}
	if rc.Status != http.StatusAccepted || rc.Duplicate {
		t.Fatalf("receipt = %+v", rc)
	}
	s := <-got
	want := seen{method: "POST", ctype: "application/json", cenc: "gzip", auth: "Bearer s3cret-token", ua: "demarc/1.2.3", body: []byte(testReport)}
	if s.method != want.method || s.ctype != want.ctype || s.cenc != want.cenc || s.auth != want.auth || s.ua != want.ua || !bytes.Equal(s.body, want.body) {
		t.Fatalf("server saw %+v\nwant %+v", s, want)
	}
}

func TestStatuses(t *testing.T) {
	type want struct {
		delivered, duplicate, rejected bool
		retryIs                        error
		after                          time.Duration
	}
	cases := []struct {
		status int
		header string
		body   string
		want   want
	}{
		{202, "", "", want{delivered: true}},
		{200, "", `{"status":"duplicate"}`, want{delivered: true, duplicate: true}},
		{201, "", "", want{delivered: true}},
		{400, "", `{"error":"host.host_id is empty"}`, want{rejected: true}},
		{403, "", `{"error":"other tenant"}`, want{rejected: true}},
		{403, "", `{"error":"tenant","message":"report names another tenant than the token's"}`, want{rejected: true}},
		{403, "", `{"error":"host_id belongs to another tenant"}`, want{rejected: true}},
		{403, "", `{"error":"forbidden_role","message":"this token's role may not do this"}`, want{retryIs: ErrAuth}},
		{403, "", `{"error":"this token's role may not do this","request_id":"x"}`, want{retryIs: ErrAuth}},
		{413, "", "too big", want{rejected: true}},
		{422, "", "\x00\x01binary", want{rejected: true}},
		{401, "", `{"error":"bad token"}`, want{retryIs: ErrAuth}},
		{404, "", "not found", want{retryIs: ErrURL}},
		{405, "", "", want{retryIs: ErrURL}},
		{308, "https://elsewhere.example/", "", want{retryIs: ErrURL}},
		{408, "", "", want{retryIs: ErrServer}},
		{429, "7", "slow down", want{retryIs: ErrServer, after: 7 * time.Second}},
		{500, "", "<html>oops</html>", want{retryIs: ErrServer}},
		{502, "garbage", "garbage", want{retryIs: ErrServer}},
		{503, "999999", "", want{retryIs: ErrServer, after: MaxRetryAfter}},
	}
	for _, tc := range cases {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				if tc.status >= 300 && tc.status < 400 {
					w.Header().Set("Location", tc.header)
				} else if tc.header != "" {
					w.Header().Set("Retry-After", tc.header)
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			rc, err := newClient(t, Options{URL: srv.URL}).Send(context.Background(), []byte(testReport))
			var re *RetryError
			var rj *RejectedError
			switch {
			case tc.want.delivered:
				if err != nil || rc.Duplicate != tc.want.duplicate {
					t.Fatalf("Send = %+v, %v", rc, err)
				}
			case tc.want.rejected:
				if !errors.As(err, &rj) || rj.Status != tc.status || rj.Reason == "" {
					t.Fatalf("Send error = %v, want rejected %d with a reason", err, tc.status)
				}
			default:
				if !errors.As(err, &re) || !errors.Is(err, tc.want.retryIs) || re.After != tc.want.after {
					t.Fatalf("Send error = %#v, want retry (%v) after %v", err, tc.want.retryIs, tc.want.after)
				}
			}
		})
	}
}

// listen returns a loopback listener whose connections serve is given.
func listen(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); close(done) })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				serve(c)
				<-done
			}()
		}
	}()
	return "http://" + ln.Addr().String() + "/api/v1/reports"
}

func TestGarbageAnswerIsRetried(t *testing.T) {
	url := listen(t, func(c net.Conn) {
		c.Read(make([]byte, 4096))
		io.WriteString(c, "SSH-2.0-OpenSSH_9.6\r\n\x00\xff garbage\r\n\r\n")
		c.Close()
	})
	_, err := newClient(t, Options{URL: url}).Send(context.Background(), []byte(testReport))
	var re *RetryError
	if !errors.As(err, &re) {
		t.Fatalf("Send error = %v, want a RetryError", err)
	}
}

func TestServerThatNeverAnswersTimesOut(t *testing.T) {
	url := listen(t, func(c net.Conn) {}) // accepts, reads nothing, says nothing
	_, err := newClient(t, Options{URL: url, Timeout: 300 * time.Millisecond}).Send(context.Background(), []byte(testReport))
	var re *RetryError
	var ne net.Error
	if !errors.As(err, &re) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("Send error = %#v, want a timeout RetryError", err)
	}
}

func TestUnreachableServerIsRetried(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: connection refused
	_, err = newClient(t, Options{URL: "http://" + addr}).Send(context.Background(), []byte(testReport))
	var re *RetryError
	var oe *net.OpError
	if !errors.As(err, &re) || !errors.As(err, &oe) {
		t.Fatalf("Send error = %#v, want a RetryError from the dial", err)
	}
}

func TestDNSFailureIsRetried(t *testing.T) {
	// A resolver whose DNS server cannot be reached: the lookup of the
	// .invalid name fails without any packet leaving the machine.
	res := &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("no DNS in tests")
	}}
	_, err := newClient(t, Options{URL: "https://demarc.invalid/api/v1/reports", Resolver: res}).Send(context.Background(), []byte(testReport))
	var re *RetryError
	var de *net.DNSError
	if !errors.As(err, &re) || !errors.As(err, &de) {
		t.Fatalf("Send error = %#v, want a RetryError from DNS", err)
	}
}

func TestTLSFailuresAreRetried(t *testing.T) {
	ca, other := newCA(t, "right CA"), newCA(t, "wrong CA")
	expired, _, _ := ca.leaf(t, x509.ExtKeyUsageServerAuth, time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour))
	cases := map[string]struct {
		cert  tls.Certificate
		check func(error) bool
	}{
		"wrong CA": {other.server(t), func(err error) bool {
			var u x509.UnknownAuthorityError
			return errors.As(err, &u)
		}},
		"expired": {expired, func(err error) bool {
			var ci x509.CertificateInvalidError
			return errors.As(err, &ci) && ci.Reason == x509.Expired
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
			srv.TLS = &tls.Config{Certificates: []tls.Certificate{tc.cert}}
			srv.Config.ErrorLog = quietLog()
			srv.StartTLS()
			defer srv.Close()
			_, err := newClient(t, Options{URL: srv.URL, CAFile: writeFile(t, "ca.pem", ca.pem)}).Send(context.Background(), []byte(testReport))
			var re *RetryError
			if !errors.As(err, &re) || !tc.check(err) {
				t.Fatalf("Send error = %#v", err)
			}
		})
	}
}

func TestMutualTLS(t *testing.T) {
	ca := newCA(t, "test CA")
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{ca.server(t)}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	srv.Config.ErrorLog = quietLog()
	srv.StartTLS()
	defer srv.Close()
	caFile := writeFile(t, "ca.pem", ca.pem)

	_, err := newClient(t, Options{URL: srv.URL, CAFile: caFile}).Send(context.Background(), []byte(testReport))
	var re *RetryError
	if !errors.As(err, &re) {
		t.Fatalf("without a client certificate: Send error = %v, want a RetryError", err)
	}
	_, certPEM, keyPEM := ca.leaf(t, x509.ExtKeyUsageClientAuth, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	c := newClient(t, Options{URL: srv.URL, CAFile: caFile,
		ClientCert: writeFile(t, "client.pem", certPEM), ClientKey: writeFile(t, "client.key", keyPEM)})
	if _, err := c.Send(context.Background(), []byte(testReport)); err != nil {
		t.Fatalf("with a client certificate: %v", err)
	}
}

func TestPlainHTTPOnlyToLoopbackOrWhenAllowed(t *testing.T) {
	tok := tokenFile(t)
	if _, err := New(Options{URL: "http://demarc.example.net/api/v1/reports", TokenFile: tok}); !errors.Is(err, config.ErrInsecureURL) {
		t.Fatalf("New(http non-loopback) error = %v, want ErrInsecureURL", err)
	}
	for _, o := range []Options{
		{URL: "http://127.0.0.1:9/api/v1/reports"},
		{URL: "http://[::1]:9/api/v1/reports"},
		{URL: "http://localhost:9/api/v1/reports"},
		{URL: "http://demarc.example.net/api/v1/reports", AllowInsecureHTTP: true},
	} {
		o.TokenFile = tok
		if _, err := New(o); err != nil {
			t.Errorf("New(%s) = %v", o.URL, err)
		}
	}
}

func TestBadCAFileOrClientCert(t *testing.T) {
	if _, err := New(Options{URL: "https://127.0.0.1/", CAFile: writeFile(t, "ca.pem", []byte("not a cert"))}); !errors.Is(err, config.ErrNoCertificate) {
		t.Fatalf("junk CA file: error = %v, want ErrNoCertificate", err)
	}
	if _, err := New(Options{URL: "https://127.0.0.1/", ClientCert: "/nonexistent/c.pem", ClientKey: "/nonexistent/c.key"}); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing client cert: error = %v, want ErrNotExist", err)
	}
}

func TestMissingTokenIsRetriedAndNeverSent(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls++ }))
	defer srv.Close()
	_, err := newClient(t, Options{URL: srv.URL, TokenFile: "/nonexistent/token"}).Send(context.Background(), []byte(testReport))
	var re *RetryError
	if !errors.As(err, &re) || !errors.Is(err, ErrToken) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Send error = %v, want a RetryError for the token file", err)
	}
	if calls != 0 {
		t.Fatalf("server called %d times without a token", calls)
	}
}

func TestCancelledContextIsNotARetry(t *testing.T) {
	// Cancelled once the request reached the server, which never answers:
	// the send is in flight, not refused before it started.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	url := listen(t, func(c net.Conn) {
		c.Read(make([]byte, 1))
		cancel()
	})
	_, err := newClient(t, Options{URL: url}).Send(ctx, []byte(testReport))
	var re *RetryError
	if !errors.Is(err, context.Canceled) || errors.As(err, &re) {
		t.Fatalf("Send error = %v (%T), want context.Canceled and not a RetryError", err, err)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	cases := map[string]time.Duration{
		"":                              0,
		"junk":                          0,
		"-5":                            0,
		"0":                             MinRetryAfter,
		"120":                           2 * time.Minute,
		"9999999999999999999":           0, // does not parse as int64
		"99999999":                      MaxRetryAfter,
		"Sun, 01 Jun 2025 12:05:00 GMT": 5 * time.Minute,
		"Sun, 01 Jun 2025 11:00:00 GMT": MinRetryAfter,
	}
	for in, want := range cases {
		if got := RetryAfter(in, now); got != want {
			t.Errorf("RetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func FuzzReason(f *testing.F) {
	f.Add([]byte(`{"error":"x"}`))
	f.Add([]byte(`{"error":"forbidden_role","message":"this token's role may not do this"}`))
	f.Add([]byte(`{"error":"this token's role may not do this","request_id":"r-1"}`))
	f.Add([]byte("\x00\xff"))
	f.Add([]byte(strings.Repeat("é", 1000)))
	f.Fuzz(func(t *testing.T, b []byte) {
		a := parseAnswer(b)
		if r := a.reason; r == "" || len(r) > 1600 || strings.ContainsAny(r, "\n\r\x00") {
			t.Fatalf("reason %q is not one short printable line", r)
		}
		if a.code != "" && !isCode(a.code) {
			t.Fatalf("code %q is not a code", a.code)
		}
		RetryAfter(string(b), time.Now())
	})
}
