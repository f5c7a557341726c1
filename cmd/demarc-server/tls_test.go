package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testCA is a throwaway certificate authority for loopback TLS tests (the
// same shape as agent/deliver's).
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newCA(t *testing.T, name string) *testCA {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// leaf issues a certificate for loopback valid from notBefore to notAfter,
// and returns it as a pair and as PEM.
func (ca *testCA) leaf(t *testing.T, usage x509.ExtKeyUsage, notBefore, notAfter time.Time) (tls.Certificate, []byte, []byte) {
	t.Helper()
	key := newKey(t)
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: "demarc test"},
		NotBefore: notBefore, NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}, DNSNames: []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return pair, certPEM, keyPEM
}

// pool is a pool holding the CA.
func (ca *testCA) pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.cert)
	return p
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// serverCert writes a server certificate for 127.0.0.1 from a new CA and
// its key, and returns a pool that trusts it.
func serverCert(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	ca := newCA(t, "demarc test server CA")
	_, c, k := ca.leaf(t, x509.ExtKeyUsageServerAuth, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	return writeFile(t, dir, "cert.pem", c), writeFile(t, dir, "key.pem", k), ca.pool()
}

func TestServeTLS(t *testing.T) {
	bin := buildServer(t)
	dir := t.TempDir()
	certFile, keyFile, pool := serverCert(t, dir)
	db := "sqlite:" + filepath.Join(dir, "d.db")
	srv := startServerArgs(t, bin, "serve", "--listen", "127.0.0.1:0", "--db", db, "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.HasPrefix(srv.base, "https://") {
		t.Fatalf("serving on %s", srv.base)
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := c.Get(srv.base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("healthz over TLS: %d", resp.StatusCode)
	}
	// TLS 1.2 is the minimum.
	old := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS11}}}
	if resp, err := old.Get(srv.base + "/healthz"); err == nil {
		resp.Body.Close()
		t.Error("TLS 1.1 accepted")
	}
}

// TestServeMutualTLS: with tls.client_ca_file and tls.client_auth the
// server asks agents for a certificate and verifies it against that CA:
// no certificate is refused under require and accepted under
// verify_if_given; a certificate from another CA or an expired one is
// refused under both; one from the CA is accepted.
func TestServeMutualTLS(t *testing.T) {
	bin := buildServer(t)
	dir := t.TempDir()
	certFile, keyFile, pool := serverCert(t, dir)
	clients := newCA(t, "demarc test client CA")
	caFile := writeFile(t, dir, "clients.pem", clients.pem)
	now := time.Now()
	good, _, _ := clients.leaf(t, x509.ExtKeyUsageClientAuth, now.Add(-time.Hour), now.Add(time.Hour))
	expired, _, _ := clients.leaf(t, x509.ExtKeyUsageClientAuth, now.Add(-48*time.Hour), now.Add(-24*time.Hour))
	wrong, _, _ := newCA(t, "someone else's CA").leaf(t, x509.ExtKeyUsageClientAuth, now.Add(-time.Hour), now.Add(time.Hour))
	certs := map[string]*tls.Certificate{"none": nil, "wrong CA": &wrong, "expired": &expired, "good": &good}

	for mode, accepted := range map[string][]string{
		"require":         {"good"},
		"verify_if_given": {"good", "none"},
	} {
		t.Run(mode, func(t *testing.T) {
			cfg := writeFile(t, t.TempDir(), "server.yaml", []byte("tls_cert: "+certFile+"\ntls_key: "+keyFile+
				"\ntls:\n  client_ca_file: "+caFile+"\n  client_auth: "+mode+"\n"))
			db := "sqlite:" + filepath.Join(t.TempDir(), "d.db")
			srv := startServerArgs(t, bin, "serve", "--config", cfg, "--listen", "127.0.0.1:0", "--db", db, "--log-level", "error")
			for name, cert := range certs {
				tc := &tls.Config{RootCAs: pool}
				if cert != nil {
					// Always sent: from Certificates, Go's client would
					// hold back one the server's CA list does not name.
					tc.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil }
				}
				c := &http.Client{Transport: &http.Transport{TLSClientConfig: tc}}
				resp, err := c.Get(srv.base + "/healthz")
				ok := err == nil && resp.StatusCode == http.StatusOK
				if err == nil {
					resp.Body.Close()
				}
				want := false
				for _, a := range accepted {
					want = want || a == name
				}
				if ok != want {
					t.Errorf("client certificate %q: accepted %v, want %v (err %v)", name, ok, want, err)
				}
			}
		})
	}
}
