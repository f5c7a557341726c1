package report_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/demarc/demarc/report"
)

func TestPrescan(t *testing.T) {
	t.Parallel()
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	tests := []struct {
		name    string
		in      string
		want    error
		objects int
		unknown int
		depth   int
	}{
		{name: "empty object", in: `{}`, objects: 1, depth: 1},
		{name: "known fields", in: `{"schema":"x","findings":[{"id":"a","evidence":["{{{"]}]}`, objects: 2, depth: 4},
		{name: "names ignore case like encoding/json", in: `{"Schema":"x","HOST":{"HostName":"h"}}`, objects: 2, depth: 2},
		{name: "escaped known name", in: `{"sch\u0065ma":"x"}`, objects: 1, depth: 1},
		{name: "unknown member counted with its name", in: `{"future":[1,2],"schema":"x"}`, objects: 1, unknown: len(`"future":[1,2]`), depth: 2},
		{name: "unknown member inside a finding", in: `{"findings":[{"id":"a","x":{"y":{}}}]}`, objects: 4, unknown: len(`"x":{"y":{}}`), depth: 5},
		{name: "map keys are all known", in: `{"components":[{"details":{"anything":"v"}}]}`, objects: 3, depth: 4},
		{name: "braces in strings are not objects", in: `{"notes":[{"message":"{[{[{["}]}`, objects: 2, depth: 3},
		{name: "64 levels", in: `{"a":` + deep(63) + `}`, objects: 1, depth: 64, unknown: len(`"a":`) + 126},
		{name: "65 levels", in: `{"a":` + deep(64) + `}`, want: report.ErrTooDeep},
		// The attack that killed demarc-server: {"a": and millions of '['.
		{name: "deep nesting, unbalanced", in: `{"a":` + strings.Repeat("[", 2_000_000), want: report.ErrTooDeep},
		{name: "deep nesting, balanced", in: `{"a":` + deep(1_000_000) + `}`, want: report.ErrTooDeep},
		{name: "deep nesting of objects", in: strings.Repeat(`{"a":`, 100_000), want: report.ErrTooDeep},
		{name: "truncated", in: `{"schema":"x"`, want: report.ErrSyntax},
		{name: "unterminated string", in: `{"schema":"x`, want: report.ErrSyntax},
		{name: "trailing data", in: `{} {}`, want: report.ErrSyntax},
		{name: "missing colon", in: `{"a" 1}`, want: report.ErrSyntax},
		{name: "wrong closer", in: `{"a":[1}`, want: report.ErrSyntax},
		{name: "bare name", in: `{a:1}`, want: report.ErrSyntax},
		{name: "control character in a string", in: "{\"a\":\"\x01\"}", want: report.ErrSyntax},
		{name: "empty", in: ``, want: report.ErrSyntax},
		{name: "lone comma", in: `[,]`, want: report.ErrSyntax},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sh, err := report.Prescan([]byte(tc.in))
			if tc.want != nil {
				if !errors.Is(err, tc.want) {
					t.Fatalf("err %v, want %v", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if sh.Objects != tc.objects || sh.UnknownBytes != tc.unknown || sh.Depth != tc.depth {
				t.Errorf("shape %+v, want objects %d, unknown %d, depth %d", sh, tc.objects, tc.unknown, tc.depth)
			}
		})
	}
}

// FuzzPrescan: Prescan never panics; it accepts every JSON text that
// encoding/json accepts and that nests at most MaxNesting deep, and it
// counts objects and arrays as a real decode finds them.
func FuzzPrescan(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":[1,{"b":null}]}`, `{"findings":[{"x":1}]}`, `[[[[`, `{"a":"\"}"}`,
		`{"a":` + strings.Repeat("[", 100), strings.Repeat("[", 65) + strings.Repeat("]", 65), `{"Schema":1e5,"host":{}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		sh, err := report.Prescan(b)
		if !json.Valid(b) {
			return
		}
		objs, arrs, depth := tokens(t, b)
		if depth > report.MaxNesting {
			if !errors.Is(err, report.ErrTooDeep) {
				t.Fatalf("depth %d accepted: %v", depth, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("valid JSON refused: %v", err)
		}
		if sh.Objects != objs || sh.Arrays != arrs || sh.Depth != depth {
			t.Fatalf("shape %+v, decode found %d objects, %d arrays, depth %d", sh, objs, arrs, depth)
		}
	})
}

// tokens counts objects and arrays and the deepest nesting with
// encoding/json's tokenizer (duplicate names count, as in Prescan).
func tokens(t *testing.T, b []byte) (objs, arrs, depth int) {
	dec := json.NewDecoder(bytes.NewReader(b))
	d := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return objs, arrs, depth
		}
		if err != nil {
			t.Fatalf("json.Valid text fails to tokenize: %v", err)
		}
		switch tok {
		case json.Delim('{'):
			objs, d = objs+1, d+1
		case json.Delim('['):
			arrs, d = arrs+1, d+1
		case json.Delim('}'), json.Delim(']'):
			d--
		}
		depth = max(depth, d)
	}
}
