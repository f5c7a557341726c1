package pkgver

// This file turns distribution package versions into the upstream version
// a lifecycle table knows ("1:8.2.2+ds-0ubuntu1.16" → "8.2.2") and
// validates version strings read from files and commands, so that junk such
// as "11.x", "" or a 19-digit number never reaches the rules as a version.
import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// ErrInvalid is returned (wrapped) for a string that is not a version.
var ErrInvalid = errors.New("not a version")

// maxLen bounds a version string: real ones are a few dozen bytes.
const maxLen = 64

// valid is an upstream version: dot-separated numbers of at most nine
// digits each (so every part fits an int), optionally followed by a short
// letter suffix and number as OpenSSH ("9.2p1") or PHP release candidates
// ("8.4.0RC1") write them.
var valid = regexp.MustCompile(`^[0-9]{1,9}(\.[0-9]{1,9}){0,5}([A-Za-z]{1,5}[0-9]{0,9})?$`)

// Valid reports whether v is an upstream version as Parse accepts it.
func Valid(v string) bool { return len(v) <= maxLen && valid.MatchString(v) }

// Check returns v when it is Valid, and an error wrapping ErrInvalid
// otherwise.
func Check(v string) (string, error) {
	if !Valid(v) {
		return "", fmt.Errorf("%w: %q", ErrInvalid, clip(v))
	}
	return v, nil
}

// FromPackage returns the upstream part of a deb or rpm package version:
// the epoch ("1:") is dropped, and the version ends at the first "-"
// (Debian revision, RPM release), "+" (repack suffixes such as +dfsg, +ds)
// or "~" (backport suffixes such as ~deb12u1); Alpine's "_p1" becomes
// "p1". The result must be Valid.
func FromPackage(pkgVersion string) (string, error) {
	v := strings.TrimSpace(pkgVersion)
	if i := strings.IndexByte(v, ':'); i > 0 && allDigits(v[:i]) {
		v = v[i+1:]
	}
	if i := strings.IndexAny(v, "-+~"); i >= 0 {
		v = v[:i]
	}
	// Alpine writes OpenSSH's portable suffix as "_p1" ("9.7_p1-r4").
	v = strings.Replace(v, "_p", "p", 1)
	if !Valid(v) {
		return "", fmt.Errorf("package version %q: %w", clip(pkgVersion), ErrInvalid)
	}
	return v, nil
}

// Branch returns the first two parts of a version ("8.3.14" → "8.3"), or
// the version itself when it has fewer.
func Branch(v string) string {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return v
	}
	minor := parts[1]
	for i, r := range minor {
		if r < '0' || r > '9' {
			minor = minor[:i]
			break
		}
	}
	return parts[0] + "." + minor
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > maxLen {
		return s[:maxLen] + "…"
	}
	return s
}
