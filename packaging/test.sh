#!/usr/bin/env bash
# packaging/test.sh: CI's packaging check, as root on a Debian/Ubuntu machine.
#
# Builds every package (packaging/build.sh), checks that a second build is
# byte-identical, runs lintian (no errors) on the .debs, lists and checks the
# .rpms and the cross builds, verifies both systemd units and measures their
# exposure (systemd-analyze security --offline), then installs the .debs with
# dpkg and walks an admin's path: scan, config check on the shipped config,
# an enroll secret from the server in /etc/demarc/enroll-secret, the agent
# enrolled (its host key and host id in /var/lib/demarc) and a report
# delivered under the host id the server assigned, a changed config kept
# across an upgrade, remove (data stays), purge (data goes). Then both units run
# under systemd (packaging/test-systemd.sh: PID 1's, or a private one booted
# in a namespace when this is a container).
#
# It installs lintian and rpm with apt-get when they are missing, and purges
# the packages it installed when it exits. Exposure scores and logs are
# written to $ARTIFACTS (default ci-artifacts/packaging).
set -euo pipefail
cd "$(dirname "$0")/.."

AGENT_MAX_EXPOSURE=3.0
SERVER_MAX_EXPOSURE=2.0
DIST=${DIST:-dist}
ARTIFACTS=${ARTIFACTS:-ci-artifacts/packaging}
start=$(date +%s)
step() { printf '\n--- packaging: %s (%ss)\n' "$*" "$(($(date +%s) - start))"; }
fail() {
	printf 'packaging/test.sh: FAIL: %s\n' "$*" >&2
	exit 1
}
want_file() { [ -e "$1" ] || fail "$1 missing"; }
want_gone() { [ ! -e "$1" ] || fail "$1 still there"; }

# wait_dpkg_lock waits (up to 10 minutes) while another process, an apt-get
# on a shared machine, holds dpkg's lock: dpkg itself fails at once.
wait_dpkg_lock() {
	for _ in $(seq 1 600); do
		lslocks -n -o PATH 2>/dev/null | grep -q '^/var/lib/dpkg/lock' || return 0
		sleep 1
	done
}
# free_port prints a loopback TCP port no socket uses, below the ephemeral
# range (32768-60999) so that no outgoing connection takes it meanwhile.
free_port() {
	local p
	for _ in $(seq 1 100); do
		p=$(shuf -i 20000-32000 -n 1)
		[ -z "$(ss -Htan "sport = :$p")" ] && echo "$p" && return 0
	done
	return 1
}
dpkg() {
	wait_dpkg_lock
	command dpkg "$@"
}

[ "$(id -u)" = 0 ] || fail "run as root: it installs packages with dpkg"
mkdir -p "$ARTIFACTS"

