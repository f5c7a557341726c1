// Package hypervisor detects the virtualisation layer of a host: the
// hypervisor software installed on it, and whether the host is itself a
// guest (a VM or a container) and of what. A guest's virtualisation layer
// is the provider's platform; a host's is whoever runs it.
//
// Components (layer virtualisation; see docs/COMPONENTS.md):
//   - proxmox-ve: the pve-manager package (dpkg, shared per scan), else
//     /usr/share/perl5/PVE/pvecfg.pm; "7.4-3" is normalised to "7.4.3".
//     On a live host `pveversion` adds running_version and running_kernel.
//   - qemu: packages pve-qemu-kvm, qemu-system-x86, qemu-kvm-core,
//     qemu-kvm; else `qemu-system-x86_64|/usr/libexec/qemu-kvm|kvm
//     --version` (live).
//   - libvirt: packages libvirt-daemon-system, libvirt-daemon, libvirt;
//     else `libvirtd|virtqemud --version` (live).
//   - xen: /sys/hypervisor/{type,version/major,minor,extra} (live, any
//     domain), else `xl info` (live dom0, needs root), else the
//     xen-hypervisor package; dom0 from /proc/xen/capabilities.
//   - xcp-ng / xenserver: /etc/xensource-inventory, else os-release
//     ID=xcp-ng.
//   - esxi: `vmware -v` when the binary exists (ESXi shell only).
//   - lxd / incus: packages, the LXD snap's meta/snap.yaml, `--version`,
//     or their data directories (version "" then).
//   - kvm: /dev/kvm exists (live, and not in a container: a container handed
//     the host's /dev/kvm gets a note, not a component); nested from
//     /sys/module/kvm_{intel,amd}/parameters/nested.
//
// Host facts: host.virtualization {system, role, evidence}, by the
// recommended algorithm of detection.md §B.9: systemd-detect-virt --vm and
// --container (live), the DMI vendor table (/sys/class/dmi/id), the
// cpuinfo hypervisor flag, /sys/hypervisor/type, container marker files
// (/run/systemd/container, /run/host/container-manager, /.dockerenv,
// /run/.containerenv, /dev/lxd/sock, /dev/incus/sock) and the OpenVZ /proc
// rule (/proc/vz without /proc/lve and /proc/bc is a container; CloudLinux
// has an empty /proc/vz and /proc/lve and is not one). Every signal is kept
// as evidence. The result is merged after osinfo's simpler gopsutil value
// and replaces it.
//
// Live-only sources (/proc, /sys, /dev, /run, commands) are used only when
// the root is a running host (collectors.Deps.Live).
//
// Privileges: none; `xl info` needs root and its failure is an error entry.
// Not detected: no component and, on a live host with no guest signal, an
// empty system and role with the evidence that was checked.
package hypervisor
