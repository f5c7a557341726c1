package packages

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// privatePrefix names the private directories, so that a report's source
// can say "[private]" instead of a random path.
const privatePrefix = "demarc-packages-"

// private is the scan's own directory for everything a package manager
// insists on writing (apt's logs, dnf's logs, solv cache and lock, a copy
// of the RPM database): created empty and mode 0700 by the collector on the
// scanning machine, never inside the scanned root, removed after the run.
type private struct {
	dir string // absolute, symlinks resolved
}

// newPrivate creates a private directory under the scanning machine's
// temporary directory.
func newPrivate() (*private, error) {
	dir, err := os.MkdirTemp("", privatePrefix+"*")
	if err != nil {
		return nil, fmt.Errorf("private directory: %w", err)
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("private directory: %w", err)
	}
	return &private{dir: real}, nil
}

// path returns the private path for name, creating its parent directories.
func (p *private) path(name string) (string, error) {
	full := filepath.Join(p.dir, name)
	if err := os.MkdirAll(filepath.Dir(full), 0o700); err != nil {
		return "", fmt.Errorf("private directory: %w", err)
	}
	return full, nil
}

// mkdir creates the private directory name and returns its path.
func (p *private) mkdir(name string) (string, error) {
	full := filepath.Join(p.dir, name)
	if err := os.MkdirAll(full, 0o700); err != nil {
		return "", fmt.Errorf("private directory: %w", err)
	}
	return full, nil
}

// write creates the private file name with content b.
func (p *private) write(name string, b []byte) (string, error) {
	full, err := p.path(name)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(full, b, 0o600); err != nil {
		return "", fmt.Errorf("private directory: %w", err)
	}
	return full, nil
}

// remove deletes the directory and everything in it.
func (p *private) remove() {
	if p != nil {
		os.RemoveAll(p.dir)
	}
}

// fromRoot spells the private path full relative to an --installroot, for
// managers that prefix every directory option with the installroot (dnf):
// "/../../..<full>" climbs from the root's real path to "/" first. realRoot
// must have its symlinks resolved, so that each ".." is the parent the
// scanning machine sees and no component inside the root is walked.
func fromRoot(realRoot, full string) string {
	depth := len(strings.FieldsFunc(realRoot, func(r rune) bool { return r == '/' }))
	return strings.Repeat("/..", depth) + full
}

// displayArgv is argv as the report shows it: any private path (and the
// "/.." climb before it) becomes "[private]", so that reports and golden
// files do not change from run to run.
func displayArgv(argv []string, p *private) string {
	s := strings.Join(argv, " ")
	if p == nil {
		return s
	}
	for {
		i := strings.Index(s, p.dir)
		if i < 0 {
			return s
		}
		j := i
		for j >= 3 && s[j-3:j] == "/.." {
			j -= 3
		}
		s = s[:j] + "[private]" + s[i+len(p.dir):]
	}
}
