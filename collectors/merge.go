package collectors

import "github.com/demarc/demarc/report"

// MergeHost copies the non-zero fields of src into dst: collectors each
// observe part of the host (osinfo the release, kernel the kernel), and a
// zero field means "not observed".
func MergeHost(dst *report.Host, src *report.Host) {
	if src == nil {
		return
	}
	setStr(&dst.Hostname, src.Hostname)
	setStr(&dst.HostID, src.HostID)
	if src.UptimeSeconds != 0 {
		dst.UptimeSeconds = src.UptimeSeconds
	}
	o, so := &dst.OS, src.OS
	setStr(&o.ID, so.ID)
	setStr(&o.Name, so.Name)
	setStr(&o.VersionID, so.VersionID)
	setStr(&o.PrettyName, so.PrettyName)
	setStr(&o.Family, so.Family)
	setStr(&o.Codename, so.Codename)
	setStr(&o.Source, so.Source)
	if len(so.IDLike) > 0 {
		o.IDLike = so.IDLike
	}
	if so.ChannelsKnown {
		o.Channels, o.ChannelsKnown = so.Channels, true
	}
	k, sk := &dst.Kernel, src.Kernel
	setStr(&k.Release, sk.Release)
	setStr(&k.Arch, sk.Arch)
	setStr(&k.NewestInstalled, sk.NewestInstalled)
	setStr(&k.Source, sk.Source)
	k.NewerInstalled = k.NewerInstalled || sk.NewerInstalled
	k.RebootFlag = k.RebootFlag || sk.RebootFlag
	if len(sk.RebootPackages) > 0 {
		k.RebootPackages = sk.RebootPackages
	}
	setStr(&k.Built, sk.Built)
	if sk.LivePatch != nil {
		k.LivePatch = sk.LivePatch
	}
	dst.Accounts = append(dst.Accounts, src.Accounts...)
	v, sv := &dst.Virtualization, src.Virtualization
	if len(sv.Evidence) > 0 {
		// A collector that gives its evidence has decided system and role
		// as a whole, bare metal ("") included: the later one refines the
		// earlier (hypervisor after osinfo's gopsutil guess).
		v.System, v.Role = sv.System, sv.Role
	} else {
		setStr(&v.System, sv.System)
		setStr(&v.Role, sv.Role)
	}
	v.Evidence = append(v.Evidence, sv.Evidence...)
}

func setStr(dst *string, src string) {
	if src != "" {
		*dst = src
	}
}