server_pid=""
agent_pid=""
cleanup() {
	[ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null || true
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
	dpkg -P demarc demarc-server >/dev/null 2>&1 || true
}
trap cleanup EXIT

step "tools"
missing=""
command -v lintian >/dev/null || missing="$missing lintian"
command -v rpm >/dev/null || missing="$missing rpm"
command -v jq >/dev/null || missing="$missing jq"
command -v curl >/dev/null || missing="$missing curl"
command -v ss >/dev/null || missing="$missing iproute2"
command -v systemd-analyze >/dev/null || missing="$missing systemd"
if [ -n "$missing" ]; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
dpkg -P demarc demarc-server >/dev/null 2>&1 || true # a previous run's leftovers

step "build (packaging/build.sh)"
rm -rf "$DIST"
packaging/build.sh
ver=$(cat "$DIST/VERSION")
deb_agent=$DIST/demarc_${ver}_amd64.deb
deb_server=$DIST/demarc-server_${ver}_amd64.deb
for f in "$deb_agent" "$deb_server" "$DIST/demarc_${ver}_arm64.deb" "$DIST/demarc-server_${ver}_arm64.deb" \
	"$DIST/demarc-$ver-1.x86_64.rpm" "$DIST/demarc-server-$ver-1.x86_64.rpm" \
	"$DIST/demarc-$ver-1.aarch64.rpm" "$DIST/demarc-server-$ver-1.aarch64.rpm" \
	"$DIST/demarc_${ver}_freebsd_amd64.tar.gz"; do
	want_file "$f"
done

step "cross builds: each binary is for its platform"
check_platform() { # binary goos goarch
	local info
	info=$(go version -m "$1")
	grep -q "GOOS=$2\$" <<<"$info" && grep -q "GOARCH=$3\$" <<<"$info" || fail "$1 is not $2/$3"
	grep -q -- '-trimpath=true' <<<"$info" || fail "$1 not built with -trimpath"
	grep -q "CGO_ENABLED=0" <<<"$info" || fail "$1 not built with CGO_ENABLED=0"
}
for arch in amd64 arm64; do
	check_platform "$DIST/stage/$arch/demarc" linux $arch
	check_platform "$DIST/stage/$arch/demarc-server" linux $arch
done
tar -xzf "$DIST/demarc_${ver}_freebsd_amd64.tar.gz" -C "$DIST/stage" "demarc_${ver}_freebsd_amd64/demarc"
check_platform "$DIST/stage/demarc_${ver}_freebsd_amd64/demarc" freebsd amd64

step "reproducible: a second build is byte-identical"
ARCHES=amd64 FREEBSD=0 DIST="$DIST/again" packaging/build.sh 2>/dev/null
for f in "$deb_agent" "$deb_server" "$DIST/demarc-$ver-1.x86_64.rpm" "$DIST/demarc-server-$ver-1.x86_64.rpm"; do
	cmp -s "$f" "$DIST/again/$(basename "$f")" || fail "$(basename "$f") differs between two builds of the same commit"
done
echo "identical: .deb and .rpm of both packages"

step "lintian (no errors; overrides in packaging/lintian/)"
lintian_tmp=$(mktemp -d)
TMPDIR=$lintian_tmp lintian --fail-on error --info --tag-display-limit 0 "$DIST"/*.deb | tee "$ARTIFACTS/lintian.txt"
rm -rf "$lintian_tmp"

step "package contents"
check_list() { # what listing file...
	local what=$1 listing=$2
	shift 2
	for f in "$@"; do
		grep -qxF -- "$f" <<<"$listing" || fail "$what lacks $f"
	done
}
agent_files=(/usr/bin/demarc /usr/lib/systemd/system/demarc-agent.service /usr/lib/sysusers.d/demarc.conf
	/etc/demarc/agent.yaml /usr/share/man/man1/demarc.1.gz /usr/share/man/man1/demarc-agent.1.gz
	/usr/share/man/man1/demarc-scan.1.gz /usr/share/man/man1/demarc-config-check.1.gz
	/usr/share/bash-completion/completions/demarc /usr/share/fish/vendor_completions.d/demarc.fish
	/usr/share/doc/demarc/copyright /usr/share/doc/demarc/changelog.gz)
server_files=(/usr/bin/demarc-server /usr/lib/systemd/system/demarc-server.service
	/usr/lib/sysusers.d/demarc-server.conf /etc/demarc/server.yaml /usr/share/man/man1/demarc-server.1.gz
	/usr/share/man/man1/demarc-server-serve.1.gz /usr/share/man/man1/demarc-server-token-create.1.gz
	/usr/share/bash-completion/completions/demarc-server
	/usr/share/fish/vendor_completions.d/demarc-server.fish /usr/share/doc/demarc-server/copyright)
deb_list() { dpkg-deb -c "$1" | awk '{print $6}' | sed 's|^\./|/|'; }
check_list "$deb_agent" "$(deb_list "$deb_agent")" "${agent_files[@]}" /usr/share/zsh/vendor-completions/_demarc
check_list "$deb_server" "$(deb_list "$deb_server")" "${server_files[@]}" /usr/share/zsh/vendor-completions/_demarc-server
[ "$(dpkg-deb -f "$deb_agent" Version)" = "$ver" ] || fail "deb version"
[ "$(dpkg-deb -I "$deb_agent" conffiles)" = /etc/demarc/agent.yaml ] || fail "agent.yaml is not the demarc conffile"
[ "$(dpkg-deb -I "$deb_server" conffiles)" = /etc/demarc/server.yaml ] || fail "server.yaml is not the demarc-server conffile"
for arch in x86_64 aarch64; do
	for pkg in demarc demarc-server; do
		rpmf=$DIST/$pkg-$ver-1.$arch.rpm
		rpm -qpi "$rpmf" >"$ARTIFACTS/$pkg.$arch.rpm-info.txt" 2>&1
		listing=$(rpm -qpl "$rpmf" 2>/dev/null)
		echo "$listing" >"$ARTIFACTS/$pkg.$arch.rpm-files.txt"
		[ "$(rpm -qp --qf '%{ARCH}' "$rpmf" 2>/dev/null)" = $arch ] || fail "$rpmf: wrong arch"
		if [ $pkg = demarc ]; then
			check_list "$rpmf" "$listing" "${agent_files[@]}" /usr/share/zsh/site-functions/_demarc
			conf=/etc/demarc/agent.yaml
		else
			check_list "$rpmf" "$listing" "${server_files[@]}" /usr/share/zsh/site-functions/_demarc-server
			conf=/etc/demarc/server.yaml
		fi
		grep -q lintian <<<"$listing" && fail "$rpmf ships lintian overrides"
		rpm -qp --qf '[%{FILENAMES} %{FILEFLAGS:fflags}\n]' "$rpmf" 2>/dev/null | grep -qxF "$conf cn" ||
			fail "$rpmf: $conf is not %config(noreplace)"
		rpm -qp --scripts "$rpmf" 2>/dev/null | grep -q 'systemd-sysusers' || fail "$rpmf: no user creation in %pre"
	done
done
rpm -qp --qf '[%{FILENAMES} %{FILEMODES:perms} %{FILEUSERNAME} %{FILEGROUPNAME}\n]' \
	"$DIST/demarc-server-$ver-1.x86_64.rpm" 2>/dev/null | grep -qxF "/etc/demarc/server.yaml -rw-r----- root demarc-server" ||
	fail "rpm: server.yaml is not 0640 root:demarc-server"
echo "rpm -qpl of each package: $ARTIFACTS/*.rpm-files.txt"

step "systemd units: verify and exposure"
dpkg -i "$deb_agent" "$deb_server"
for unit in demarc-agent demarc-server; do
	systemd-analyze verify "/usr/lib/systemd/system/$unit.service" 2>&1 | tee "$ARTIFACTS/$unit.verify.txt"
	[ -s "$ARTIFACTS/$unit.verify.txt" ] && fail "systemd-analyze verify $unit.service printed the problems above"
	systemd-analyze security --offline=true --no-pager "/usr/lib/systemd/system/$unit.service" >"$ARTIFACTS/$unit.security.txt" 2>&1 || true
	grep -E '^✗' "$ARTIFACTS/$unit.security.txt" || true
	score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$ARTIFACTS/$unit.security.txt")
	[ -n "$score" ] || fail "no exposure level for $unit (see $ARTIFACTS/$unit.security.txt)"
	max=$AGENT_MAX_EXPOSURE
	[ $unit = demarc-server ] && max=$SERVER_MAX_EXPOSURE
	echo "EXPOSURE $unit.service: $score (target <= $max)"
	awk -v s="$score" -v m="$max" 'BEGIN { exit !(s <= m) }' || fail "$unit.service exposure $score > $max"
done

step "installed: users, directories, binaries, man pages"
getent passwd demarc >/dev/null || fail "no demarc user"
getent passwd demarc-server >/dev/null || fail "no demarc-server user"
[ "$(stat -c '%U %a' /var/lib/demarc/spool)" = "demarc 700" ] || fail "/var/lib/demarc/spool not demarc 0700"
[ "$(stat -c '%U %a' /var/lib/demarc/metrics)" = "demarc 755" ] || fail "/var/lib/demarc/metrics not demarc 0755"
[ "$(stat -c '%U %a' /var/lib/demarc-server)" = "demarc-server 750" ] || fail "/var/lib/demarc-server not demarc-server 0750"
[ "$(stat -c '%U %G %a' /etc/demarc/server.yaml)" = "root demarc-server 640" ] || fail "server.yaml not root:demarc-server 0640"
v=$(demarc version)
echo "$v"
grep -qF "demarc $(cat "$DIST/BINARY_VERSION") " <<<"$v" || fail "demarc version is not the stamped one"
demarc-server version
zcat /usr/share/man/man1/demarc-agent.1.gz | grep -q '^\.TH "DEMARC-AGENT" "1"' || fail "demarc-agent(1) header"

step "installed demarc scan and config check on the shipped config"
demarc scan >"$ARTIFACTS/installed-scan.txt" || fail "demarc scan exit $?"
head -n 5 "$ARTIFACTS/installed-scan.txt"
demarc scan --config /etc/demarc/agent.yaml --format json | jq -e '.schema == "demarc.report/v1"' >/dev/null ||
	fail "demarc scan --config /etc/demarc/agent.yaml: no v1 report"
demarc config check --config /etc/demarc/agent.yaml | tee "$ARTIFACTS/config-check-shipped.txt"
grep -q ': ok$' "$ARTIFACTS/config-check-shipped.txt" || fail "the shipped agent.yaml does not pass config check"
grep -q '^warning' "$ARTIFACTS/config-check-shipped.txt" && fail "the shipped agent.yaml gives a warning on a fresh install"

step "the admin's path: an enroll secret, the agent pointed at the server, enrolled, one report delivered"
# The server and the agent run with the users and capabilities of their
# units (setpriv execs, so $! is the daemon itself).
as_server=(setpriv --reuid demarc-server --regid demarc-server --init-groups --inh-caps -all --bounding-set -all --)
# shellcheck disable=SC2054 # the commas belong to --bounding-set
as_agent=(setpriv --reuid demarc --regid demarc --init-groups --inh-caps +dac_read_search
	--ambient-caps +dac_read_search --bounding-set -all,+dac_read_search --)
# A free loopback port below the ephemeral range: other servers may run on
# this machine, so a port taken in between means another try.
PORT=""
for _ in $(seq 1 5); do
	p=$(free_port)
	sed -i "s/^listen: .*/listen: 127.0.0.1:$p/" /etc/demarc/server.yaml
	"${as_server[@]}" /usr/bin/demarc-server --config /etc/demarc/server.yaml serve \
		>"$ARTIFACTS/server.out" 2>"$ARTIFACTS/server.log" &
	server_pid=$!
	for _ in $(seq 1 50); do
		kill -0 "$server_pid" 2>/dev/null || break
		curl -fsS "http://127.0.0.1:$p/healthz" >/dev/null 2>&1 && PORT=$p && break
		sleep 0.2
	done
	[ -n "$PORT" ] && break
	kill "$server_pid" 2>/dev/null || true
	wait "$server_pid" 2>/dev/null || true
	server_pid=""
done
[ -n "$PORT" ] || fail "demarc-server did not come up (see $ARTIFACTS/server.log)"
srv() { "${as_server[@]}" demarc-server --config /etc/demarc/server.yaml "$@"; }
# docs/INSTALL.md: an enroll secret for the tenant, on the host readable by
# root and the agent only; report.enroll_secret_file is the default.
enroll_secret=$(srv enroll-secret create --tenant ci --name packaging-test --expires 1d)
case $enroll_secret in dme_*) ;; *) fail "enroll-secret create printed no dme_ secret" ;; esac
viewer_token=$(srv token create --tenant ci --role viewer --name packaging-test)
install -m 0600 -o root -g demarc /dev/null /etc/demarc/enroll-secret
echo "$enroll_secret" >/etc/demarc/enroll-secret
sed -i -e 's|^#report:$|report:|' -e "s|^#  url: .*|  url: http://127.0.0.1:$PORT/api/v1/reports|" /etc/demarc/agent.yaml
demarc config check --config /etc/demarc/agent.yaml | tee "$ARTIFACTS/config-check-configured.txt"
grep -q "reports: *http://127.0.0.1:$PORT/api/v1/reports" "$ARTIFACTS/config-check-configured.txt" || fail "config check does not show the server"
grep -q "enrolled: *no, will enroll with /etc/demarc/enroll-secret" "$ARTIFACTS/config-check-configured.txt" ||
	fail "config check does not say the agent will enroll with /etc/demarc/enroll-secret"
