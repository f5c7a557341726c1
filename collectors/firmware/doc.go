// Package firmware reports the physical host's firmware: the BIOS/UEFI
// vendor, version and date and the system's make and model from the DMI
// strings the kernel exposes world-readable, the CPU microcode revision,
// and the BMC's firmware revision when the kernel's IPMI driver exposes it.
//
// Components (layer physical_host; see docs/COMPONENTS.md):
//   - bios: /sys/class/dmi/id/{bios_vendor,bios_version,bios_date,
//     bios_release,sys_vendor,product_name,product_family,board_name,
//     chassis_type} (0444 files only; serials and UUIDs are never read).
//     bios_date MM/DD/YYYY becomes YYYY-MM-DD; OEM placeholders ("To Be
//     Filled By O.E.M.", "Default string"…) count as unknown.
//   - cpu-microcode: the lowest revision across the CPUs of /proc/cpuinfo,
//     else of /sys/devices/system/cpu/cpu*/microcode/version; mixed when
//     they differ (a partially applied late load).
//   - bmc: /sys/bus/platform/devices/ipmi_bmc.0/{firmware_revision,
//     manufacturer_id,ipmi_version,product_id}, read under a timeout since
//     reading can query the BMC.
//
// In a VM (DMI vendor table, cpuinfo hypervisor flag, /sys/hypervisor in a
// domU) the values describe virtual firmware: details virtual=true, and the
// rules do not judge them.
//
// These are live kernel views: they are read only when the root is a
// running host (collectors.Deps.Live). Commands: none. Privileges: none.
// Not detected: files missing, as on ARM boards, many VMs and containers:
// an empty result, no error.
package firmware
