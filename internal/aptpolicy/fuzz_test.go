package aptpolicy

import (
	"bytes"
	"testing"
)

// FuzzParsers feeds arbitrary bytes to every parser of apt's files: none
// may panic, and an error is always wrapped with a sentinel.
func FuzzParsers(f *testing.F) {
	f.Add([]byte("Package: curl\nVersion: 1.0\nArchitecture: amd64\n\nPackage: x\n"))
	f.Add([]byte("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nOrigin: Debian\nSuite: stable\n-----BEGIN PGP SIGNATURE-----\n"))
	f.Add([]byte("Package: *\nPin: release a=stable,n=bookworm\nPin-Priority: 900\n"))
	f.Add([]byte("deb [arch=amd64 signed-by=/x] http://deb.debian.org/debian bookworm main\n"))
	f.Add([]byte("Types: deb\nURIs: http://x/\nSuites: a\nComponents: main\n"))
	f.Add([]byte("APT { Default-Release \"x\"; }; /* c */ # x\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r := newStanzaReader(bytes.NewReader(b), true, "Package", "Version")
		for r.next(func(string) bool { return len(b)%2 == 0 }) {
		}
		_, _ = parseRelease(b)
		_, _ = parsePreferences(b, "fuzz")
		_, _ = parseSourcesList(b, "fuzz")
		_, _ = parseDeb822Sources(b, "fuzz")
		_ = policyKey(string(b))
		_ = fnmatchFold(string(b), "libc6")
		_ = uriToFileName(string(b))
	})
}