"${as_agent[@]}" demarc agent --config /etc/demarc/agent.yaml 2>"$ARTIFACTS/agent.log" &
agent_pid=$!
hosts=""
for _ in $(seq 1 120); do
	hosts=$(curl -fsS -H "Authorization: Bearer $viewer_token" "http://127.0.0.1:$PORT/api/v1/hosts" 2>/dev/null || true)
	[ -n "$hosts" ] && jq -e '(.hosts // .Hosts) | length > 0' >/dev/null 2>&1 <<<"$hosts" && break
	hosts=""
	sleep 0.5
done
[ -n "$hosts" ] || fail "the agent's report did not reach the server (see $ARTIFACTS/agent.log, server.log)"
echo "the server lists the host: $(jq -c . <<<"$hosts" | cut -c1-200)"
kill -TERM "$agent_pid"
wait "$agent_pid" || fail "the agent did not stop cleanly on SIGTERM"
agent_pid=""
ls /var/lib/demarc/metrics/demarc.prom >/dev/null || fail "no metrics textfile"
# Enrolled: the host key, host id and record are the agent's own (0600),
# the host id is the server's, and the report is stored under it.
for f in host-key host-id enrollment.json; do
	[ "$(stat -c '%U %a' "/var/lib/demarc/$f")" = "demarc 600" ] || fail "/var/lib/demarc/$f is not demarc 0600"
