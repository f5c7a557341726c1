#!/usr/bin/env bash
# packaging/test-systemd.sh AGENT.deb SERVER.deb UPGRADE-AGENT.deb
#
# Runs both units under systemd with their real sandboxes, following
# docs/INSTALL.md: install, `systemctl enable --now`, a scan, a reload, the
# watchdog, an enroll secret created on the server and installed as
# /etc/demarc/enroll-secret, the agent pointed at the server, enrolled (its
# host key and host id in its StateDirectory) and a report delivered under
# the host id the server assigned, an upgrade that restarts the agent, and a
# purge that stops both.
#
# Where systemd is PID 1 it uses that systemd. In a container without it (CI),
# it boots a private systemd as PID 1 of a new PID and mount namespace
# (unshare; needs a privileged container) with a target that starts nothing
# but journald: the host's services are untouched, /run is private, the
# journal volatile. If that cannot boot, it says so and exits 0: the units
# were still checked by systemd-analyze in packaging/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
deb_agent=$1 deb_server=$2 deb_upgrade=$3
ARTIFACTS=${ARTIFACTS:-ci-artifacts/packaging}
fail() {
	printf 'packaging/test-systemd.sh: FAIL: %s\n' "$*" >&2
	exit 1
}
# wait_dpkg_lock waits (up to 10 minutes) while another process, an apt-get
# on a shared machine, holds dpkg's lock: dpkg itself fails at once.
wait_dpkg_lock() {
	for _ in $(seq 1 600); do
		lslocks -n -o PATH 2>/dev/null | grep -q '^/var/lib/dpkg/lock' || return 0
		sleep 1
	done
}

target=/etc/systemd/system/demarc-packaging-test.target
journald_conf=/etc/systemd/journald.conf.d/zz-demarc-packaging-test.conf
init_pid=""
sd=()
cleanup() {
	if [ -n "$init_pid" ]; then
		wait_dpkg_lock
		"${sd[@]}" dpkg -P demarc demarc-server >/dev/null 2>&1 || true
		kill -KILL "$init_pid" 2>/dev/null || true
		# PrivateTmp directories that the killed systemd could not remove.
		rm -rf /tmp/systemd-private-*-demarc-agent.service-* /tmp/systemd-private-*-demarc-server.service-* \
			/var/tmp/systemd-private-*-demarc-agent.service-* /var/tmp/systemd-private-*-demarc-server.service-*
	fi
	rm -f "$target" "$journald_conf" "${canary:-}"
	rmdir --ignore-fail-on-non-empty "$(dirname "$journald_conf")" 2>/dev/null || true
}
trap cleanup EXIT

if [ "$(ps -p 1 -o comm= 2>/dev/null)" = systemd ] && [ -d /run/systemd/system ]; then
	echo "systemd is PID 1: testing the units with it"
