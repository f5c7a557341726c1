package pkgdb

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// ErrMalformed is returned (wrapped) for input that is not the expected
// database format at all.
var ErrMalformed = errors.New("malformed package database")

// ParseDpkgStatus parses /var/lib/dpkg/status (deb822 stanzas) and returns
// the packages dpkg considers installed ("install ok installed", "hold ok
// installed"); removed packages with configuration left ("rc") and
// half-installed ones are skipped.
func ParseDpkgStatus(b []byte) ([]Package, error) {
	var out []Package
	var cur Package
	var status string
	stanzas, fields := 0, 0
	flush := func() {
		if cur.Name != "" && cur.Version != "" && installed(status) {
			out = append(out, cur)
		}
		cur, status = Package{}, ""
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			if cur.Name != "" {
				stanzas++
			}
			flush()
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue // continuation of a multi-line field
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		fields++
		v = strings.TrimSpace(v)
		switch k {
		case "Package":
			cur.Name = v
		case "Version":
			cur.Version = v
		case "Architecture":
			cur.Arch = v
		case "Status":
			status = v
		case "Source":
			// "Source: linux-signed-amd64 (6.1.112+1)"
			src, _, _ := strings.Cut(v, " ")
			cur.Source = src
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if cur.Name != "" {
		stanzas++
	}
	flush()
	if len(bytes.TrimSpace(b)) > 0 && fields == 0 {
		return nil, fmt.Errorf("%w: no fields", ErrMalformed)
	}
	return out, nil
}

func installed(status string) bool {
	f := strings.Fields(status)
	return len(f) == 3 && (f[0] == "install" || f[0] == "hold") && f[2] == "installed"
}

// ParseAPKInstalled parses Alpine's /lib/apk/db/installed: stanzas of
// one-letter keys (P: name, V: version, A: arch) separated by blank lines.
func ParseAPKInstalled(b []byte) ([]Package, error) {
	var out []Package
	var cur Package
	fields := 0
	flush := func() {
		if cur.Name != "" && cur.Version != "" {
			out = append(out, cur)
		}
		cur = Package{}
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			flush()
			continue
		}
		if len(line) < 2 || line[1] != ':' {
			continue
		}
		fields++
		v := line[2:]
		switch line[0] {
		case 'P':
			cur.Name = v
		case 'V':
			cur.Version = v
		case 'A':
			cur.Arch = v
		case 'o':
			cur.Source = v
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	flush()
	if len(bytes.TrimSpace(b)) > 0 && fields == 0 {
		return nil, fmt.Errorf("%w: no fields", ErrMalformed)
	}
	return out, nil
}

// ParseRPMQuery parses the output of
// `rpm -qa --qf '%{NAME}\t%{EPOCH}:%{VERSION}-%{RELEASE}\t%{ARCH}\n'`.
// An epoch of "(none)" is dropped, as rpm itself prints versions; gpg-pubkey
// pseudo-packages are skipped.
func ParseRPMQuery(b []byte) ([]Package, error) {
	var out []Package
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 || f[0] == "" || f[1] == "" {
			return nil, fmt.Errorf("%w: line %d: %q", ErrMalformed, i+1, truncate(line))
		}
		ver := strings.TrimPrefix(f[1], "(none):")
		if strings.HasPrefix(ver, "0:") {
			ver = ver[2:]
		}
		if f[0] == "gpg-pubkey" {
			continue
		}
		out = append(out, Package{Name: f[0], Version: ver, Arch: f[2]})
	}
	return out, nil
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
