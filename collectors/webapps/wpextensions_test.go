package webapps

import "testing"

func TestParseWPHeader(t *testing.T) {
	for _, c := range []struct {
		name, in      string
		wantName, ver string
		ok            bool
	}{
		{"docblock plugin", "<?php\n/*\nPlugin Name: Hello Dolly\nVersion: 1.7.2\n*/\n", "Hello Dolly", "1.7.2", true},
		{"starred lines", "<?php\n/*\n * Plugin Name: Contact Form 7\n * Version: 5.9.8\n */\n", "Contact Form 7", "5.9.8", true},
		{"case and closing marker on the line", "<?php /* plugin name: Tiny */ \n// VERSION: 2.0 */\n", "Tiny", "2.0", true},
		{"header on the php line", "<?php Plugin Name: Inline\n", "Inline", "", true},
		{"no version", "<?php\n/* Plugin Name: No Version */\n", "No Version", "", true},
		{"implausible version dropped", "<?php\n/*\nPlugin Name: X\nVersion: <script>\n*/", "X", "", true},
		{"no header", "<?php\necho 'Plugin Name is a phrase';\n", "", "", false},
		{"empty name", "<?php\n/* Plugin Name:   */", "", "", false},
		{"mid-line mention is not a header", "<?php $x = 'a Plugin Name: b';", "", "", false},
	} {
		n, v, ok := ParseWPHeader([]byte(c.in), pluginNameRE)
		if n != c.wantName || v != c.ver || ok != c.ok {
			t.Errorf("%s: got %q %q %v, want %q %q %v", c.name, n, v, ok, c.wantName, c.ver, c.ok)
		}
	}
	if n, v, ok := ParseWPHeader([]byte("/*\nTheme Name: Twenty Twenty-Four\nVersion: 1.2\n*/"), themeNameRE); n != "Twenty Twenty-Four" || v != "1.2" || !ok {
		t.Errorf("theme: %q %q %v", n, v, ok)
	}
}

func FuzzParseWPHeader(f *testing.F) {
	f.Add([]byte("<?php\n/*\nPlugin Name: Hello Dolly\nVersion: 1.7.2\n*/\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, v, ok := ParseWPHeader(b, pluginNameRE)
		if ok && (n == "" || len(n) > 128) {
			t.Fatalf("name %q", n)
		}
		if v != "" && validVersion(v) != nil {
			t.Fatalf("version %q", v)
		}
	})
}
