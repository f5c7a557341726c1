#!/usr/bin/env bash
# Builds an RPM-family test root for docs/PERFORMANCE.md's RPM section: 700 installed
# packages (rpm --justdb, sqlite), a file:// repository of 3,821 packages of which 121 update
# installed ones, an updateinfo.xml with 60 security advisories, and the cache dnf makecache
# fills. Needs rpm, rpmbuild, createrepo_c, modifyrepo_c and dnf (Debian packages).
set -e
W="${1:?usage: bench/rpmroot.sh DIR (an empty directory)}"; mkdir -p "$W"; W=$(cd "$W" && pwd); cd "$W"
gen() { # spec name, release, first and last subpackage number, subpackage prefix
  { printf 'Name: %s\nVersion: 1.0\nRelease: %s\nSummary: t\nLicense: MIT\n%%description\nt\n%%files\n' "$1" "$2"
    for i in $(seq -f %04g $3 $4); do printf '%%package -n %s%s\nSummary: s\n%%description -n %s%s\ns\n%%files -n %s%s\n' "$5" $i "$5" $i "$5" $i; done; } > $1-$2.spec
  rpmbuild -bb --quiet --define "_topdir $W/top-$1-$2" --define "_build_id_links none" --target x86_64 $1-$2.spec
}
gen inst 1 0 699 p      # 700 installed
gen inst 2 0 119 p      # 120 of them newer
gen fill 1 0 2999 q     # 3000 others in the repository
mkdir -p root/var/lib/rpm repo
rpm --dbpath $W/root/var/lib/rpm -i --justdb --nodeps --noscripts --notriggers top-inst-1/RPMS/x86_64/*.rpm
cp top-inst-1/RPMS/x86_64/*.rpm top-inst-2/RPMS/x86_64/*.rpm top-fill-1/RPMS/x86_64/*.rpm repo/
createrepo_c -q repo
{ echo '<updates>'; for i in $(seq -f %04g 0 59); do echo "<update type=\"security\"><id>P-$i</id><severity>Important</severity><references><reference type=\"cve\" id=\"CVE-2026-$i\"/></references><pkglist><collection><package name=\"p$i\" epoch=\"0\" version=\"1.0\" release=\"2\" arch=\"x86_64\"/></collection></pkglist></update>"; done; echo '</updates>'; } > updateinfo.xml
modifyrepo_c --mdtype=updateinfo updateinfo.xml repo/repodata
mkdir -p root/etc/dnf/vars root/etc/yum.repos.d home
printf '[main]\ngpgcheck=0\n' > root/etc/dnf/dnf.conf
echo 9 > root/etc/dnf/vars/releasever
printf 'NAME="Rocky Linux"\nID="rocky"\nVERSION_ID="9.3"\nPRETTY_NAME="Rocky Linux 9.3"\nID_LIKE="rhel centos fedora"\n' > root/etc/os-release
printf '[perf]\nname=perf\nbaseurl=file://%s/repo\ngpgcheck=0\n' $W > root/etc/yum.repos.d/perf.repo
echo '%_dbpath /var/lib/rpm' > home/.rpmmacros
HOME=$W/home dnf -q --installroot=$W/root makecache
echo perf01 > root/etc/hostname
# The same root with versionlock enabled: the native path cannot decide, so dnf is asked.
cp -a root rootdnf
mkdir -p rootdnf/etc/dnf/plugins
printf '[main]\nenabled=1\n' > rootdnf/etc/dnf/plugins/versionlock.conf
