package osinfo

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/internal/hostfs"
)

// osReleasePaths are read in order; the first with an ID wins.
var osReleasePaths = []string{"/etc/os-release", "/usr/lib/os-release"}

// fallbacks are the release files of hosts without os-release, in the order
// they are tried. oracle-release comes before redhat-release because
// Oracle Linux's redhat-release names Red Hat.
var fallbacks = []struct {
	path  string
	parse func(io.Reader) (release, error)
}{
	{"/etc/oracle-release", parseRedHatRelease},
	{"/etc/redhat-release", parseRedHatRelease},
	{"/etc/centos-release", parseRedHatRelease},
	{"/etc/system-release", parseRedHatRelease},
	{"/etc/SuSE-release", parseSuSERelease},
	{"/etc/alpine-release", parseAlpineRelease},
	{"/etc/lsb-release", parseLSBRelease},
	{"/etc/debian_version", parseDebianVersion},
}

// debianVersionPath is also read when Debian's os-release has no VERSION_ID.
const debianVersionPath = "/etc/debian_version"

// readRelease reads the host file p through root and parses it; ok is
// false when p is absent or unusable, which rec is told (as a note only
// when the file does not decide the result).
func readRelease(root hostfs.Root, p string, parse func(io.Reader) (release, error), rec *collectors.Recorder, decides bool) (release, bool) {
	b, err := root.ReadFile(p)
	if err != nil {
		if decides {
			rec.ReadProblem(p, err)
		} else {
			rec.ReadProblemNote(p, err)
		}
		return release{}, false
	}
	rel, err := parse(bytes.NewReader(b))
	switch {
	case err == nil:
		return rel, true
	case decides:
		rec.Fail(fmt.Errorf("parse %s: %w", p, err))
	default:
		rec.Note("parse %s: %v", p, err)
	}
	return release{}, false
}

func parseOSReleaseFile(r io.Reader) (release, error) {
	kv, err := parseOSRelease(r)
	if err != nil {
		return release{}, err
	}
	return fromOSRelease(kv), nil
}

// detectRelease finds the OS release: os-release first, the older release
// files when it is missing or unusable. When both exist and disagree,
// os-release wins and a note says so. It returns the release and the file
// it came from ("" when nothing was found).
func detectRelease(root hostfs.Root, o *collectors.Recorder) (release, string) {
	var rel release
	var source string
	for _, p := range osReleasePaths {
		r, ok := readRelease(root, p, parseOSReleaseFile, o, true)
		if !ok {
			continue
		}
		if r.ID == "" {
			o.Note("%s has no ID", p)
			continue
		}
		if r.FromCPE {
			o.Note("%s has no ID; %s %s from its CPE_NAME", p, r.ID, r.VersionID)
		}
		rel, source = r, p
		break
	}
	// With os-release found, the older files only cross-check it: their
	// problems are notes.
	fb, fbSource := firstFallback(root, o, source == "")
	if source == "" {
		if fbSource == "" {
			o.Note("no os-release or other release file found: operating system unknown")
		}
		return fb, fbSource
	}
	if fbSource != "" && contradicts(rel, fb) {
		o.Note("%s says %s %s but %s says %s %s; using %s", source, rel.ID, rel.VersionID,
			fbSource, fb.ID, fb.VersionID, source)
	}
	if rel.ID == "debian" && rel.VersionID == "" {
		if d, ok := readRelease(root, debianVersionPath, parseDebianVersion, &collectors.Recorder{}, false); ok && d.VersionID != "" {
			rel.VersionID = d.VersionID
			o.Note("%s has no VERSION_ID; version %s from %s", source, d.VersionID, debianVersionPath)
		}
	}
	return rel, source
}

// firstFallback returns the first release file that names an OS.
func firstFallback(root hostfs.Root, o *collectors.Recorder, decides bool) (release, string) {
	for _, f := range fallbacks {
		r, ok := readRelease(root, f.path, f.parse, o, decides)
		if !ok {
			continue
		}
		if r.ID != "" {
			return r, f.path
		}
	}
	return release{}, ""
}

// contradicts reports whether a fallback release file b names another OS
// or version than os-release a. Unrecognised names are not compared, nor
// missing versions; "7" and "7.5.1804" agree.
func contradicts(a, b release) bool {
	if !b.Known || b.ID == "" {
		return false
	}
	if b.ID != a.ID && !slices.Contains(a.IDLike, b.ID) {
		return true
	}
	return a.VersionID != "" && b.VersionID != "" && !versionPrefix(a.VersionID, b.VersionID)
}

// versionPrefix reports whether one dotted version is a prefix of the
// other, component by component.
func versionPrefix(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	if len(pa) > len(pb) {
		pa, pb = pb, pa
	}
	return slices.Equal(pa, pb[:len(pa)])
}
