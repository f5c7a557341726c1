package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/rules/lifecycle"
)

// lifecycleReload is how long the server trusts the lifecycle data it
// loaded before asking the store again: an import reaches every replica
// within it.
const lifecycleReload = 5 * time.Second

// lifecycleCache is the server's current lifecycle data: the newest
// imported version, else the embedded dataset. The zero value is ready.
type lifecycleCache struct {
	mu      sync.Mutex
	cur     *lifecycleData
	checked time.Time
}

// lifecycleData is one dataset as served: parsed, its JSON (plain and
// gzip) and its ETag, the hex SHA-256 of the JSON.
type lifecycleData struct {
	version int64 // 0: the embedded data
	data    *lifecycle.Dataset
	json    []byte
	gzip    []byte
	etag    string
}

// currentLifecycle returns the lifecycle data the server judges with and
// serves, and its ETag: the newest imported version, reloaded from the
// store at most every lifecycleReload, or the embedded data when none was
// imported. When the store cannot be read, the data loaded last stays in
// use (an error only before any was loaded); a stored version that does
// not load is an error, never silently replaced by other data.
func (s *Server) currentLifecycle(ctx context.Context) (*lifecycle.Dataset, string, error) {
	d, err := s.lifecycleNow(ctx)
	if err != nil {
		return nil, "", err
	}
	return d.data, d.etag, nil
}

func (s *Server) lifecycleNow(ctx context.Context) (*lifecycleData, error) {
	c := &s.lc
	c.mu.Lock()
	defer c.mu.Unlock()
	now := s.cfg.Now()
	if c.cur != nil && now.Sub(c.checked) < lifecycleReload && !now.Before(c.checked) {
		return c.cur, nil
	}
	v, err := s.store.CurrentLifecycle(ctx)
	switch {
	case errors.Is(err, store.ErrNotFound):
		if c.cur == nil || c.cur.version != 0 {
			if c.cur, err = embeddedLifecycle(); err != nil {
				return nil, err
			}
		}
	case err != nil && c.cur != nil:
		s.log.Warn().Err(err).Int64("version", c.cur.version).Msg("cannot read the lifecycle data from the store: serving the version loaded last")
	case err != nil:
		return nil, fmt.Errorf("lifecycle data: %w", err)
	case c.cur == nil || c.cur.version != v.Version || c.cur.etag != v.SHA256:
		d, err := storedLifecycle(v)
		if err != nil {
			return nil, err
		}
		c.cur = d
	}
	c.checked = now
	return c.cur, nil
}

func embeddedLifecycle() (*lifecycleData, error) {
	d, err := lifecycle.Default()
	if err != nil {
		return nil, err
	}
	b := lifecycle.Embedded()
	z, err := gzipBytes(b)
	if err != nil {
		return nil, err
	}
	return &lifecycleData{data: d, json: b, gzip: z, etag: sha256Hex(b)}, nil
}

// storedLifecycle decodes and checks a stored version: its body must hash
// to its recorded SHA-256 and parse.
func storedLifecycle(v store.LifecycleVersion) (*lifecycleData, error) {
	zr, err := gzip.NewReader(bytes.NewReader(v.Gzip))
	if err != nil {
		return nil, fmt.Errorf("lifecycle version %d: %w", v.Version, err)
	}
	b, err := io.ReadAll(io.LimitReader(zr, lifecycle.MaxDatasetBytes+1))
	if err != nil {
		return nil, fmt.Errorf("lifecycle version %d: %w", v.Version, err)
	}
	if len(b) > lifecycle.MaxDatasetBytes {
		return nil, fmt.Errorf("lifecycle version %d: over %d bytes", v.Version, lifecycle.MaxDatasetBytes)
	}
	if sha256Hex(b) != v.SHA256 {
		return nil, fmt.Errorf("lifecycle version %d: the body does not match its sha256", v.Version)
	}
	d, err := lifecycle.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("lifecycle version %d: %w", v.Version, err)
	}
	return &lifecycleData{version: v.Version, data: d, json: b, gzip: v.Gzip, etag: v.SHA256}, nil
}

// getLifecycle is GET /api/v1/lifecycle: the current lifecycle dataset's
// JSON (gzip when the client takes it), with a strong ETag; If-None-Match
// naming it is 304.
func (s *Server) getLifecycle(w http.ResponseWriter, r *http.Request) {
	d, err := s.lifecycleNow(r.Context())
	if err != nil {
		s.logFor(r).Error().Err(err).Msg("lifecycle data unavailable")
		writeError(w, r, http.StatusServiceUnavailable, "store", "lifecycle data unavailable")
		return
	}
	h := w.Header()
	h.Set("ETag", `"`+d.etag+`"`)
	h.Set("Cache-Control", "no-cache")
	h.Set("Vary", "Accept-Encoding")
	h.Set("X-Demarc-Lifecycle-Date", d.data.SnapshotDate.String())
	if etagMatch(r.Header.Get("If-None-Match"), d.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := d.json
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		body = d.gzip
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body) // the client went away: nothing to do
}

// etagMatch is If-None-Match's weak comparison against the entity tag
// etag: "*", or any listed tag with the same opaque value.
func etagMatch(header, etag string) bool {
	for tag := range strings.SplitSeq(header, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == `"`+etag+`"` {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether Accept-Encoding takes gzip (not with q=0).
func acceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		q, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q=")
		if !ok {
			return true
		}
		f, err := strconv.ParseFloat(q, 64)
		return err == nil && f > 0
	}
	return false
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func gzipBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// NewLifecycleVersion encodes d as a stored version: its JSON, gzip
// compressed, with the JSON's SHA-256 (the ETag it is served with) and
// its snapshot date.
func NewLifecycleVersion(d *lifecycle.Dataset, version int64, by string, at time.Time) (store.LifecycleVersion, error) {
	b, err := d.Encode()
	if err != nil {
		return store.LifecycleVersion{}, err
	}
	if len(b) > lifecycle.MaxDatasetBytes {
		return store.LifecycleVersion{}, fmt.Errorf("lifecycle data: %d bytes, over the limit of %d", len(b), lifecycle.MaxDatasetBytes)
	}
	z, err := gzipBytes(b)
	if err != nil {
		return store.LifecycleVersion{}, fmt.Errorf("lifecycle data: gzip: %w", err)
	}
	return store.LifecycleVersion{Version: version, ImportedAt: at.UTC(), ImportedBy: by, DataDate: d.SnapshotDate.String(),
		SHA256: sha256Hex(b), Gzip: z}, nil
}
