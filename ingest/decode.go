package ingest

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	// A drop-in encoding/json decoder about 2.5 times faster on reports;
	// decoding is the largest CPU cost of ingestion after storage.
	"github.com/segmentio/encoding/json"

	"github.com/demarc/demarc/report"
)

// Decoding errors; test with errors.Is. The HTTP layer maps each to a
// status (see errorStatus).
var (
	// ErrTooLarge: the body, compressed or decompressed, is over a limit.
	ErrTooLarge = errors.New("report too large")
	// ErrEncoding: a broken gzip stream.
	ErrEncoding = errors.New("bad gzip body")
	// ErrUnsupportedEncoding: a Content-Encoding other than gzip or none.
	ErrUnsupportedEncoding = errors.New("unsupported content encoding")
	// ErrMalformed: not a single JSON object of the report's shape.
	ErrMalformed = errors.New("malformed report")
	// ErrInvalid: well-formed JSON that breaks the schema's rules (it is
	// report.ErrInvalid, wrapped by every *report.ValidationError).
	ErrInvalid = report.ErrInvalid
)

// ValidationError says which field breaks which rule of schema v1.
type ValidationError = report.ValidationError

// Validate checks a decoded report against schema v1 with the server's
// clock (report.Validate).
func Validate(r *report.Report) error { return report.Validate(r) }

// Limits bound what the decoder accepts.
type Limits struct {
	// MaxBodyBytes caps the request body as sent (compressed or not).
	MaxBodyBytes int64
	// MaxJSONBytes caps the decompressed JSON (gzip bombs stop here).
	MaxJSONBytes int64
	// MaxObjects caps the JSON objects and arrays in a report, checked
	// before decoding so that a million empty findings cannot exhaust
	// memory.
	MaxObjects int
}

// DefaultLimits fit a report with thousands of pending packages with room
// to spare (a real report with 40 findings is about 30 KB of JSON).
var DefaultLimits = Limits{MaxBodyBytes: 2 << 20, MaxJSONBytes: 8 << 20, MaxObjects: 60000}

// Decoded is a decoded, validated report with the forms the store keeps.
type Decoded struct {
	Report *report.Report
	// JSON is the decompressed body.
	JSON []byte
	// Gzip is the body gzip-compressed: as received when it was, otherwise
	// compressed here.
	Gzip []byte
	// SHA256 is the hash of JSON.
	SHA256 [32]byte
}

// DecodeReport reads a report body sent with the given Content-Encoding
// ("", "identity" or "gzip"), enforcing lim, and validates it. It never
// reads more than lim.MaxBodyBytes+1 bytes from body.
func DecodeReport(body io.Reader, contentEncoding string, lim Limits) (*Decoded, error) {
	raw, err := ReadBody(body, lim)
	if err != nil {
		return nil, err
	}
	return DecodeBody(raw, contentEncoding, lim)
}

// ReadBody reads a report body as sent, at most lim.MaxBodyBytes (more is
// ErrTooLarge). The server reads it whole, under a deadline, before the
// report takes a slot of the decode and commit pipeline.
func ReadBody(body io.Reader, lim Limits) ([]byte, error) {
	return readCapped(body, lim.MaxBodyBytes, 32<<10)
}

