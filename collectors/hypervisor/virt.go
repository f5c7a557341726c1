package hypervisor

import (
	"fmt"
	"strings"

	"github.com/demarc/demarc/internal/hwinfo"
)

// signals is everything the guest/host decision looks at. Each observed
// signal also becomes a line of evidence.
type signals struct {
	detectVM, detectCT string // systemd-detect-virt ids; "" when not run
	dmiID, dmiEvidence string // from the DMI vendor table
	cpuGuest           bool   // cpuinfo hypervisor flag or a virtual CPU model
	cpuID              string
	sysHypervisor      string // /sys/hypervisor/type
	xenDom0            bool
	ctID, ctEvidence   string // container id from marker files
	vz, lve, bc        bool   // /proc/vz, /proc/lve, /proc/bc
	veinfo, vzVersion  bool   // /proc/vz/veinfo, /proc/vz/version
	devKVM             bool
	hostStacks         []string // hypervisor software found on this host
	evidence           []string
}

func (g *signals) add(format string, args ...any) {
	g.evidence = append(g.evidence, fmt.Sprintf(format, args...))
}

// guestSignals gathers the signals of detection.md §B.9 that the product
// detectors have not already gathered.
func (s *state) guestSignals() {
	g := &s.sig
	for _, mode := range []struct {
		flag string
		dst  *string
	}{{"--vm", &g.detectVM}, {"--container", &g.detectCT}} {
		out, ok := s.command("systemd-detect-virt", mode.flag)
		if !ok {
			continue
		}
		id, err := ParseDetectVirt(out.text)
		if err != nil {
			s.Fail(fmt.Errorf("systemd-detect-virt %s: %w", mode.flag, err))
			continue
		}
		*mode.dst = id
		g.add("systemd-detect-virt %s: %s", mode.flag, id)
	}
	if s.c.live {
		s.hardwareSignals()
		s.containerSignals()
	}
	if g.xenDom0 {
		g.add("/proc/xen/capabilities: control_d (Xen dom0)")
	}
	if g.sysHypervisor != "" {
		g.add("/sys/hypervisor/type: %s", g.sysHypervisor)
	}
	if g.devKVM {
		g.add("/dev/kvm present (KVM-capable)")
	}
	for _, h := range g.hostStacks {
		g.add("hypervisor software installed: %s", h)
	}
	if s.c.live && len(g.evidence) == 0 {
		g.add("no virtualisation signal")
	}
}

func (s *state) hardwareSignals() {
	g := &s.sig
	// An unreadable DMI file is the firmware collector's note, which
	// reads the same files: said once per scan, not once per reader.
	dmi, _ := hwinfo.ReadDMI(s.c.deps.Root)
	g.dmiID, g.dmiEvidence = hwinfo.VirtVendor(dmi)
	if g.dmiID != "" {
		g.add("%s (%s)", g.dmiEvidence, g.dmiID)
	}
	if b, ok := s.readFile("/proc/cpuinfo"); ok {
		cpus, err := hwinfo.ParseCPUInfo([]byte(b))
		if err != nil {
			s.Fail(fmt.Errorf("read /proc/cpuinfo: %w", err))
		}
		g.cpuGuest, g.cpuID = hwinfo.CPUGuest(cpus)
		if g.cpuGuest {
			g.add("cpuinfo: hypervisor flag or virtual CPU model")
		}
	}
}

func (s *state) containerSignals() {
	g := &s.sig
	root := s.c.deps.Root
	for _, f := range []struct{ path, id string }{
		{"/run/systemd/container", ""}, {"/run/host/container-manager", ""},
		{"/.dockerenv", "docker"}, {"/run/.containerenv", "podman"},
		{"/dev/lxd/sock", "lxc"}, {"/dev/incus/sock", "lxc"},
	} {
		if !root.Exists(f.path) {
			continue
		}
		id := f.id
		if id == "" {
			v, _ := s.readFile(f.path)
			id = firstWord(v)
		}
		g.add("%s present (%s)", f.path, id)
		if g.ctID == "" && id != "" {
			g.ctID, g.ctEvidence = id, f.path
		}
	}
	for _, f := range []struct {
		path string
		dst  *bool
	}{{"/proc/vz", &g.vz}, {"/proc/lve", &g.lve}, {"/proc/bc", &g.bc}, {"/proc/vz/veinfo", &g.veinfo}, {"/proc/vz/version", &g.vzVersion}} {
		if root.Exists(f.path) {
			*f.dst = true
			g.add("%s present", f.path)
		}
	}
	if g.vz && g.lve {
		g.add("/proc/lve: CloudLinux LVE kernel, so /proc/vz does not mean an OpenVZ container")
	}
}

// firstWord returns the first line's first word of a marker file, as an
// id ("lxc", "docker"), or "" when it is not one.
func firstWord(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 || !detectVirtID.MatchString(f[0]) {
		return ""
	}
	return f[0]
}