elif command -v unshare >/dev/null && [ -x /lib/systemd/systemd ]; then
	printf '[Unit]\nDescription=demarc packaging test\nDefaultDependencies=no\nWants=systemd-journald.service\n' >"$target"
	mkdir -p "$(dirname "$journald_conf")"
	printf '[Journal]\nStorage=volatile\n' >"$journald_conf"
	virt=$(systemd-detect-virt --container 2>/dev/null || true)
	unshare --pid --fork --mount --mount-proc --propagation private \
		env container="${virt:-other}" /lib/systemd/systemd --system --unit="$(basename "$target")" \
		>"$ARTIFACTS/systemd-boot.log" 2>&1 &
	unshare_pid=$!
	for _ in $(seq 1 50); do
		init_pid=$(pgrep -P "$unshare_pid" || true)
		[ -n "$init_pid" ] && break
		sleep 0.1
	done
	state=""
	if [ -n "$init_pid" ]; then
		sd=(nsenter -t "$init_pid" -m -p --wd="$PWD")
		for _ in $(seq 1 100); do
			state=$("${sd[@]}" systemctl is-system-running 2>/dev/null || true)
			case $state in running | degraded) break ;; esac
			sleep 0.2
		done
	fi
	case $state in
	running | degraded) echo "systemd is not PID 1 here: booted a private systemd (PID $init_pid) in a PID and mount namespace" ;;
	*)
		echo "systemd is not PID 1 and a private one did not boot (see $ARTIFACTS/systemd-boot.log):"
		echo "the units were checked with systemd-analyze only"
		exit 0
		;;
	esac
	# The units' default dependencies would start sysinit.target, whose
	# systemd-tmpfiles-setup empties the shared /tmp, sysctl, timesyncd and
	# more: on this machine's real file system, for everyone on it. Mask
	# them in the namespace's private /run and start the two units alone.
	in_sd() { "${sd[@]}" "$@"; }
	in_sd systemctl mask --runtime --quiet sysinit.target basic.target systemd-tmpfiles-setup.service
	for u in demarc-agent demarc-server; do
		in_sd mkdir -p "/run/systemd/system/$u.service.d"
		in_sd sh -c "printf '[Unit]\nDefaultDependencies=no\n' >/run/systemd/system/$u.service.d/harness.conf"
	done
	in_sd systemctl daemon-reload
	canary=$(mktemp /tmp/demarc-canary.XXXXXX)
	# Docker's policy-rc.d forbids service actions from maintainer scripts;
	# hide it inside the namespace only, as on a real server.
	if [ -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 0\n' >"$ARTIFACTS/policy-rc.d"
		chmod 0755 "$ARTIFACTS/policy-rc.d"
		"${sd[@]}" mount --bind "$ARTIFACTS/policy-rc.d" /usr/sbin/policy-rc.d
	fi
else
	echo "systemd is not PID 1 and unshare is missing: the units were checked with systemd-analyze only"
	exit 0
fi

in_sd() {
	[ "$1" = dpkg ] && wait_dpkg_lock
	"${sd[@]}" "$@"
}
prop() { in_sd systemctl show -P "$2" "$1"; }
journal() { in_sd journalctl -u "$1" --no-pager -o cat; }
wait_for() { # unit text seconds
	for _ in $(seq 1 $(($3 * 5))); do journal "$1" | grep -qF "$2" && return 0; sleep 0.2; done
	journal "$1" | tail -n 20
	fail "$1: no '$2' in the journal within $3s"
}

# docs/INSTALL.md, the agent: the whole install.
in_sd dpkg -i "$deb_agent" >/dev/null
in_sd systemctl enable --now demarc-agent
wait_for demarc-agent '"scan done"' 60
[ "$(prop demarc-agent ActiveState)" = active ] || fail "demarc-agent is not active"
echo "demarc-agent: active, status \"$(prop demarc-agent StatusText)\", user $(prop demarc-agent User)"
in_sd systemctl reload demarc-agent
wait_for demarc-agent '"configuration reloaded"' 10

# The watchdog: with WatchdogSec=2s the agent must keep pinging.
in_sd mkdir -p /run/systemd/system/demarc-agent.service.d
in_sd sh -c 'printf "[Service]\nWatchdogSec=2s\n" >/run/systemd/system/demarc-agent.service.d/watchdog.conf'
in_sd systemctl daemon-reload
in_sd systemctl restart demarc-agent
sleep 7
[ "$(prop demarc-agent NRestarts)" = 0 ] && [ "$(prop demarc-agent ActiveState)" = active ] ||
	fail "demarc-agent was restarted by the watchdog"
in_sd rm /run/systemd/system/demarc-agent.service.d/watchdog.conf
in_sd systemctl daemon-reload

# docs/INSTALL.md, the server, an enroll secret, the agent pointed at it.
port=""
for _ in $(seq 1 50); do
	p=$(shuf -i 20000-32000 -n 1) # below the ephemeral range
	[ -z "$(ss -Htan "sport = :$p")" ] && port=$p && break
done
in_sd dpkg -i "$deb_server" >/dev/null
in_sd sed -i "s/^listen: .*/listen: 127.0.0.1:$port/" /etc/demarc/server.yaml
in_sd systemctl enable --now demarc-server
wait_for demarc-server '"serving"' 20
in_sd journalctl -u demarc-server --no-pager | grep -q 'Created admin token' || fail "no note of the admin token in the journal"
admin=$(in_sd cat /var/lib/demarc-server/bootstrap-admin-token) || fail "no bootstrap-admin-token file"
[ "$(in_sd stat -c %a /var/lib/demarc-server/bootstrap-admin-token)" = 600 ] || fail "bootstrap-admin-token is not 0600"
in_sd journalctl -u demarc-server --no-pager | grep -qF "${admin#dmc_*_}" && fail "the admin token's secret is in the journal"
srv() { in_sd runuser -u demarc-server -- demarc-server --config /etc/demarc/server.yaml "$@"; }
secret=$(srv enroll-secret create --tenant example-hosting --name web-fleet)
viewer=$(srv token create --tenant example-hosting --role viewer --name packaging-test)
in_sd install -m 0600 -o root -g demarc /dev/null /etc/demarc/enroll-secret
echo "$secret" | in_sd sh -c 'cat >/etc/demarc/enroll-secret'
in_sd sed -i -e 's|^#report:$|report:|' -e "s|^#  url: .*|  url: http://127.0.0.1:$port/api/v1/reports|" /etc/demarc/agent.yaml
in_sd demarc config check --config /etc/demarc/agent.yaml | grep -q "enrolled: *no, will enroll with /etc/demarc/enroll-secret" ||
	fail "config check does not say the agent will enroll with /etc/demarc/enroll-secret"
in_sd systemctl restart demarc-agent
wait_for demarc-agent '"enrolled: reports are posted with this host' 60
wait_for demarc-agent '"report delivered"' 60
for f in host-key host-id enrollment.json; do
	[ "$(in_sd stat -c '%U %a' "/var/lib/demarc/$f")" = "demarc 600" ] || fail "/var/lib/demarc/$f is not demarc 0600"
done
host_id=$(in_sd cat /var/lib/demarc/host-id)
grep -qxE '[0-9a-f]{32}' <<<"$host_id" || fail "host id '$host_id' is not 32 lowercase hex"
hosts=$(curl -fsS -H "Authorization: Bearer $viewer" "http://127.0.0.1:$port/api/v1/hosts")
jq -e --arg id "$host_id" '[.hosts[].host_id] == [$id]' >/dev/null <<<"$hosts" ||
	fail "the server does not list the enrolled host $host_id: $hosts"
host_key=$(in_sd cat /var/lib/demarc/host-key)
in_sd journalctl -u demarc-agent --no-pager | grep -qF "${secret#dme_*_}" && fail "the enroll secret is in the journal"
in_sd journalctl -u demarc-agent --no-pager | grep -qF "${host_key#dmh_*_}" && fail "the host key is in the journal"
echo "demarc-server (user $(prop demarc-server User)) received the report of host $host_id, enrolled under systemd"
journal demarc-agent >"$ARTIFACTS/systemd-agent.journal"
journal demarc-server >"$ARTIFACTS/systemd-server.journal"

# An upgrade restarts the running agent and keeps its configuration.
pid=$(prop demarc-agent MainPID)
in_sd dpkg -i "$deb_upgrade" >/dev/null
[ "$(prop demarc-agent ActiveState)" = active ] && [ "$(prop demarc-agent MainPID)" != "$pid" ] ||
	fail "the upgrade did not restart the agent"
in_sd grep -q "^  url: http://127.0.0.1:$port/" /etc/demarc/agent.yaml || fail "the upgrade lost the agent's url"

# Purge stops both services and leaves no unit behind.
in_sd dpkg -P demarc demarc-server >/dev/null
for u in demarc-agent demarc-server; do
	[ "$(prop $u ActiveState)" = inactive ] || fail "$u still $(prop $u ActiveState) after purge"
	[ ! -e "/etc/systemd/system/multi-user.target.wants/$u.service" ] || fail "$u still enabled after purge"
done
if [ -n "${canary:-}" ]; then
	[ -e "$canary" ] || fail "something in the namespace emptied the host's /tmp"
	rm -f "$canary"
fi
echo "under systemd: install, enable --now, scan, reload, watchdog, enroll secret, enrollment, delivery, upgrade restart, purge: ok"
