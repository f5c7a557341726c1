package webapps

import (
	"errors"
	"strings"
	"testing"
)

var (
	binaryInput = "\x7fELF\x02\x01\x01\x00\x00\x00\xff\xfe"
	hugeInput   = "<?php\n" + strings.Repeat("$x = 'y';\n", 200000)
)

func TestParseWordPress(t *testing.T) {
	t.Parallel()
	real := "<?php\n/**\n * The WordPress version string.\n *\n * @global string $wp_version\n */\n$wp_version = '6.3.1';\n\n$wp_db_version = 55853;\n\n$wp_local_package = 'pt_PT';\n"
	cases := []struct {
		name, in, version, locale string
		err                       error
	}{
		{"localised", real, "6.3.1", "pt_PT", nil},
		{"alpha", "<?php\n$wp_version = '4.4-alpha-34965';\n", "4.4-alpha-34965", "", nil},
		{"beta", "<?php\n$wp_version = '5.5-beta4-48648';\n", "5.5-beta4-48648", "", nil},
		{"rc", "<?php\n$wp_version = '6.7-RC1';\n", "6.7-RC1", "", nil},
		{"bom and spaces", "\xef\xbb\xbf\n<?php\n$wp_version   =   '6.6.2';\n", "6.6.2", "", nil},
		{"crlf", "<?php\r\n$wp_version = '6.6.2';\r\n$wp_local_package = 'de_CH_informal';\r\n", "6.6.2", "de_CH_informal", nil},
		{"bad locale dropped", "<?php\n$wp_version = '6.6.2';\n$wp_local_package = '<script>';\n", "6.6.2", "", nil},
		{"docblock only", "<?php\n/**\n * $wp_version = '9.9';\n */\n", "", "", ErrMalformed},
		{"double quotes", "<?php\n$wp_version = \"6.6.2\";\n", "", "", ErrMalformed},
		{"garbage version", "<?php\n$wp_version = '9999999999999999999';\n", "", "", ErrMalformed},
		{"code injection", "<?php\n$wp_version = '6.6.2' . system('id');\n", "", "", ErrMalformed},
		{"truncated", "<?php\n$wp_version = '6.6", "", "", ErrMalformed},
		{"html", "<html><body>404</body></html>", "", "", ErrNotPHP},
		{"empty", "", "", "", ErrNotPHP},
		{"binary", binaryInput, "", "", ErrNotPHP},
		{"huge without version", hugeInput, "", "", ErrMalformed},
	}
	for _, c := range cases {
		v, l, err := ParseWordPress([]byte(c.in))
		if v != c.version || l != c.locale || (c.err == nil) != (err == nil) || (c.err != nil && !errors.Is(err, c.err)) {
			t.Errorf("%s: got %q %q %v", c.name, v, l, err)
		}
	}
}

func TestParseJoomla(t *testing.T) {
	t.Parallel()
	xml := "<?xml version=\"1.0\"?>\n<extension type=\"file\" method=\"upgrade\">\n\t<name>files_joomla</name>\n\t<version>4.0.6-rc3</version>\n</extension>\n"
	if v, err := ParseJoomlaManifest([]byte(xml)); err != nil || v != "4.0.6-rc3" {
		t.Errorf("manifest: %q %v", v, err)
	}
	for _, in := range []string{"", "<version>1.0</version>", "<extension><version>x y</version>", "<extension>", binaryInput} {
		if _, err := ParseJoomlaManifest([]byte(in)); !errors.Is(err, ErrMalformed) {
			t.Errorf("manifest %q: %v", in, err)
		}
	}
	php := map[string]string{
		"<?php\nfinal class Version {\n    public const MAJOR_VERSION = 5;\n    public const MINOR_VERSION = 2;\n    public const PATCH_VERSION = 3;\n    public const EXTRA_VERSION = 'dev';\n}\n": "5.2.3-dev",
		"<?php\nfinal class Version {\n\tconst MAJOR_VERSION = 3;\n\tconst MINOR_VERSION = 10;\n\tconst PATCH_VERSION = 12;\n\tconst EXTRA_VERSION = '';\n}\n":                                      "3.10.12",
	}
	for in, want := range php {
		if v, err := ParseJoomlaVersionPHP([]byte(in)); err != nil || v != want {
			t.Errorf("Version.php: %q %v", v, err)
		}
	}
	bad := []string{"<?php\nconst MAJOR_VERSION = 5;\n", "<?php\nconst MAJOR_VERSION = 5;\nconst MINOR_VERSION = 'x.y';\nconst PATCH_VERSION = 1;\n", hugeInput}
	for _, in := range bad {
		if _, err := ParseJoomlaVersionPHP([]byte(in)); !errors.Is(err, ErrMalformed) {
			t.Errorf("Version.php %.30q: %v", in, err)
		}
	}
	if _, err := ParseJoomlaVersionPHP([]byte(binaryInput)); !errors.Is(err, ErrNotPHP) {
		t.Errorf("binary: %v", err)
	}
}

func TestParseDrupal(t *testing.T) {
	t.Parallel()
	good := map[string]string{
		"<?php\nclass Drupal {\n  /**\n   * The current system version.\n   */\n  const VERSION = '9.3.15-dev';\n":     "9.3.15-dev",
		"<?php\nfinal class Drupal {\n  public const VERSION = '11.0.5';\n":                                            "11.0.5",
		"<?php\n/**\n * The current system version.\n */\ndefine('VERSION', '7.98');\ndefine('DRUPAL_CORE', '7.x');\n": "7.98",
	}
	for in, want := range good {
		if v, err := ParseDrupal([]byte(in)); err != nil || v != want {
			t.Errorf("%q: %q %v", want, v, err)
		}
	}
	for _, in := range []string{"<?php\n", "<?php\nconst VERSION = 'ten';\n", "<?php\n// const VERSION = '1.0';\n", hugeInput} {
		if _, err := ParseDrupal([]byte(in)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%.30q: %v", in, err)
		}
	}
	for _, in := range []string{"", binaryInput, "const VERSION = '10.0.0';"} {
		if _, err := ParseDrupal([]byte(in)); !errors.Is(err, ErrNotPHP) {
			t.Errorf("%q: %v", in, err)
		}
	}
}
