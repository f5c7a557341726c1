package webapps

import (
	"errors"
	"testing"
)

// Each fuzz target checks that its parser never panics, fails only with
// ErrMalformed or ErrNotPHP, and returns only valid versions.

func checkFuzz(t *testing.T, v string, err error) {
	t.Helper()
	if err != nil {
		if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrNotPHP) {
			t.Fatalf("unexpected error class: %v", err)
		}
		if v != "" {
			t.Fatalf("version %q with error %v", v, err)
		}
		return
	}
	if validVersion(v) != nil {
		t.Fatalf("invalid version %q accepted", v)
	}
}

func FuzzParseWordPress(f *testing.F) {
	for _, s := range []string{"<?php\n$wp_version = '6.6.2';\n$wp_local_package = 'de_DE';\n", "<html>", binaryInput} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, l, err := ParseWordPress(b)
		checkFuzz(t, v, err)
		if l != "" && !localeRE.MatchString(l) {
			t.Fatalf("invalid locale %q", l)
		}
	})
}

func FuzzParseJoomlaManifest(f *testing.F) {
	f.Add([]byte("<extension><version>5.1.4</version></extension>"))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := ParseJoomlaManifest(b)
		checkFuzz(t, v, err)
	})
}

func FuzzParseJoomlaVersionPHP(f *testing.F) {
	f.Add([]byte("<?php\nconst MAJOR_VERSION = 5;\nconst MINOR_VERSION = 1;\nconst PATCH_VERSION = 4;\nconst EXTRA_VERSION = 'dev';\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := ParseJoomlaVersionPHP(b)
		checkFuzz(t, v, err)
	})
}

func FuzzParseDrupal(f *testing.F) {
	f.Add([]byte("<?php\nclass Drupal {\n  const VERSION = '10.3.6';\n"))
	f.Add([]byte("<?php\ndefine('VERSION', '7.98');\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := ParseDrupal(b)
		checkFuzz(t, v, err)
	})
}
