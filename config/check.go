package config

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"
)

// MaxTokenSize caps the token file: a bearer token is one short line.
const MaxTokenSize = 4096

var (
	// ErrEmptyToken means the token file holds no token.
	ErrEmptyToken = errors.New("token file is empty")
	// ErrBadToken means the token file holds more than one line or
	// characters a bearer token cannot have.
	ErrBadToken = errors.New("token file must hold the token alone on one line")
	// ErrNoCertificate means a CA file holds no PEM certificate.
	ErrNoCertificate = errors.New("no PEM certificate found")
	// ErrSecretExposed means a credential file (the token, the client key)
	// is readable or writable by every local user: the credential must be
	// taken as leaked (or swapped), and the agent refuses to use it.
	ErrSecretExposed = errors.New("readable or writable by every local user")
	// ErrNoOutput means the agent has neither report.url nor textfile_dir.
	ErrNoOutput = errors.New("the agent needs report.url (to deliver reports), textfile_dir (for Prometheus) or both")
)

// CheckAgent checks what only the agent needs, against the file system: it
// has somewhere to send results; the token file exists and holds a token;
// the CA file holds a certificate; the client certificate and key load.
// The token and client key files must not be readable or writable by
// every local user (an error, ErrSecretExposed), and are warned about when
// a group other than the agent's may read or change them or a user other
// than the agent's or root owns them (see checkSecret). Warnings are
// problems the agent can run with; the error is the first one it cannot.
// `demarc scan` never calls it.
func (c *Config) CheckAgent() (warnings []*Error, err error) {
	problem := func(key, msg string, err error) *Error {
		return &Error{File: c.src.name, Line: c.line(key), Key: key, Msg: msg, Err: err}
	}
	if c.Report.URL == "" && c.TextfileDir == "" {
		return nil, problem("report.url", "", ErrNoOutput)
	}
	id := agentIdentity(c.Spool.Dir)
	if c.Report.URL != "" {
		// The token file, when set, is what the agent enrolls with if the
		// enroll secret file holds nothing (deprecated), and what it posts
		// with to a server too old to enroll: it must be usable.
		files := [][3]string{{"report.token_file", c.Report.TokenFile, "token"}}
		if _, err := os.Lstat(c.Report.EnrollSecretFile); err == nil || c.has("report.enroll_secret_file") {
			// Missing is fine when the host is enrolled; the agent and
			// `demarc config check` say when it needs one.
			files = append(files, [3]string{"report.enroll_secret_file", c.Report.EnrollSecretFile, "enroll secret"})
		}
		for _, f := range files {
			if f[1] == "" {
				continue
			}
			if _, err := ReadToken(f[1]); err != nil {
				if f[0] == "report.enroll_secret_file" && errors.Is(err, fs.ErrNotExist) {
					continue
				}
				return nil, problem(f[0], "", err)
			}
			ws, err := checkSecret(f[1], f[2], id)
			if err != nil {
				return nil, problem(f[0], err.Error(), ErrSecretExposed)
			}
			for _, w := range ws {
				warnings = append(warnings, problem(f[0], w, nil))
			}
		}
	}
	if c.Report.CAFile != "" {
		if _, err := LoadCAFile(c.Report.CAFile); err != nil {
			return nil, problem("report.ca_file", "", err)
		}
	}
	if c.Report.ClientCert != "" {
		if _, err := tls.LoadX509KeyPair(c.Report.ClientCert, c.Report.ClientKey); err != nil {
			return nil, problem("report.client_cert", "", fmt.Errorf("load client certificate and key: %w", err))
		}
		ws, err := checkSecret(c.Report.ClientKey, "client key", id)
		if err != nil {
			return nil, problem("report.client_key", err.Error(), ErrSecretExposed)
		}
		for _, w := range ws {
			warnings = append(warnings, problem("report.client_key", w, nil))
		}
	}
	if c.TextfileDir != "" {
		if fi, err := os.Stat(c.TextfileDir); err != nil || !fi.IsDir() {
			warnings = append(warnings, problem("textfile_dir",
				"is not a directory (yet): metrics are not written until it exists", err))
		}
	}
	if s, err := ParseSchedule(c.Schedule); err == nil {
		t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		if t1 := s.Next(t0); s.Next(t1).Sub(t1) < time.Minute {
			warnings = append(warnings, problem("schedule", "runs a scan more often than once a minute", nil))
		}
	}
	return warnings, nil
}

// ReadToken reads a bearer token file: one line, at most MaxTokenSize
// bytes, surrounding white space ignored.
func ReadToken(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxTokenSize+1))
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	if len(b) > MaxTokenSize {
		return "", fmt.Errorf("%s: %w", path, ErrBadToken)
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "", fmt.Errorf("%s: %w", path, ErrEmptyToken)
	}
	for _, ch := range b {
		if ch <= ' ' || ch >= 0x7f {
			return "", fmt.Errorf("%s: %w", path, ErrBadToken)
		}
	}
	return string(b), nil
}

// ReadSecret reads a credential file as ReadToken does, and refuses one
// that every local user may read or change (ErrSecretExposed): whoever
// read it holds the credential. The agent calls it before each use, so a
// file made world-readable after the start is refused too.
func ReadSecret(path string) (string, error) {
	s, err := ReadToken(path)
	if err != nil {
		return "", err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if perm := fi.Mode().Perm(); perm&0o006 != 0 {
		return "", fmt.Errorf("%s is mode %04o: %w; chmod 0600 %s and take the secret as leaked (revoke it, issue a new one)",
			path, perm, ErrSecretExposed, path)
	}
	return s, nil
}

// LoadCAFile reads PEM certificates from path into a pool.
func LoadCAFile(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("%s: %w", path, ErrNoCertificate)
	}
	return pool, nil
}