done
host_id=$(cat /var/lib/demarc/host-id)
grep -qxE '[0-9a-f]{32}' <<<"$host_id" || fail "host id '$host_id' is not 32 lowercase hex"
jq -e --arg id "$host_id" '[(.hosts // .Hosts)[].host_id] == [$id]' >/dev/null <<<"$hosts" ||
	fail "the server's host is not the enrolled host $host_id: $(jq -c '[(.hosts // .Hosts)[].host_id]' <<<"$hosts")"
grep -q '"enrolled: reports are posted with this host' "$ARTIFACTS/agent.log" || fail "the agent did not log its enrollment"
grep -q 'demarc_agent_enrolled{state="enrolled"} 1' /var/lib/demarc/metrics/demarc.prom || fail "the metrics textfile does not say enrolled"
demarc config check --config /etc/demarc/agent.yaml | tee "$ARTIFACTS/config-check-enrolled.txt"
grep -q "enrolled: *yes, as host $host_id in tenant ci" "$ARTIFACTS/config-check-enrolled.txt" || fail "config check does not show the enrollment"
echo "enrolled as host $host_id; its report is stored under that id"
kill -TERM "$server_pid"
wait "$server_pid" || true
server_pid=""

step "upgrade keeps the changed config"
sum=$(sha256sum </etc/demarc/agent.yaml)
VERSION=v999.0.0 PACKAGES=demarc ARCHES=amd64 FORMATS=deb FREEBSD=0 DIST="$DIST/upgrade" packaging/build.sh 2>/dev/null
dpkg -i "$DIST/upgrade/demarc_999.0.0_amd64.deb"
[ "$(dpkg-query -W -f '${Version}' demarc)" = 999.0.0 ] || fail "upgrade did not happen"
[ "$(sha256sum </etc/demarc/agent.yaml)" = "$sum" ] || fail "the upgrade changed the admin's agent.yaml"
want_file /etc/demarc/enroll-secret
want_file /var/lib/demarc/host-key
want_file /var/lib/demarc/metrics/demarc.prom

