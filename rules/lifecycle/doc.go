// Package lifecycle is demarc's release-lifecycle knowledge: which release
// cycle an installed version belongs to, where that cycle stands on a
// date, and the newest cycle and patch a host could move to.
//
// # Data
//
// data/lifecycle.json is generated (go generate ./rules/...) by
// internal/gen from the raw copies in source/: endoflife.date's product
// pages and release-data (MIT; licences beside them) and demarc's vendor
// compilation for cPanel, CloudLinux, DirectAdmin, Webmin and Virtuozzo.
// source/demarc.yaml names the upstream commits and snapshot dates and
// every per-product decision; each product in the output keeps its source,
// files and checked date, and each cycle lists what demarc derived and
// why. A test fails when the committed file is not what the generator
// produces. The dataset's snapshot date is the OLDEST source date; past
// StaleAfter (180 days) at the evaluation date the data is stale.
//
// # Reading the fields
//
//   - eol is the end of regular (security) support, eoes the end of the
//     extended window (Ubuntu ESM, Debian LTS, RHEL ELS, SLES LTSS,
//     CloudLinux and cPanel ELS), eoas the end of active (bug-fix) support,
//     which does not change the state. Each is a date, false (no date
//     announced: still running), true (over, date unknown) or absent. A
//     vendor null ("not found") stays absent and gives StateUnknown, unlike
//     endoflife.date's false.
//   - Dates are the LAST day something applies: a cycle whose eol is
//     2026-07-11 is supported on that day and past it on 2026-07-12.
//   - Month-precision vendor dates ("2026-08") mean the last day of that
//     month, both for ends and for releases: nothing is called ended, or
//     released, before the vendor's month is over.
//   - lts may be a date; it only marks the cycle LTS.
//   - release-data gives every dated version; a cycle's latest on a date is
//     the newest version released by then (so --at in the past does not
//     see later releases). Undated latest builds (cPanel) count always.
//
// # States on a date
//
// StateEOL past the end of all support; StateExtended past regular support
// and inside the extended window; StateEOLSoon within SoonDays (90; Plesk
// 14, whose updates live ~12 weeks) of the end of regular support;
// StateCurrent otherwise; StateUnknown when the data cannot say. A version
// in no listed cycle is StateCurrent when newer than every cycle (the data
// is older than the release), StateEOL when older than a cycle that is
// itself past its end of life (support does not come back: Plesk 18.0.40,
// cPanel 88, an odd cPanel development build), StateUnknown otherwise.
// Channel products (DirectAdmin, Webmin) have no dated end of life: only
// the newest build of the channel is supported, so older builds are behind.
//
// # Versions
//
// ParseVersion normalises per product (cPanel 11.118.0.15 → 118.0.15,
// SLES 15-SP5 → 15.5, DirectAdmin 1.62.9 → 1.629, ESXi 7.0 Update 3 →
// 7.0.3) and orders with hashicorp/go-version. A cycle is matched by
// numeric segment prefix, longest first: PHP 8.3.14 → 8.3, PostgreSQL
// 9.6.24 → 9.6 but 16.2 → 16, MariaDB 10.11.6 → 10.11, Ubuntu 22.04 →
// 22.04, RHEL-likes 9.4 → 9, Alpine 3.19.1 → 3.19, Amazon Linux 2023.5.x
// → 2023, Plesk 18.0.66.2 → 18.0.66, Proxmox VE 8.3.5 → 8. Junk ("11.x",
// "", "9999999999999999999", over 64 characters) is an error wrapping
// ErrBadVersion, never a panic.
//
// # Operating-system ceilings
//
// cPanel lists the OSes each major supports. BestForOS is the newest major
// still supported for a host's OS on a date, OSCeiling the newest ever
// documented (110 for CentOS 7 / CloudLinux 7, 118 for Ubuntu 20.04, 134
// for Ubuntu 22.04 and Rocky Linux). A minimum point release stated once
// (EL9 ≥ 9.5 from 132) is carried to later majors, and an ELS window only
// covers the OSes marked ELS.
//
//go:generate go run ./internal/gen -src source -out data/lifecycle.json
package lifecycle
