// Package rules judges what the collectors observed: lifecycle (end of life,
// extended support, behind on majors or patches) from embedded data generated
// from endoflife.date and vendor sources (package lifecycle), and
// responsibility (provider or customer) from the shared responsibility
// matrix for the host's tier with the model's refinements (package matrix).
// Every finding names the rule that decided it and says why in one sentence
// that names the provider and quotes the model.
//
// # What is judged
//
//   - operating_system: the release (from the operating_system component, or
//     Host.OS): eol, extended_support, eol_soon, else major_behind (info)
//     when a newer cycle exists (an LTS release is compared with LTS
//     releases only). Point releases are not compared: pending updates
//     speak for them. Rolling releases are noted, not judged.
//   - updates_pending from Input.Updates, reboot_required from
//     Host.Kernel (a newer kernel installed than running, or the OS's own
//     flag), both on the OS row.
//   - control_panel, virtualisation, applications, third_party_apps:
//     the cycle's state, else major_behind; plus patch_behind while the
//     cycle is supported. Products with no lifecycle data (QEMU, libvirt,
//     OpenSSH...) are listed in one note. A cycle past its end that still
//     had a release more than three months later (WordPress's courtesy
//     security releases) stays eol, but its rationale names that release
//     and whether this copy lacks it (late.go).
//   - physical_host: a BIOS older than Options.FirmwareMaxAge (default 3
//     years, by its BIOS date) is a low patch_behind; firmware marked
//     virtual=true is skipped; microcode and BMC are not judged (no data).
//
// # Severity policy
//
//	kind              | OS        | panel     | virtualisation | applications | third-party apps | physical host
//	------------------+-----------+-----------+----------------+--------------+------------------+--------------
//	eol               | critical  | critical¹ | critical       | high         | high             | -
//	extended_support  | medium²   | medium²   | medium²        | medium² / low³| medium²         | -
//	eol_soon          | medium⁴   | medium⁴   | medium⁴        | medium⁴      | medium⁴          | -
//	major_behind      | info      | low       | low            | info         | low              | -
//	patch_behind      | -⁵        | medium    | medium         | medium       | medium           | low (BIOS age)
//	updates_pending   | the highest rating of the advisories fixed (critical, important → high, moderate → medium, low) where repositories rate them (an unrated security fix counts high); else high with security updates; medium when the repositories publish no security data; low otherwise
//	reboot_required   | medium for a newer kernel not running; low when live patches carry its fixes (KernelCare's or Ksplice's effective release at or past it) or only the OS's flag is set
//	unknown_lifecycle | info everywhere
//
//	¹ high when a routine update fixes it (Plesk Obsidian supports each 18.0.x ~12 weeks).
//	² high when the extended window ends within 90 days.
//	³ low for an OS-packaged runtime on an OS in regular support (see below).
//	⁴ low when an extended window (LTS/ESM/ELS) follows the end of regular support.
//	⁵ the OS's point release is judged through updates_pending.
//
// Why: no security fixes at all (eol) on what faces the internet or holds
// every other layer (OS, panel, hypervisor) is an emergency; an EOL
// runtime or CMS is serious but scoped to the sites using it. Extended
// support still gets fixes, if the subscription is in place. A newer major
// while the installed one is supported is planning, not risk. Missing
// patch releases of a supported cycle miss published security fixes.
//
// # Responsibility
//
// Each finding's owner is the matrix cell for its layer and the host's
// tier (rule "matrix/<layer>/<tier>"), except where the model's text
// refines it (rule "refinement/<id>"):
//   - control-panel-maintenance / control-panel-no-maintenance: a panel
//     behind on patches or on its major is the provider's under a
//     maintenance agreement, the customer's without one.
//   - control-panel-os-limit: when the host's OS allows no supported newer
//     major (cPanel stops at 110 on CentOS 7 / CloudLinux 7, 118 on Ubuntu
//     20.04...; an ELS window counts only for the OSes it covers), the
//     panel finding says the OS blocks the upgrade, blocked_by is the OS
//     finding's id and the owner is the OS row's owner, who owns the way
//     out: the provider keeps the panel current only "to the extent the
//     underlying operating system will allow".
//   - third-party-apps: WordPress, Joomla, Drupal and their plugins and
//     themes are always the customer's, even on managed.
//   - customer-managed-virtualisation: the virtualisation layer is the
//     customer's when they manage it (on colocation the matrix already
//     says so).
//   - on the host of a hypervisor distribution (Proxmox VE, XCP-ng,
//     XenServer, ESXi) the operating system is part of the platform and
//     is upgraded with it: its findings (release, updates, reboot) follow
//     the virtualisation layer's owner, not the OS row.
//
// # OS-packaged runtimes
//
// A runtime from the OS's own repositories (PHP instance "system", or any
// application with a package version carrying a distribution revision
// such as "-1ubuntu2.18", "+deb12u1", ".el9_4", "-r2", and no third-party
// marker such as sury, remi, maria~, pgdg or nginx.org's "~codename") on
// an OS that still gets fixes receives the distribution's security
// backports whatever upstream says. demarc then reports an upstream end of
// life as extended_support: severity low, ending with the OS's regular
// support, while the OS is in regular support; medium, ending with the
// OS's extended window (Debian LTS, Ubuntu ESM...), once only that covers
// it. On an OS past all support the upstream verdict stands. A current
// upstream cycle is left to updates_pending (the package version is the
// distribution's, not upstream's). This is a heuristic: a third-party
// build without a known marker is taken as the distribution's (lower
// severity), and RHEL Application Streams may retire before the OS.
//
// # Finding ids
//
// A finding's id is a hash of the host id, kind, layer, product, cycle and
// instance (details instance or path), never of counts, patch versions or
// dates: the same gap keeps its id across scans and tiers.
package rules
