package osinfo

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"

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

// observations collects what a collector run noticed besides its result.
type observations struct {
	notes []string
	errs  []error
}

func (o *observations) note(format string, args ...any) {
	o.notes = append(o.notes, fmt.Sprintf(format, args...))
}

// readProblem files a read error: a missing file is normal and ignored, a
// permission error is a note, anything else an error, or only a note when
// asNote is set (the file did not decide the result).
func (o *observations) readProblem(err error, asNote bool) {
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case errors.Is(err, fs.ErrPermission) || asNote:
		o.notes = append(o.notes, err.Error())
	default:
		o.errs = append(o.errs, err)
	}
}

// readRelease reads the host file p through root and parses it.
func readRelease(root hostfs.Root, p string, parse func(io.Reader) (release, error)) (release, error) {
	b, err := root.ReadFile(p)
	if err != nil {
		return release{}, fmt.Errorf("read %s: %w", p, err)
	}
	rel, err := parse(bytes.NewReader(b))
	if err != nil {
		return release{}, fmt.Errorf("parse %s: %w", p, err)
	}
	return rel, nil
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
func detectRelease(root hostfs.Root, o *observations) (release, string) {
	var rel release
	var source string
	for _, p := range osReleasePaths {
		r, err := readRelease(root, p, parseOSReleaseFile)
		if err != nil {
			o.readProblem(err, false)
			continue
		}
		if r.ID == "" {
			o.note("%s has no ID", p)
			continue
		}
		rel, source = r, p
		break
	}
	var fbErrs observations
	fb, fbSource := firstFallback(root, &fbErrs)
	if source == "" {
		o.notes = append(o.notes, fbErrs.notes...)
		o.errs = append(o.errs, fbErrs.errs...)
		if fbSource == "" {
			o.note("no os-release or other release file found: operating system unknown")
		}
		return fb, fbSource
	}
	for _, e := range fbErrs.errs {
		o.readProblem(e, true)
	}
	o.notes = append(o.notes, fbErrs.notes...)
	if fbSource != "" && contradicts(rel, fb) {
		o.note("%s says %s %s but %s says %s %s; using %s", source, rel.ID, rel.VersionID,
			fbSource, fb.ID, fb.VersionID, source)
	}
	if rel.ID == "debian" && rel.VersionID == "" {
		if d, err := readRelease(root, debianVersionPath, parseDebianVersion); err == nil && d.VersionID != "" {
			rel.VersionID = d.VersionID
			o.note("%s has no VERSION_ID; version %s from %s", source, d.VersionID, debianVersionPath)
		}
	}
	return rel, source
}

// firstFallback returns the first release file that names an OS.
func firstFallback(root hostfs.Root, o *observations) (release, string) {
	for _, f := range fallbacks {
		r, err := readRelease(root, f.path, f.parse)
		if err != nil {
			o.readProblem(err, false)
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