// DecodeBody is DecodeReport of a body already read with ReadBody.
func DecodeBody(raw []byte, contentEncoding string, lim Limits) (*Decoded, error) {
	raw, js, gzipped, err := unpack(raw, contentEncoding, lim)
	if err != nil {
		return nil, err
	}
	d := &Decoded{JSON: js}
	if gzipped {
		d.Gzip = raw
	}
	if d.Report, err = decodeJSON(d.JSON, lim); err != nil {
		return nil, err
	}
	if err := Validate(d.Report); err != nil {
		return nil, err
	}
	d.SHA256 = sha256.Sum256(d.JSON)
	if d.Gzip == nil {
		if d.Gzip, err = compress(d.JSON); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// DecodeBaseline does only what any ingestion must do: read the body,
// gunzip it and decode the JSON (no validation, hashing or storage). The
// benchmark's baseline handler uses it.
func DecodeBaseline(body io.Reader, contentEncoding string, lim Limits) (*report.Report, error) {
	raw, err := ReadBody(body, lim)
	if err != nil {
		return nil, err
	}
	_, js, _, err := unpack(raw, contentEncoding, lim)
	if err != nil {
		return nil, err
	}
	return decodeJSON(js, lim)
}

// unpack returns the body as sent (raw) and its JSON, decompressed when
// the encoding is gzip (gzipped), within the limits.
func unpack(raw []byte, contentEncoding string, lim Limits) (_, js []byte, gzipped bool, err error) {
	if int64(len(raw)) > lim.MaxBodyBytes {
		return nil, nil, false, fmt.Errorf("%w: over %d bytes", ErrTooLarge, lim.MaxBodyBytes)
	}
	switch strings.ToLower(strings.TrimSpace(contentEncoding)) {
	case "", "identity":
		js = raw
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, nil, false, fmt.Errorf("%w: gzip: %v", ErrEncoding, err)
		}
		gzipped = true
		if js, err = readCapped(zr, lim.MaxJSONBytes, 10*len(raw)); err != nil {
			if errors.Is(err, ErrTooLarge) {
				return nil, nil, false, err
			}
			return nil, nil, false, fmt.Errorf("%w: gzip: %v", ErrEncoding, err)
		}
	default:
		return nil, nil, false, fmt.Errorf("%w: %q (want gzip or none)", ErrUnsupportedEncoding, clip(contentEncoding))
	}
	if int64(len(js)) > lim.MaxJSONBytes {
		return nil, nil, false, fmt.Errorf("%w: JSON over %d bytes", ErrTooLarge, lim.MaxJSONBytes)
	}
	return raw, js, gzipped, nil
}

// decodeJSON parses one JSON object into a report. Unknown fields are
// ignored (schema policy: readers ignore what they do not know).
func decodeJSON(b []byte, lim Limits) (*report.Report, error) {
	if !utf8.Valid(b) {
		return nil, fmt.Errorf("%w: body is not UTF-8", ErrMalformed)
	}
	t := bytes.TrimLeft(b, " \t\r\n")
	if len(t) == 0 || t[0] != '{' {
		return nil, fmt.Errorf("%w: body is not a JSON object", ErrMalformed)
	}
	// The pre-scan bounds nesting before the recursive decoder runs: a
	// body of a million '[' would overflow its stack, a fatal error that
	// recover cannot catch.
	shape, err := report.Prescan(b)
	switch {
	case errors.Is(err, report.ErrTooDeep):
		return nil, fmt.Errorf("%w: objects and arrays nest deeper than %d levels", ErrMalformed, report.MaxNesting)
	case err != nil:
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	case lim.MaxObjects > 0 && shape.Objects+shape.Arrays > lim.MaxObjects:
		return nil, fmt.Errorf("%w: more than %d JSON objects and arrays", ErrTooLarge, lim.MaxObjects)
	case shape.UnknownBytes > report.MaxUnknownBytes:
		return nil, fmt.Errorf("%w: %d bytes of fields that schema v1 does not define (at most %d)", ErrTooLarge, shape.UnknownBytes, report.MaxUnknownBytes)
	}
	return unmarshal(b)
}

// unmarshal decodes b; a panic inside the decoder (none is known) is a
// malformed report, not a crashed request.
func unmarshal(b []byte) (r *report.Report, err error) {
	defer func() {
		if p := recover(); p != nil {
			r, err = nil, fmt.Errorf("%w: cannot decode", ErrMalformed)
		}
	}()
	r = &report.Report{}
	if err := json.Unmarshal(b, r); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, jsonProblem(err))
	}
	return r, nil
}

// jsonProblem describes a JSON error without echoing the input back.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %q: wrong type (%s)", clip(te.Field), te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	}
	return "cannot decode"
}

// readCapped reads r to the end, failing with ErrTooLarge past max bytes;
// hint sizes the first buffer.
func readCapped(r io.Reader, max int64, hint int) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(int(min(int64(hint), max+1)))
	if _, err := buf.ReadFrom(io.LimitReader(r, max+1)); err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	b := buf.Bytes()
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%w: over %d bytes", ErrTooLarge, max)
	}
	return b, nil
}

func compress(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	if _, err := zw.Write(b); err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	return buf.Bytes(), nil
}

// clip shortens a client-supplied value before it goes into a message.
func clip(s string) string {
	const n = 64
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
