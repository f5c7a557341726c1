// Package packages is the packages collector: pending OS package updates,
// computed from the package manager's own files where that is certain
// (dnf 4: internal/repomd) and otherwise asked of the host's own package
// manager, without touching the network, without taking locks and, where
// possible, without root.
//
// # What it detects
//
// Report.Updates: the manager, how many installed packages have a newer
// candidate (Count), how many of those fix security issues
// (SecurityCount), whether the repositories publish security metadata at
// all, the age of the repository metadata the answer rests on, and each
// package (name, arch, installed, candidate, origin, security, phased),
// ordered by name.
//
// Count is the number of installed packages with a newer candidate:
// upgrades, plus packages apt keeps back (held, or needing a removal) and
// phased updates apt defers, because those are still behind. Count always
// equals len(Packages). New packages a dist-upgrade would pull in (a new
// kernel ABI package) and packages it would remove are not updates; the
// native apt evaluation does not resolve dependencies and cannot see them,
// so no note names them any more (the apt-get fallback still notes them).
//
// # Which manager, from which files
//
// The manager is chosen from the root's files, never from the scanning
// machine's binaries: /var/lib/dpkg/status and /etc/apt (apt), /etc/dnf
// (dnf; dnf5 when /usr/bin/dnf links to dnf5), /etc/yum.conf (yum),
// /etc/zypp (zypper), /lib/apk/db/installed (apk). Metadata age is the
// newest mtime of /var/lib/apt/lists/*_InRelease, the cached repomd.xml
// files (/var/cache/dnf, /var/cache/libdnf5, /var/cache/yum,
// /var/cache/zypp/raw) or /var/cache/apk/APKINDEX.*.tar.gz; -1 if none.
//
// # apt: natively first, the simulation as the fallback
//
// Native (internal/aptpolicy): the pending updates are computed from the
// files apt itself reads, running nothing: /var/lib/dpkg/status (installed
// versions, holds), /var/lib/dpkg/arch, /etc/apt/sources.list(.d) (which
// lists apt reads, in its order), /var/lib/apt/lists/*_Packages (plain,
// .lz4, .gz, .xz, .bz2, .lzma) with their suite's InRelease or Release
// (Origin, Label, Suite, Codename, Version, NotAutomatic,
// ButAutomaticUpgrades), /etc/apt/preferences(.d) pins, and apt's candidate
// policy (pkgPolicy::GetCandidateVer: 500, 100 installed and
// ButAutomaticUpgrades, 1 NotAutomatic, pins by release, origin, version,
// name, glob, regex and src:, the highest priority then the highest
// version, older versions only at 1000 or more). Source: "native: dpkg
// status + N apt lists". Each upgrade's origin is what apt-get -s prints
// ("Debian:12.8/oldstable, Debian-Security:12/oldstable-security", apt's
// VerIterator::RelStr), a held package's what apt list prints (the
// archives), as the simulation path reports kept-back packages. What the
// native path cannot decide falls back to apt-get, with a note saying why:
// an apt.conf key that changes the policy or the files (APT::Default-Release,
// architectures, phasing options, Dir::State, Dir::Etc, pins), a pin type or
// expression it does not model, a phased candidate (Phased-Update-Percentage
// below 100: apt's phasing rule depends on its version and configuration),
// a flat repository, a list without its Release file or compressed with
// zstd, no list at all, an unreadable file. Known difference: a package apt's
// resolver keeps back (a pin that breaks a dependency) is reported pending
// as by the simulation path, but with the upgrade's origin form, since the
// native path does not resolve dependencies. Measured on the Debian 12 build
// machine (788 installed, 131 pending, lists LZ4-compressed): the whole scan
// 0.12 s median and 26 MB peak RSS, against 2.6 s and 73 MB with apt-get
// (docs/PERFORMANCE.md). Cross-checked against the real apt-get on that
// machine and on debootstrapped bullseye, bookworm and trixie roots with
// older versions, a hold and pins (collectors/packages aptcross_test.go).
//
// The fallback command: apt-get -o Debug::NoLocking=true -o
// Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o Dir::Log::Planner= -o
// Dir::Log::History= -o Dir::Log::Terminal= -o
// APT::Get::Show-User-Simulation-Note=false -s -q -V dist-upgrade (the
// options: see "Writing nothing"). Measured on the Debian 12 build machine
// (2 vCPU, ~700 packages, 126 pending, hyperfine, 8 runs): the simulation
// takes 2.4–2.6 s and 83 MB peak RSS; `apt list --upgradable` 0.86 s and
// 54 MB (0.27 s when apt may keep /var/cache/apt/pkgcache.bin, which this
// machine's Docker-style apt.conf disables; the simulation stays at 2.4 s
// with it, its time is the resolver and the ordering). -qq and -q cost the
// same; `upgrade` is no cheaper than `dist-upgrade`. On that machine both
// list the same 126 packages, 75 of them security.
//
// apt list is three times cheaper than the simulation but not truthful
// enough: it prints archives, not release labels, so Debian ≤ 10 security
// updates (label Debian-Security, archive "oldoldstable") cannot be told
// from ordinary ones; it cannot say which updates Ubuntu's phasing defers;
// and its output is explicitly unstable. The simulation prints
// "Label:Version/Archive" for every candidate, marks phased and kept-back
// packages in its lists, and ends with a summary the parser checks its
// counts against. So on the fallback path the simulation is the source, and
// apt list serves twice: once, for kept-back and phased packages only (no
// Inst line names their origin), and as the fallback when apt-get refuses to
// simulate (broken dependencies, exit 100), with a note.
//
// Security on apt (both paths): any source whose label is Debian-Security or whose
// archive ends in -security (bookworm-security, noble-security, Ubuntu ESM's
// noble-infra-security and noble-apps-security). SecurityDataAvailable is
// true when apt holds the index of a security archive (a list file named
// *security*). Debian's apt 2.6 shows phased updates as kept back; Ubuntu's
// apt 2 ("deferred due to phasing") and apt 3 ("Not upgrading yet due to
// phasing") are reported Phased.
//
// # dnf natively
//
// dnf 4 (not dnf5) is first evaluated without running anything
// (internal/repomd): the root's /etc/dnf/dnf.conf, /etc/dnf/vars and
// /etc/yum.repos.d/*.repo, each enabled repository's cache directory
// /var/cache/dnf/<repoid>-<libdnf's hash of its URL>/repodata (repomd.xml,
// primary.xml and updateinfo.xml, gz, xz, zst or bz2) and the installed
// packages (internal/pkgdb, which reads the RPM database itself), with
// dnf's rules for check-update (excludes and includes, repository
// priority, the upgrade arch rule, latest per name.arch) and for
// updateinfo list --security. Each package carries its security
// advisories' ids and highest severity. Source then reads "dnf's cached
// repository metadata, evaluated natively (<repositories>)". Where that
// evaluation cannot decide with certainty (no repository configuration;
// an unknown variable in a URL; no cache for an enabled repository, or
// solv files only; versionlock enabled; installed packages a repository's
// modules.yaml ships, since module filtering is dnf's; an available
// package obsoleting another installed one; options that move where dnf
// looks), dnf is run as below and its Source ends with "(asked dnf:
// <why>)". Cross-checked in CI against the real dnf on rpmbuild fixtures
// (crossrpm_test.go): every package, candidate, repository, security flag,
// advisory id and severity agrees. Without dnf on the scanning machine, a
// root the native path cannot decide is ErrNotApplicable, as before, with
// the reason in the error.
//
// # dnf, yum
//
// dnf -q -C check-update (dnf5: check-upgrade --json, falling back to its
// text), yum -q -C check-update: exit 100 means updates, 0 none, anything
// else is ErrManagerFailed. -C runs from the system cache only. Installed
// versions come from the shared package database (internal/pkgdb: read
// natively, rpm only where it cannot). yum (EL7: its cache is sqlite
// primary_db) and dnf5 are always asked. Security: dnf -q -C
// updateinfo list --security (yum: updateinfo list security), only when a
// cached repomd.xml lists updateinfo; CentOS 7 and some mirrors publish
// none, so SecurityDataAvailable is false there rather than a misleading 0.
//
// # zypper
//
// zypper --non-interactive --no-refresh --xmlout list-updates and
// list-patches --category security, with ZYPP_READONLY_HACK=1 so that
// libzypp opens its database read-only instead of taking the zypp lock.
// Exit codes 100–104, 106 and 107 are results, not failures (106: stale
// repositories, noted). zypper's security metadata is per patch and its
// list commands do not say which packages a patch updates, so on zypper
// SecurityCount counts needed security patches. Which packages they
// update comes from the patches' own updateinfo, read natively from
// libzypp's raw cache (/var/cache/zypp/raw/<alias>/repodata: repomd.xml
// and the updateinfo it lists; libzypp's RepoManager keeps each
// repository's downloaded metadata there, its default metadatadir): a
// pending package that a needed security patch updates (libsolv's rule:
// name, arch or noarch, newer than installed, not newer than the
// candidate) is marked Security, with the patches' ids, highest severity
// and CVEs. No updateinfo there: no package is marked; one that does not
// read is an error of the result, the packages still reported.
//
// # apk
//
// apk --no-network list --upgradable, falling back to apk --no-network
// version -l '<'. Alpine keeps no security metadata on the host:
// SecurityDataAvailable is false.
//
// # Another root
//
// With --root other than "/", the manager's own alternate-root option is
// used: apt -o Dir=<root> -o Dir::State::status=<root>/var/lib/dpkg/status
// (checked against a copy of a Debian 12 machine's /var/lib/apt,
// /var/lib/dpkg and /etc/apt: identical output; the root's apt.conf.d is
// not read, its sources and preferences are); dnf and yum --installroot;
// zypper --root; apk --root. The binary runs from the scanning machine:
// when it has none (a RHEL image scanned from Debian) and the native dnf
// evaluation cannot decide, the collector returns an error wrapping
// collectors.ErrNotApplicable. A dnf 4 root the native path decides needs
// no dnf on the scanning machine at all.
//
// # Writing nothing, running nothing of the root's
//
// A scan writes nothing into the scanned root, nor through a symlink in it,
// nor (for apt and zypper's logs) into the live host's /var/log. What a
// manager insists on writing goes to a private directory the collector
// creates (mode 0700, under the scanning machine's TMPDIR) and removes
// after the run; reports name it "[private]". Each call:
//
//   - apt-get -s and apt list: Debug::NoLocking=true (no lock files);
//     Dir::Cache::pkgcache= and Dir::Cache::srcpkgcache= (the binary cache
//     is built in memory, not written to /var/cache/apt); Dir::Log::Planner=
//     (apt wrote var/log/apt/eipp.log.xz on every simulation, removing and
//     recreating it, so a root whose /var/log is a symlink had it written
//     outside the root), Dir::Log::History= and Dir::Log::Terminal= (empty:
//     off). These are on the command line, which outranks every apt.conf.
//     APT_CONFIG names a private apt.conf whose Dir::Log is the private
//     directory, for any log a newer apt adds. Live and other roots alike.
//     apt reads the scanning machine's apt.conf.d, never the root's, so the
//     root cannot set Dir::Bin::dpkg (run at start-up) or hooks.
//   - dnf (4) under another root: --noplugins (no plugin loads, whatever
//     pluginpath or pluginconfpath the root's dnf.conf names);
//     --setopt=cachedir=, logdir= and persistdir= in the private directory
//     (dnf writes its four logs, metadata_lock.pid and solv files there even
//     with -C); the cache is a directory of symlinks to the root's cached
//     repositories, which dnf only reads. dnf prefixes these options with
//     the installroot, so each is a climb from the root's real path to "/"
//     ("/../.."). The RPM database is a private copy, named by _dbpath in
//     the .rpmmacros of a private HOME (Debian's rpm defaults to ~/.rpmdb,
//     which dnf created inside the root, reporting nothing installed). The
//     root's dnf.conf, repositories, variables and module state are read as
//     data; the command line outranks the dnf.conf. On the live host, only
//     logdir moves to the private directory.
//   - yum (not in Debian, not run by the tests): --noplugins under another
//     root. dnf5 (not in Debian 12): unchanged.
//   - zypper: ZYPP_LOGFILE (zypper.log) and ZYPPTMPDIR (zypp.* temporary
//     directories) in the private directory; under another root ZYPP_CONF
//     names a private zypp.conf with only the root's solver.* and
//     multiversion keys (the root's own would choose pluginsdir, whose
//     executables libzypp runs, cachedir and logs). Known remaining write:
//     libzypp opens the root's RPM database itself (it sets _dbpath from what
//     it finds under --root), so sqlite touches rpmdb.sqlite-shm there.
//   - rpm (internal/pkgdb, only where internal/rpmdb cannot read the
//     database: two backends' files, a damaged file): another root's
//     database is copied into a private directory and queried there: rpm opens even a database it
//     only queries read-write (sqlite's -wal and -shm) and creates one where
//     none is.
//   - apk: --no-network only; apk is not in Debian and is not run by the
//     tests.
//
// # Privileges and failure
//
// apt (native or not) and apk need no root. The native apt path needs no
// apt binary either: a Debian root is evaluated from any machine. dnf, yum and zypper read their system cache,
// readable by root on most hosts. Each command runs with a 90 s timeout; a
// hang, a missing binary, a non-zero exit or output of an unexpected shape
// is a collector error and no counts are reported from it, never a panic.
//
// "Not detected" (no supported manager's files under the root) is a normal
// empty result: no Updates, no error.
package packages
