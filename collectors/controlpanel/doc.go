// Package controlpanel detects web-hosting control panels and reports each
// one it finds as a component of layer control_panel, with the version as
// the panel's own files state it. It observes; whether a panel is behind or
// whose it is to patch is the rules' business.
//
// Panels and what is read (all through the host root, each file capped):
//
//   - cPanel & WHM (product "cpanel"): /usr/local/cpanel/version, one line
//     "11.<major>.<minor>.<build>" (the 3-part "<major>.<minor>.<build>" is
//     accepted too) validated strictly; details major (the leading "11." is
//     a frozen parent and is dropped). /etc/cpupdate.conf (KEY=value):
//     CPANEL= gives tier (a named tier, or the pin as written, with pinned
//     "true" and pin_major), UPDATES= gives updates. Unknown keys are
//     ignored; lines that are not KEY=value give a note.
//     /etc/cpanel/TIERS.json, when present, gives tiers_json_mtime: the tier
//     data is only as fresh as that file.
//   - Plesk ("plesk"): /usr/local/psa/version, else /opt/psa/version:
//     "<version> <OS name...> <OS version> <build>"; version is field 1, the
//     OS and build are taken from the right because OS names may have
//     spaces. Its subscriptions become host accounts (plesk_accounts.go):
//     each directory of /var/www/vhosts/system/ is a domain, whose
//     conf/httpd.conf (last_httpd.conf before) gives DocumentRoot and the
//     SuexecUserGroup user, and whose PHP-FPM pool <domain>.conf, in
//     /opt/plesk/php/X.Y/etc/php-fpm.d (instance plesk-phpXY) or Debian's
//     /etc/php/X.Y/fpm/pool.d (system-X.Y), gives the system user and the
//     PHP; domains are grouped by system user. Plesk's database and CLI
//     are not used.
//   - DirectAdmin ("directadmin"): present when
//     /usr/local/directadmin/directadmin exists. On a live scan only, runs
//     "/usr/local/directadmin/directadmin version" and, if that gives no
//     version, the legacy "/usr/local/directadmin/directadmin v" (fixed
//     argv, no shell, 10 s timeout); otherwise /usr/local/directadmin/version
//     when it exists (unverified path). update_channel= from
//     /usr/local/directadmin/conf/directadmin.conf gives channel.
//   - Webmin ("webmin"): /usr/share/webmin/version, /usr/libexec/webmin/version,
//     then /etc/webmin/version (program directories first: /etc/webmin is
//     configuration and survives a package removal); the package database
//     (package webmin) when no file can be read.
//   - Virtualmin ("virtualmin"): version= of
//     <webmin root>/virtual-server/module.info, else the package
//     webmin-virtual-server or wbm-virtual-server.
//   - CyberPanel ("cyberpanel"): the VERSION and BUILD constants at the top
//     of /usr/local/CyberCP/baseTemplate/views.py, matched by regular
//     expression; the file is never executed.
//   - ISPConfig ("ispconfig"): the ISPC_APP_VERSION line of
//     /usr/local/ispconfig/{server,interface}/lib/config.inc.php. That file
//     holds database credentials: only the version is kept, nothing else of
//     it is logged, stored or quoted in errors.
//   - InterWorx ("interworx"): the rpm.release line of
//     /usr/local/interworx/iworx.ini, which also holds database passwords:
//     only that value is kept.
//   - Panels added since (one file each: hestia.go, cloudpanel.go, ...) say
//     what they read, and why, in the comment at the top of their file; the
//     catalogue (catalog/catalog.yaml, docs/COMPONENTS.md) lists them all.
//
// Privileges: none for cPanel, Plesk, CyberPanel and the program-directory
// Webmin files; Plesk's per-domain conf/ (root:psaserv 750), /etc/webmin, ISPConfig's config.inc.php, iworx.ini and
// directadmin.conf are often root-only. A file that exists but cannot be
// read is reported as a note ("permission denied"), never as "not
// installed", and the panel is still reported with an empty version.
//
// Not detected means none of the marker files and directories above exist
// under the root: a normal, empty result. A marker that exists with a
// version file that is junk, binary, larger than its cap or not a regular
// file gives an error entry and a component with an empty version.
package controlpanel
