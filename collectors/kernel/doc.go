// Package kernel is the collector of the host's kernel: which one runs,
// which is the newest installed, and whether the OS itself says a reboot
// is pending. It sets host facts only (report.Kernel), no component.
//
// What it detects:
//   - the running kernel's release and architecture, from uname(2), on the
//     live root only (under another root nothing runs: Release stays empty
//     and Arch comes from the newest kernel package);
//   - the installed kernels, from the shared package database read
//     (internal/pkgdb: dpkg status, apk's installed db, or rpm -qa):
//     Debian/Ubuntu linux-image-<release> (metapackages such as
//     linux-image-amd64 or linux-image-generic name no release and are
//     ignored), Proxmox pve-kernel-* and proxmox-kernel-*, RPM kernel,
//     kernel-core, kernel-uek(-core), kernel-default (SUSE) and vzkernel, and
//     the flavours kernel-debug, kernel-rt, kernel-rt-debug, kernel-64k,
//     kernel-64k-debug and kernel-PAE (each -core too; uname -r ends
//     "+debug", ".debug" on EL7, "+64k", "+PAE"; rt kernels carry .rtN.),
//     each a kind of its own,
//     Alpine linux-lts, linux-virt, linux-edge;
//   - NewestInstalled: the newest installed kernel of the running kernel's
//     kind (its flavour, "-amd64", "-generic", "-pve", "-virt", or its RPM
//     package family: UEK apart from the Red Hat compatible kernel), by the
//     package manager's version order (internal/pkgver), never by string or
//     install date; NewerInstalled when it sorts after the running kernel's
//     package (or, on Debian and Proxmox, after the build uname -v names);
//   - RebootFlag and RebootPackages from /run/reboot-required (or
//     /var/run/...) and its .pkgs list, SUSE's /run/reboot-needed, and on
//     RPM hosts, live root only, `needs-restarting -r` (exit 1: reboot
//     required);
//   - Built: the running kernel's build date from uname -v (Debian's and
//     Proxmox's "(2024-11-22)", or the date(1) stamp most others end with);
//   - LivePatch, live root only, outside containers: KernelCare from its
//     scanner files /proc/kcare/effective_version (the effective release)
//     and /proc/kcare/cvelist (CVEs fixed); the kernel's own live-patch
//     interface, /sys/kernel/livepatch/<patch>/enabled and transition
//     (Canonical Livepatch's lkp_* and RHEL's kpatch_* modules are named;
//     a patch still in transition or disabled is noted in the evidence, a
//     disabled one not counted); Ksplice from `uptrack-uname -r` when it is
//     installed (an effective release other than uname -r). CoversNewest
//     when the effective release sorts at or after NewestInstalled.
//
// Paths read (through the root): the package database, the reboot flag
// files above, and the container markers /run/systemd/container,
// /.dockerenv and /run/.containerenv. Commands run: `needs-restarting -r`
// (RPM hosts, live root, when installed, 20 s timeout), `uptrack-uname -r`
// (live root, when installed, 10 s timeout) and, through
// internal/pkgdb, `rpm -qa`. Privileges: none.
//
// "Not detected": in a container uname shows the host's kernel, so no
// newer kernel is ever claimed there and a note says why; the same holds
// when no kernel package is installed or there is no package database. A
// missing needs-restarting binary is normal and silent.
package kernel
