// Package hwinfo reads and parses the hardware facts that both the
// hypervisor and the firmware collectors need: the DMI (SMBIOS) strings the
// kernel exposes world-readable under /sys/class/dmi/id, the virtualisation
// vendor table systemd-detect-virt applies to them, and /proc/cpuinfo.
// Parsers are pure functions; ReadDMI only opens files through a root.
package hwinfo
