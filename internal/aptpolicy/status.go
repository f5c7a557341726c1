package aptpolicy

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/demarc/demarc/internal/hostfs"
)

// statusLimit caps the dpkg status file (a large host's is a few MB).
const statusLimit = 256 << 20

// readStatus reads /var/lib/dpkg/status: the packages apt counts as
// installed (every state but not-installed and config-files, as apt's
// debListParser::ParseStatus), their holds, and the native architecture
// (that of the dpkg package).
func readStatus(root hostfs.Root) (string, map[pkgKey]*installed, error) {
	f, err := root.Open("/var/lib/dpkg/status")
	if err != nil {
		return "", nil, fmt.Errorf("dpkg status: %w", err)
	}
	defer f.Close()
	sr := newStanzaReader(f, false, "Package", "Status", "Version", "Architecture", "Source")
	var all []*installed
	native := ""
	for sr.next(nil) {
		v := sr.vals
		st := strings.Fields(v[1])
		if v[0] == "" || len(st) != 3 {
			return "", nil, fmt.Errorf("dpkg status: %w: package %q with Status %q", ErrMalformed, v[0], v[1])
		}
		if st[2] == "not-installed" || st[2] == "config-files" {
			continue
		}
		if v[2] == "" || v[3] == "" {
			return "", nil, fmt.Errorf("dpkg status: %w: installed package %q without Version or Architecture", ErrMalformed, v[0])
		}
		if v[0] == "dpkg" {
			native = v[3]
		}
		src := v[0]
		if v[4] != "" {
			src, _, _ = strings.Cut(v[4], " ")
		}
		all = append(all, &installed{name: v[0], arch: v[3], ver: v[2], source: src, hold: st[0] == "hold"})
	}
	if err := sr.Err(); err != nil {
		return "", nil, fmt.Errorf("dpkg status: %w", err)
	}
	if native == "" {
		// apt's native architecture is the one it was built for, dpkg's
		// on any consistent system; without dpkg in the status, this
		// program's.
		native = debianArch[runtime.GOARCH]
		if native == "" {
			return "", nil, fmt.Errorf("%w: no dpkg package in the dpkg status and no Debian name for %s", ErrUndecidable, runtime.GOARCH)
		}
	}
	inst := make(map[pkgKey]*installed, len(all))
	for _, p := range all {
		arch := p.arch
		if arch == "all" {
			arch = native
		}
		k := pkgKey{p.name, arch}
		if inst[k] != nil {
			return "", nil, fmt.Errorf("dpkg status: %w: %s:%s installed twice", ErrMalformed, p.name, arch)
		}
		inst[k] = p
	}
	return native, inst, nil
}

// readArchs returns the architectures apt indexes: the native one, then
// dpkg's foreign architectures (/var/lib/dpkg/arch) in their order.
func readArchs(root hostfs.Root, native string) ([]string, error) {
	archs := []string{native}
	b, err := root.ReadFile("/var/lib/dpkg/arch")
	if isNotExist(err) {
		return archs, nil
	}
	if err != nil {
		return nil, fmt.Errorf("dpkg arch: %w", err)
	}
	for _, a := range strings.Fields(string(b)) {
		if !plainWord(a) {
			return nil, fmt.Errorf("dpkg arch: %w: %q", ErrMalformed, a)
		}
		if a != native && a != "all" {
			archs = append(archs, a)
		}
	}
	return archs, nil
}

// debianArch maps Go's GOARCH to Debian's architecture names.
var debianArch = map[string]string{
	"amd64": "amd64", "arm64": "arm64", "arm": "armhf", "386": "i386", "ppc64le": "ppc64el",
	"s390x": "s390x", "riscv64": "riscv64", "mips64le": "mips64el", "loong64": "loong64",
}
