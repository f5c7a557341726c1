package osinfo

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/internal/hostfs"
)

// The host files read for the host's name and identity.
const (
	hostnamePath      = "/etc/hostname"
	machineIDPath     = "/etc/machine-id"
	dbusMachineIDPath = "/var/lib/dbus/machine-id"
	lvePath           = "/proc/lve"
	hostIDKey         = "demarc"
)

// parseHostname returns the first line of /etc/hostname that is not blank
// or a comment, and whether it is a valid host name.
func parseHostname(b []byte) (string, bool) {
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		return line, validHostname(line)
	}
	return "", false
}

// validHostname accepts RFC 1123 names (plus '_', which real hosts use):
// at most 253 bytes, dot-separated labels of 1–63 letters, digits, '-' and
// '_', not starting or ending with '-'.
func validHostname(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(s, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range []byte(label) {
			ok := c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
			if !ok {
				return false
			}
		}
	}
	return true
}

// parseMachineID returns the machine id in b if it is the 32 lowercase hex
// digits machine-id(5) requires. "uninitialized" (first boot) and anything
// else give "".
func parseMachineID(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) != 32 {
		return ""
	}
	for _, c := range []byte(s) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return ""
		}
	}
	return s
}

// hostID is the application-specific id of a machine id (or of another
// stable value): HMAC-SHA256 keyed "demarc", hex, 32 characters, so that
// the machine id itself never leaves the host (machine-id(5) asks for
// this).
func hostID(secret string) string {
	m := hmac.New(sha256.New, []byte(hostIDKey))
	m.Write([]byte(secret))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// readHostname returns the host's name: the kernel's on the running system,
// /etc/hostname under another root.
func readHostname(root hostfs.Root, live collectors.LiveFacts, o *collectors.Recorder) string {
	if live != nil {
		name, err := live.Hostname()
		if err != nil {
			o.Fail(fmt.Errorf("hostname: %w", err))
			return ""
		}
		return name
	}
	b, err := root.ReadFileLimit(hostnamePath, 4096)
	if err != nil {
		o.ReadProblemNote(hostnamePath, err)
		return ""
	}
	name, ok := parseHostname(b)
	if !ok {
		if name != "" {
			o.Note("%s: %q is not a valid host name; ignored", hostnamePath, clip(name))
		}
		return ""
	}
	return name
}

// readHostID derives the host id from the machine id, falling back to the
// host name (with a note) when the host has none.
func readHostID(root hostfs.Root, hostname string, o *collectors.Recorder) string {
	for _, p := range []string{machineIDPath, dbusMachineIDPath} {
		b, err := root.ReadFileLimit(p, 4096)
		if err != nil {
			o.ReadProblemNote(p, err)
			continue
		}
		if id := parseMachineID(b); id != "" {
			return hostID(id)
		}
		if s := strings.TrimSpace(string(b)); s != "" && s != "uninitialized" {
			o.Note("%s is not a 32-digit hex machine id; ignored", p)
		}
	}
	if hostname == "" {
		o.Note("no machine id and no host name: host id unknown")
		return ""
	}
	o.Note("no machine id (%s, %s): host id derived from the host name, and changes with it", machineIDPath, dbusMachineIDPath)
	return hostID("hostname:" + hostname)
}
