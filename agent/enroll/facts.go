package enroll

import (
	"context"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/demarc/demarc/agent/deliver"
	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/collectors/osinfo"
	"github.com/demarc/demarc/internal/hostfs"
)

// ProductUUIDPath is the DMI product UUID (root-only on most hosts: the
// packaged agent reads it with CAP_DAC_READ_SEARCH).
const ProductUUIDPath = "/sys/class/dmi/id/product_uuid"

// Facts gathers what the host enrolls with, through root: the host name,
// the OS release and the machine identity as the osinfo collector
// observes them (the identity is the application-specific hash of
// /etc/machine-id a report carries, never the machine id itself), and
// the DMI product UUID ("" when unreadable). Nothing here fails: a fact
// that cannot be read is empty.
func Facts(ctx context.Context, root hostfs.Root, version string) deliver.Facts {
	f := deliver.Facts{AgentVersion: version}
	c := osinfo.New(collectors.Deps{Root: root, Log: zerolog.Nop(), Now: time.Now})
	if res, err := c.Collect(ctx); err == nil && res.Host != nil {
		f.Hostname, f.MachineID = res.Host.Hostname, res.Host.HostID
		f.OS = deliver.FactsOS{ID: res.Host.OS.ID, VersionID: res.Host.OS.VersionID}
	}
	if b, err := root.ReadFileLimit(ProductUUIDPath, 256); err == nil {
		f.ProductUUID = ParseProductUUID(b)
	}
	return f
}

// ParseProductUUID returns the UUID in b, lowercased, or "" when b is not
// one: at most 64 bytes of hex digits and dashes.
func ParseProductUUID(b []byte) string {
	s := strings.ToLower(strings.TrimSpace(string(b)))
	if s == "" || len(s) > 64 {
		return ""
	}
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') && c != '-' {
			return ""
		}
	}
	return s
}
