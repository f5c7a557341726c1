// Package osinfo is the collector of the host's operating system release
// and identity.
//
// What it detects: the OS release as os-release(5) spells it (ID,
// VERSION_ID, NAME, PRETTY_NAME, ID_LIKE, codename) and its broad family
// (debian, rhel, suse, alpine, fedora, arch, gentoo), emitted as host facts
// and as one operating_system component (product = ID, version =
// VERSION_ID); the host name; a stable host id; and, on the live root only,
// uptime and gopsutil's virtualization guess with its evidence.
//
// Paths read (all through the scan's root): /etc/os-release, then
// /usr/lib/os-release (one without ID is identified by its CPE_NAME where
// that names a SUSE product, cpe:/o:suse:sles:11:4 being sles 11.4, with a
// note); when neither names an ID, the older release files
// /etc/oracle-release, /etc/redhat-release, /etc/centos-release,
// /etc/system-release (Amazon Linux), /etc/SuSE-release,
// /etc/alpine-release, /etc/lsb-release and /etc/debian_version, in that
// order. When os-release exists the first of those is still read to check
// that it agrees: os-release wins, and a disagreement is a note. Debian's
// os-release without VERSION_ID takes the number in /etc/debian_version;
// testing, unstable and rolling releases (Arch) keep an empty VERSION_ID.
// /etc/hostname under a root other than "/"; /etc/machine-id (or
// /var/lib/dbus/machine-id) for the host id, which is HMAC-SHA256 keyed
// "demarc" of the machine id, hex, first 32 characters, so the machine id
// itself is never reported; without one the id is derived from the host
// name and a note says so. /proc/lve on the live root, to undo gopsutil's
// "openvz guest" on CloudLinux.
//
// Extended-support channels (OS.Channels, Ubuntu only): the names of
// apt's fetched release files, /var/lib/apt/lists/*_InRelease; an ESM
// repository (esm.ubuntu.com_infra_…, esm.ubuntu.com_apps_…) answers only
// an attached machine, so its index means the channel reaches the host.
// ChannelsKnown is false when there is no release file at all.
//
// Commands run: none. Privileges: none; every file read is world-readable.
//
// "Not detected": a host without any release file gets no OS facts and no
// component, and a note says the OS is unknown; that is a normal result. A
// release file that is binary, over 1 MiB or has no usable line is an
// error entry in the result, and the next file is tried.
package osinfo
