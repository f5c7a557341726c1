package webapps

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

var (
	// ErrMalformed is returned (wrapped) when a version file holds no valid
	// version.
	ErrMalformed = errors.New("no valid version")
	// ErrNotPHP is returned (wrapped) when a file that must be PHP source
	// does not start like one (binary data, an HTML error page, junk).
	ErrNotPHP = errors.New("not a PHP file")
)

// versionRE accepts release and pre-release versions as CMSs write them:
// "6.6.2", "7.98", "5.5-beta4-48648", "4.0.6-rc3", "9.3.15-dev".
var versionRE = regexp.MustCompile(`^\d{1,3}(\.\d{1,4}){1,3}([-.+~][A-Za-z0-9]{1,20}){0,4}$`)

func validVersion(v string) error {
	if !versionRE.MatchString(v) {
		return fmt.Errorf("%w: %s is not a version", ErrMalformed, quoteShort(v))
	}
	return nil
}

// checked returns v when it is a valid version, else "" and the error.
func checked(v string) (string, error) {
	if err := validVersion(v); err != nil {
		return "", err
	}
	return v, nil
}

// isPHP reports whether b starts like PHP source: an optional byte-order
// mark and blank space, then "<?php" or "<?".
func isPHP(b []byte) bool {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	b = bytes.TrimLeft(b, " \t\r\n")
	return bytes.HasPrefix(b, []byte("<?"))
}

var (
	wpVersionRE = regexp.MustCompile(`(?m)^\$wp_version\s*=\s*'([^'\r\n]{1,64})';`)
	wpLocaleRE  = regexp.MustCompile(`(?m)^\$wp_local_package\s*=\s*'([^'\r\n]{1,32})';`)
	localeRE    = regexp.MustCompile(`^[a-z]{2,3}(_[A-Z]{2})?(_[a-z0-9]{1,12})?$`)
)

// ParseWordPress reads $wp_version and $wp_local_package from the head of
// wp-includes/version.php. Both assignments are matched at the start of a
// line only: the file's doc comments mention $wp_version too. The file is
// matched, never executed. A locale that does not look like one ("de_DE",
// "pt_PT", "de_CH_informal") is dropped.
func ParseWordPress(b []byte) (version, locale string, err error) {
	if !isPHP(b) {
		return "", "", fmt.Errorf("version.php: %w", ErrNotPHP)
	}
	m := wpVersionRE.FindSubmatch(b)
	if m == nil {
		return "", "", fmt.Errorf("%w: no $wp_version assignment", ErrMalformed)
	}
	version = string(m[1])
	if err := validVersion(version); err != nil {
		return "", "", err
	}
	if l := wpLocaleRE.FindSubmatch(b); l != nil && localeRE.Match(l[1]) {
		locale = string(l[1])
	}
	return version, locale, nil
}

var (
	joomlaXMLVersionRE = regexp.MustCompile(`<version>\s*([^<\s]{1,64})\s*</version>`)
	joomlaConstRE      = regexp.MustCompile(`(?m)^\s*(?:(?:public|final)\s+)*const\s+(MAJOR_VERSION|MINOR_VERSION|PATCH_VERSION|EXTRA_VERSION)\s*=\s*'?([A-Za-z0-9.-]{0,20})'?\s*;`)
)

// ParseJoomlaManifest reads <version> from Joomla's
// administrator/manifests/files/joomla.xml.
func ParseJoomlaManifest(b []byte) (string, error) {
	if !bytes.Contains(b, []byte("<extension")) && !bytes.Contains(b, []byte("<install")) {
		return "", fmt.Errorf("%w: not a Joomla manifest", ErrMalformed)
	}
	m := joomlaXMLVersionRE.FindSubmatch(b)
	if m == nil {
		return "", fmt.Errorf("%w: no <version> element", ErrMalformed)
	}
	v := string(m[1])
	return checked(v)
}

// ParseJoomlaVersionPHP builds the version from the MAJOR_VERSION,
// MINOR_VERSION, PATCH_VERSION and EXTRA_VERSION constants of Joomla's
// libraries/src/Version.php (3.8 and later; "public" is optional, as older
// releases omit it): "5.2.3", or "5.2.3-dev" with an extra version.
func ParseJoomlaVersionPHP(b []byte) (string, error) {
	if !isPHP(b) {
		return "", fmt.Errorf("Version.php: %w", ErrNotPHP)
	}
	c := map[string]string{}
	for _, m := range joomlaConstRE.FindAllSubmatch(b, -1) {
		if _, seen := c[string(m[1])]; !seen {
			c[string(m[1])] = string(m[2])
		}
	}
	if c["MAJOR_VERSION"] == "" || c["MINOR_VERSION"] == "" || c["PATCH_VERSION"] == "" {
		return "", fmt.Errorf("%w: version constants missing", ErrMalformed)
	}
	v := c["MAJOR_VERSION"] + "." + c["MINOR_VERSION"] + "." + c["PATCH_VERSION"]
	if x := c["EXTRA_VERSION"]; x != "" {
		v += "-" + x
	}
	return checked(v)
}

var (
	drupalConstRE  = regexp.MustCompile(`(?m)^\s*(?:(?:public|final)\s+)*const\s+VERSION\s*=\s*'([^'\r\n]{1,64})'\s*;`)
	drupalDefineRE = regexp.MustCompile(`(?m)^\s*define\s*\(\s*'VERSION'\s*,\s*'([^'\r\n]{1,64})'\s*\)\s*;`)
)

// ParseDrupal reads the version from Drupal 8+'s core/lib/Drupal.php
// (const VERSION = '10.3.1';) or Drupal 7's includes/bootstrap.inc
// (define('VERSION', '7.98');).
func ParseDrupal(b []byte) (string, error) {
	if !isPHP(b) {
		return "", fmt.Errorf("drupal: %w", ErrNotPHP)
	}
	m := drupalConstRE.FindSubmatch(b)
	if m == nil {
		m = drupalDefineRE.FindSubmatch(b)
	}
	if m == nil {
		return "", fmt.Errorf("%w: no VERSION constant", ErrMalformed)
	}
	v := string(m[1])
	return checked(v)
}

// quoteShort quotes s for a message, cut to 40 bytes.
func quoteShort(s string) string {
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return fmt.Sprintf("%q", strings.ToValidUTF8(s, "?"))
}
