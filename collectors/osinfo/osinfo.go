package osinfo

import (
	"context"
	"fmt"
	"regexp"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/report"
)

// Collector observes the operating system release and the host's identity.
type Collector struct {
	deps collectors.Deps
}

// New returns the osinfo collector. The live-only facts (host name,
// uptime, virtualization) come from deps.Live, when the root is a running
// host.
func New(deps collectors.Deps) *Collector {
	return &Collector{deps: deps}
}

// Name implements collectors.Collector.
func (*Collector) Name() string { return "osinfo" }

// Sources implements collectors.Collector.
func (*Collector) Sources() collectors.Sources {
	files := append([]string{}, osReleasePaths...)
	for _, f := range fallbacks {
		files = append(files, f.path)
	}
	files = append(files, hostnamePath, machineIDPath, dbusMachineIDPath, lvePath)
	files = append(files, channelFiles...)
	return collectors.Sources{
		Detects: "the OS release (os-release ID and VERSION_ID, family), host name, host id " +
			"(HMAC of the machine id), the extended-support channels it receives (Ubuntu Pro ESM, from apt's fetched lists), " +
			"and on the live root uptime and virtualization",
		Files:      files,
		Privileges: "none: every file read is world-readable",
		NotDetected: "no release file: the OS is unknown and a note says so; " +
			"host name and id are still reported",
	}
}

// Collect implements collectors.Collector. It never fails as a whole:
// unreadable or malformed files are error entries or notes in the Result.
func (c *Collector) Collect(ctx context.Context) (collectors.Result, error) {
	if err := ctx.Err(); err != nil {
		return collectors.Result{}, err
	}
	o := &collectors.Recorder{}
	root := c.deps.Root
	live := c.deps.Live

	h := &report.Host{}
	res := collectors.Result{Host: h}
	rel, source := detectRelease(root, o)
	checkIdentifiers(rel, source, o)
	if rel.ID != "" {
		h.OS = report.OS{
			ID:         rel.ID,
			Name:       rel.Name,
			VersionID:  rel.VersionID,
			PrettyName: rel.PrettyName,
			Family:     familyOf(rel.ID, rel.IDLike),
			IDLike:     rel.IDLike,
			Codename:   rel.Codename,
			Source:     source,
		}
		h.OS.Channels, h.OS.ChannelsKnown = readChannels(root, rel.ID, o)
		comp := report.Component{
			Layer:   report.LayerOperatingSystem,
			Product: rel.ID,
			Version: rel.VersionID,
			Source:  source,
		}
		if rel.PrettyName != "" {
			comp.Details = map[string]string{"pretty_name": rel.PrettyName}
		}
		res.Components = append(res.Components, comp)
	}

	h.Hostname = readHostname(root, live, o)
	h.HostID = readHostID(root, h.Hostname, o)
	if live != nil {
		c.liveFacts(ctx, live, h, o)
	}
	r := o.Result()
	res.Notes, res.Errors = r.Notes, r.Errors
	return res, nil
}

// liveFacts fills uptime and gopsutil's virtualization guess, correcting
// its known CloudLinux false positive: CloudLinux's LVE kernel has an empty
// /proc/vz, which gopsutil takes for an OpenVZ guest; /proc/lve tells them
// apart.
func (c *Collector) liveFacts(ctx context.Context, live collectors.LiveFacts, h *report.Host, o *collectors.Recorder) {
	if up, err := live.Uptime(ctx); err != nil {
		o.Fail(fmt.Errorf("uptime: %w", err))
	} else {
		h.UptimeSeconds = int64(min(up, 1<<62))
	}
	system, role, err := live.Virtualization(ctx)
	if err != nil {
		o.Fail(fmt.Errorf("virtualization: %w", err))
		return
	}
	v := &h.Virtualization
	if system == "" && role == "" {
		v.Evidence = append(v.Evidence, "gopsutil: no virtualization detected")
		return
	}
	v.Evidence = append(v.Evidence, fmt.Sprintf("gopsutil: system=%s role=%s", system, role))
	if system == "openvz" && role == "guest" && c.deps.Root.Exists(lvePath) {
		v.Evidence = append(v.Evidence, lvePath+" present: CloudLinux LVE kernel, not an OpenVZ guest")
		return
	}
	v.System, v.Role = system, role
}

var (
	// os-release(5): ID is lowercase letters, digits, "._-".
	validID = regexp.MustCompile(`^[a-z0-9._-]{1,64}$`)
	// VERSION_ID: letters, digits, "._-", with "~+" seen in the wild;
	// numbers of ten digits or more are no release number.
	validVersionID = regexp.MustCompile(`^[0-9A-Za-z._~+-]{0,64}$`)
	longNumber     = regexp.MustCompile(`[0-9]{10,}`)
)

// checkIdentifiers notes an ID or VERSION_ID that is not what os-release
// allows. The values are still reported as found: the rules judge them
// (an unknown version is an unknown_lifecycle finding, not a guess).
func checkIdentifiers(rel release, source string, o *collectors.Recorder) {
	if rel.ID != "" && !validID.MatchString(rel.ID) {
		o.Note("%s: ID %q is not an os-release identifier", source, clip(rel.ID))
	}
	if !validVersionID.MatchString(rel.VersionID) || longNumber.MatchString(rel.VersionID) {
		o.Note("%s: VERSION_ID %q does not look like a release number", source, clip(rel.VersionID))
	}
}
