package ingest

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/internal/reportgen"
)

func sample(t testing.TB) []byte {
	t.Helper()
	r := reportgen.NewHost(1, 1, "acme", 40, -1).Next(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC))
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gzipped(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func TestDecodeReport(t *testing.T) {
	ok := sample(t)
	withUnknown := bytes.Replace(ok, []byte(`{"schema":`), []byte(`{"future_field":{"x":[1,2]},"schema":`), 1)
	tests := []struct {
		name string
		body []byte
		enc  string
		want error // nil: accepted
	}{
		{"plain", ok, "", nil},
		{"identity", ok, "identity", nil},
		{"gzip", gzipped(t, ok), "gzip", nil},
		{"x-gzip", gzipped(t, ok), "X-GZIP", nil},
		{"unknown fields ignored", withUnknown, "", nil},
		{"empty", nil, "", ErrMalformed},
		{"whitespace", []byte("  \n"), "", ErrMalformed},
		{"truncated", ok[:len(ok)-10], "", ErrMalformed},
		{"binary", []byte{0x00, 0xff, 0x10}, "", ErrMalformed},
		{"number", []byte("42"), "", ErrMalformed},
		{"deflate", ok, "deflate", ErrUnsupportedEncoding},
		{"not gzip", ok, "gzip", ErrEncoding},
		{"gzip truncated", gzipped(t, ok)[:100], "gzip", ErrEncoding},
		{"gzip bomb", gzipped(t, bytes.Repeat([]byte{' '}, 20<<20)), "gzip", ErrTooLarge},
		{"too large", bytes.Repeat([]byte{' '}, 3<<20), "", ErrTooLarge},
		{"many objects", []byte(`{"findings":[` + strings.Repeat(`{},`, 70000) + `{}]}`), "", ErrTooLarge},
		{"many arrays", []byte(`{"x":[` + strings.Repeat(`[],`, 70000) + `[]]}`), "", ErrTooLarge},
		{"deep nesting", []byte(`{"a":` + strings.Repeat("[", 1<<20)), "", ErrMalformed},
		{"deep nesting, gzip", gzipped(t, []byte(`{"a":`+strings.Repeat("[", 1<<20))), "gzip", ErrMalformed},
		{"65 levels in a valid report", bytes.Replace(ok, []byte(`{"schema":`), []byte(`{"d":`+strings.Repeat("[", 64)+strings.Repeat("]", 64)+`,"schema":`), 1), "", ErrMalformed},
		{"unknown fields over the bound", bytes.Replace(ok, []byte(`{"schema":`), []byte(`{"pad":"`+strings.Repeat("x", 300<<10)+`","schema":`), 1), "", ErrTooLarge},
		{"unknown fields within the bound", bytes.Replace(ok, []byte(`{"schema":`), []byte(`{"pad":"`+strings.Repeat("x", 200<<10)+`","schema":`), 1), "", nil},
		{"invalid", []byte(`{"schema":"demarc.report/v1"}`), "", ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := DecodeReport(bytes.NewReader(tc.body), tc.enc, DefaultLimits)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("err %v", err)
				}
				if d.SHA256 != sha256.Sum256(d.JSON) {
					t.Error("hash is not of the JSON")
				}
				zr, err := gzip.NewReader(bytes.NewReader(d.Gzip))
				if err != nil {
					t.Fatal(err)
				}
				back, _ := io.ReadAll(zr)
				if !bytes.Equal(back, d.JSON) {
					t.Error("Gzip does not hold the JSON")
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
		})
	}
}

// FuzzDecodeReport feeds arbitrary bodies, plain and as gzip, to the
// ingest decoder: it must never panic, and whatever it accepts must be a
// valid report whose hash and compressed form match its JSON.
func FuzzDecodeReport(f *testing.F) {
	ok := sample(f)
	f.Add(ok, false)
	f.Add(gzipped(f, ok), true)
	f.Add([]byte(`{"schema":"demarc.report/v1","report_id":"x"}`), false)
	f.Add([]byte(`{"findings":[{},{}],"duration_ms":1e99}`), false)
	f.Add([]byte("\x1f\x8b\x08\x00"), true)
	// Deep nesting: `{"a":` and a run of '[' once overflowed the decoder's
	// stack and killed the server.
	f.Add([]byte(`{"a":`+strings.Repeat("[", 100_000)), false)
	f.Add(gzipped(f, []byte(`{"a":`+strings.Repeat("[", 100_000))), true)
	f.Add(bytes.Replace(ok, []byte(`{"schema":`), []byte(`{"d":`+strings.Repeat("[", 65)+strings.Repeat("]", 65)+`,"schema":`), 1), false)
	f.Add([]byte(strings.Repeat(`{"a":`, 10_000)), false)
	lim := Limits{MaxBodyBytes: 1 << 20, MaxJSONBytes: 1 << 20, MaxObjects: 5000}
	f.Fuzz(func(t *testing.T, body []byte, gz bool) {
		enc := ""
		if gz {
			enc = "gzip"
		}
		d, err := DecodeReport(bytes.NewReader(body), enc, lim)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrEncoding) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		if err := Validate(d.Report); err != nil {
			t.Fatalf("accepted an invalid report: %v", err)
		}
		if d.SHA256 != sha256.Sum256(d.JSON) {
			t.Fatal("hash mismatch")
		}
	})
}
