// Package pkgver is demarc's one package for versions as hosts write them:
// it orders distribution package versions the way each package manager
// does (Compare: Debian's dpkg, RPM's rpmvercmp with epochs, Alpine's apk),
// through well-kept libraries instead of a hand-written comparator, and it
// reduces them to the upstream version and rejects junk (FromPackage,
// Check, Valid, Branch).
//
// The boundary: collectors use pkgver on what they read; the rules order
// product versions (cPanel 118, PHP 8.3, "15-SP5") with
// rules/lifecycle.Version, which normalises them per product scheme and
// never sees a package version.
package pkgver

import (
	"fmt"

	apk "github.com/knqyf263/go-apk-version"
	deb "github.com/knqyf263/go-deb-version"
	rpm "github.com/knqyf263/go-rpm-version"
)

// Format names a package version syntax.
type Format string

// The package version formats pkgver orders.
const (
	Deb Format = "deb"
	RPM Format = "rpm"
	APK Format = "apk"
)

// Compare returns -1, 0 or +1 as version a sorts before, equal to or after
// version b in format f. Versions that the format cannot parse give an error.
func Compare(f Format, a, b string) (int, error) {
	switch f {
	case Deb:
		va, err := deb.NewVersion(a)
		if err != nil {
			return 0, fmt.Errorf("deb version %q: %w", a, err)
		}
		vb, err := deb.NewVersion(b)
		if err != nil {
			return 0, fmt.Errorf("deb version %q: %w", b, err)
		}
		return sign(va.Compare(vb)), nil
	case RPM:
		if a == "" || b == "" {
			return 0, fmt.Errorf("rpm version: empty")
		}
		return sign(rpm.NewVersion(a).Compare(rpm.NewVersion(b))), nil
	case APK:
		va, err := apk.NewVersion(a)
		if err != nil {
			return 0, fmt.Errorf("apk version %q: %w", a, err)
		}
		vb, err := apk.NewVersion(b)
		if err != nil {
			return 0, fmt.Errorf("apk version %q: %w", b, err)
		}
		return sign(va.Compare(vb)), nil
	}
	return 0, fmt.Errorf("unknown package version format %q", f)
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}
