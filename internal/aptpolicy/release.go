package aptpolicy

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/demarc/demarc/internal/decompress"
	"github.com/demarc/demarc/internal/hostfs"
)

// release is what apt takes from a suite's InRelease (or Release) file.
type release struct {
	Origin, Label, Archive, Codename, Version string
	// NotAutomatic and ButAutomaticUpgrades set the default priority of
	// the suite's files to 1 and 100 (backports, experimental).
	NotAutomatic, ButAutomaticUpgrades bool
	Site                               string // the host the suite comes from
	File                               string // its name under /var/lib/apt/lists
}

// parseRelease reads the first stanza of a Release file, or of the signed
// text of an InRelease file.
func parseRelease(b []byte) (*release, error) {
	if bytes.HasPrefix(b, []byte("-----BEGIN PGP SIGNED MESSAGE-----")) {
		// The armour headers ("Hash: SHA256") end at the first blank line.
		i := bytes.Index(b, []byte("\n\n"))
		if i < 0 {
			return nil, fmt.Errorf("%w: signed release without a body", ErrMalformed)
		}
		b = b[i+2:]
		if j := bytes.Index(b, []byte("\n-----BEGIN PGP SIGNATURE-----")); j >= 0 {
			b = b[:j+1]
		}
	}
	r := newStanzaReader(bytes.NewReader(b), false, "Origin", "Label", "Suite", "Codename", "Version", "NotAutomatic", "ButAutomaticUpgrades", "Archive")
	if !r.next(nil) {
		if err := r.Err(); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%w: empty release file", ErrMalformed)
	}
	v := r.vals
	rel := &release{Origin: v[0], Label: v[1], Archive: v[2], Codename: v[3], Version: v[4]}
	if rel.Archive == "" {
		rel.Archive = v[7]
	}
	var err error
	if rel.NotAutomatic, err = aptBool(v[5]); err != nil {
		return nil, err
	}
	if rel.ButAutomaticUpgrades, err = aptBool(v[6]); err != nil {
		return nil, err
	}
	return rel, nil
}

// aptBool is apt's StringToBool for a release flag; empty is false.
func aptBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "", "no", "false", "without", "off", "disable", "0":
		return false, nil
	case "yes", "true", "with", "on", "enable", "1":
		return true, nil
	}
	return false, fmt.Errorf("%w: release flag %q", ErrUndecidable, s)
}

// compressions are the suffixes apt stores index files with, in the order
// apt prefers them, and how each is opened; zstd has no reader here.
var compressions = []struct {
	ext  string
	open func(io.Reader) (io.Reader, error)
}{
	{"", func(r io.Reader) (io.Reader, error) { return r, nil }},
	{".lz4", func(r io.Reader) (io.Reader, error) { return newLZ4Reader(r), nil }},
	{".gz", byName(".gz")},
	{".xz", byName(".xz")},
	{".bz2", byName(".bz2")},
	{".lzma", byName(".lzma")},
	{".zst", nil},
}

// byName opens an index compressed as ext (internal/decompress).
func byName(ext string) func(io.Reader) (io.Reader, error) {
	return func(r io.Reader) (io.Reader, error) { return decompress.Reader(ext, r) }
}

// findList returns the path of the index file base (any compression) under
// /var/lib/apt/lists, "" when apt has none. Several compressions of one
// file, or one apt stores in a form not readable here, are ErrUndecidable.
func findList(root hostfs.Root, base string) (string, int, error) {
	found, idx := "", -1
	for i, c := range compressions {
		p := "/var/lib/apt/lists/" + base + c.ext
		if !root.Exists(p) {
			continue
		}
		if c.open == nil {
			return "", 0, fmt.Errorf("%w: %s is %s-compressed", ErrUndecidable, base, strings.TrimPrefix(c.ext, "."))
		}
		if found != "" {
			return "", 0, fmt.Errorf("%w: %s is stored twice (%s and %s)", ErrUndecidable, base, found, p)
		}
		found, idx = p, i
	}
	return found, idx, nil
}

// openList opens an index file found by findList, decompressing on the fly.
func openList(root hostfs.Root, p string, idx int) (io.Reader, io.Closer, error) {
	f, err := root.Open(p)
	if err != nil {
		return nil, nil, err
	}
	r, err := compressions[idx].open(f)
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%s: %w: %w", p, ErrUndecidable, err)
	}
	return r, f, nil
}