step "remove keeps data and config; purge deletes them"
dpkg -r demarc demarc-server
want_gone /usr/bin/demarc
want_gone /usr/bin/demarc-server
want_gone /usr/lib/systemd/system/demarc-agent.service
for f in /etc/demarc/agent.yaml /etc/demarc/server.yaml /etc/demarc/enroll-secret /var/lib/demarc/host-key /var/lib/demarc/host-id \
	/var/lib/demarc/spool /var/lib/demarc/metrics/demarc.prom /var/lib/demarc-server/demarc.db; do
	want_file "$f"
done
dpkg-query -W -f '${db:Status-Abbrev}\n' demarc | grep -q '^rc' || fail "demarc is not in state config-files after remove"
echo "after remove:"
ls -la /etc/demarc /var/lib/demarc /var/lib/demarc-server
dpkg -P demarc demarc-server
for f in /etc/demarc /var/lib/demarc /var/lib/demarc-server /etc/systemd/system/demarc-agent.service /etc/systemd/system/demarc-server.service; do
	want_gone "$f"
done
dpkg-statoverride --list /etc/demarc/server.yaml >/dev/null && fail "statoverride left after purge"
echo "after purge: /etc/demarc, /var/lib/demarc and /var/lib/demarc-server are gone; the system users demarc and demarc-server stay (Debian practice)"
for f in $(deb_list "$deb_agent") $(deb_list "$deb_server"); do
	case $f in */) ;; *) want_gone "$f" ;; esac
done

step "both units under systemd"
ARTIFACTS=$ARTIFACTS packaging/test-systemd.sh "$deb_agent" "$deb_server" "$DIST/upgrade/demarc_999.0.0_amd64.deb"

trap - EXIT
cleanup
step "ok"
