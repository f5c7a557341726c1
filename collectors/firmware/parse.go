package firmware

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/demarc/demarc/internal/hwinfo"
)

var bmcRevision = regexp.MustCompile(`^[0-9]{1,3}\.[0-9a-fA-F]{1,2}$`)

// ParseBMCRevision validates the kernel's BMC firmware revision, printed
// "%u.%x" from the IPMI Get Device ID response ("1.54"; ipmitool pads the
// minor to two digits, so "1.5" here may be "1.05" there).
func ParseBMCRevision(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !bmcRevision.MatchString(s) {
		if len(s) > 64 {
			s = s[:64] + "…"
		}
		return "", fmt.Errorf("%w: bmc firmware revision %q", hwinfo.ErrMalformed, s)
	}
	return s, nil
}
