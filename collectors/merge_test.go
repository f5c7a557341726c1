package collectors

import (
	"testing"

	"github.com/demarc/demarc/report"
)

// TestMergeHostVirtualization: a later collector with evidence decides
// system and role as a whole, bare metal included (CloudLinux's empty
// /proc/vz fooling gopsutil); one without evidence only fills blanks.
func TestMergeHostVirtualization(t *testing.T) {
	var dst report.Host
	MergeHost(&dst, &report.Host{Virtualization: report.Virtualization{System: "openvz", Role: "guest", Evidence: []string{"gopsutil: system=openvz role=guest"}}})
	MergeHost(&dst, &report.Host{Virtualization: report.Virtualization{Evidence: []string{"/proc/lve present"}}})
	if v := dst.Virtualization; v.System != "" || v.Role != "" || len(v.Evidence) != 2 {
		t.Fatalf("after refinement: %+v", v)
	}
	MergeHost(&dst, &report.Host{Virtualization: report.Virtualization{System: "kvm"}})
	MergeHost(&dst, &report.Host{Hostname: "h"})
	if v := dst.Virtualization; v.System != "kvm" || v.Role != "" || len(v.Evidence) != 2 {
		t.Fatalf("without evidence: %+v", v)
	}
}
