package controlpanel

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
)

var (
	cyberVersionRE = regexp.MustCompile(`(?m)^VERSION\s*=\s*['"](\d{1,2}\.\d{1,3})['"]\s*$`)
	cyberBuildRE   = regexp.MustCompile(`(?m)^BUILD\s*=\s*(\d{1,4})\s*$`)
)

// ParseCyberPanelViews finds the module-level constants VERSION = '2.4'
// and BUILD = 4 in CyberPanel's baseTemplate/views.py and returns the
// version "2.4.4" and the build "4". Without BUILD the version is VERSION
// alone. The file is Python source: it is matched, never executed.
func ParseCyberPanelViews(b []byte) (version, build string, err error) {
	m := cyberVersionRE.FindSubmatch(b)
	if m == nil {
		return "", "", fmt.Errorf("%w: no VERSION constant", ErrMalformed)
	}
	version = string(m[1])
	if mb := cyberBuildRE.FindSubmatch(b); mb != nil {
		build = string(mb[1])
		version += "." + build
	}
	return version, build, nil
}

var (
	ispcLineRE    = regexp.MustCompile(`^\s*define\s*\(\s*['"]ISPC_APP_VERSION['"]\s*,\s*['"]([^'"]{1,32})['"]\s*\)\s*;`)
	ispcVersionRE = regexp.MustCompile(`^\d{1,2}\.\d{1,3}(\.\d{1,3})?(p\d{1,3}|dev|b\d{1,3}|rc\d{1,3})?$`)
)

// ParseISPConfigVersion returns the value of the ISPC_APP_VERSION
// constant ("3.2.11p1") from ISPConfig's config.inc.php. The file holds
// database credentials: nothing else is kept, and errors never quote it.
func ParseISPConfigVersion(b []byte) (string, error) {
	v, ok := matchLine(b, ispcLineRE)
	if !ok {
		return "", fmt.Errorf("%w: no ISPC_APP_VERSION definition", ErrMalformed)
	}
	if !ispcVersionRE.MatchString(v) {
		return "", fmt.Errorf("%w: ISPC_APP_VERSION is not a version", ErrMalformed)
	}
	return v, nil
}

var (
	iworxLineRE    = regexp.MustCompile(`^\s*rpm\.release\s*=\s*"([^"]{1,64})"`)
	iworxVersionRE = regexp.MustCompile(`^[0-9][0-9A-Za-z._+~-]{0,63}$`)
)

// ParseInterWorxRelease returns rpm.release="..." from InterWorx's
// iworx.ini. The file holds database passwords: nothing else is kept, and
// errors never quote it.
func ParseInterWorxRelease(b []byte) (string, error) {
	v, ok := matchLine(b, iworxLineRE)
	if !ok {
		return "", fmt.Errorf("%w: no rpm.release line", ErrMalformed)
	}
	if !iworxVersionRE.MatchString(v) {
		return "", fmt.Errorf("%w: rpm.release is not a version", ErrMalformed)
	}
	return v, nil
}

// matchLine returns the first submatch of re on the first line it matches.
// Lines are examined one at a time and never kept; the scan stops at a
// line longer than 64 KiB, which no configuration file has.
func matchLine(b []byte, re *regexp.Regexp) (string, bool) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for sc.Scan() {
		if m := re.FindSubmatch(sc.Bytes()); m != nil {
			return string(m[1]), true
		}
	}
	return "", false
}
