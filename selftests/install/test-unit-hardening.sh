#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# sspctl-watch@.service is confined as Documentation/admin-guide.rst says:
# its own user and group (made by the sysusers.d file), the PIN as a
# credential, no core file, no capability, only /dev/sspN (by the major name
# the driver registers), and a `systemd-analyze security` exposure of at most
# SSP_UNIT_MAX_EXPOSURE (default 2.0; the unit scores 0.9 with systemd 252).
# The score check is shown to fail on the unit without its sandboxing.
# SSP_UNIT: another unit file to check (to see this test fail).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
unit=${SSP_UNIT:-$top/userspace/systemd/sspctl-watch@.service}
max=${SSP_UNIT_MAX_EXPOSURE:-2.0}
w=$(mktemp -d /tmp/ssp-unit.XXXXXX)
trap 'rm -rf "$w"' EXIT
n=0
fails=0
echo "TAP version 13"
ok() { # ok STATUS NAME [DIAG-FILE]
	n=$((n + 1))
	if [[ $1 -eq 0 ]]; then
		echo "ok $n - $2"
	else
		fails=$((fails + 1))
		echo "not ok $n - $2"
		[[ -n ${3:-} && -s $3 ]] && tail -n 30 "$3" | sed 's/^/#   /'
	fi
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

# has KEY=VALUE: the [Service] section sets exactly that (a line of its own).
has() { grep -qxF -- "$1" "$unit"; }

for d in "Type=notify" "User=sspctl" "Group=ssp" "LoadCredential=pin:/etc/ssp/%i.pin" \
	"LimitCORE=0" "UMask=0077" "CapabilityBoundingSet=" "AmbientCapabilities=" \
	"NoNewPrivileges=yes" "DevicePolicy=closed" "ProtectSystem=strict" \
	"StateDirectory=ssp" "StateDirectoryMode=0700" "RestrictAddressFamilies=AF_NETLINK AF_UNIX" \
	"SystemCallFilter=@system-service" "ProtectClock=yes" "ProtectHostname=yes" \
	"ProtectKernelLogs=yes" "RestrictNamespaces=yes" "RestrictSUIDSGID=yes"; do
	has "$d"
	ok $? "unit_sets_${d//[^A-Za-z0-9]/_}"
done
# Options that would break the daemon: the netlink family lives in the
# initial network namespace only; PrivateDevices hides /dev/sspN.
! grep -Eq '^(PrivateNetwork|PrivateDevices)=(yes|true|1)$' "$unit"
ok $? "unit_keeps_the_host_network_namespace_and_devices"

# DeviceAllow=char-NAME must name the major the driver registers.
major=$(sed -n 's/.*alloc_chrdev_region([^"]*"\([^"]*\)").*/\1/p' "$top/driver/core.c")
[[ -n $major ]] && has "DeviceAllow=char-$major rw"
ok $? "device_allow_names_the_drivers_chrdev_major_char_${major:-unknown}"
# The config example reads the PIN from the credential the unit loads.
grep -qx 'pin-file = %d/pin' "$top/userspace/systemd/sspctl.conf"
ok $? "example_config_reads_the_pin_credential"

if command -v systemd-sysusers >/dev/null; then
	mkdir -p "$w/root/etc"
	systemd-sysusers --root="$w/root" "$top/userspace/systemd/sysusers.d/stm32-ssp.conf" \
		>"$w/sysusers.log" 2>&1
	gid=$(awk -F: '$1 == "ssp" { print $3 }' "$w/root/etc/group" 2>/dev/null)
	[[ -n $gid ]] && awk -F: -v g="$gid" '$1 == "sspctl" && $4 == g && $7 ~ /nologin$/ { f = 1 } END { exit !f }' \
		"$w/root/etc/passwd"
	ok $? "sysusers_creates_user_sspctl_in_group_ssp_without_login" "$w/sysusers.log"
else
	skip "sysusers_creates_user_sspctl_in_group_ssp_without_login" "no systemd-sysusers"
fi

# exposure FILE: the overall exposure systemd-analyze computes for FILE.
exposure() {
	systemd-analyze security --offline=true "$1" 2>&1 |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p'
}
if systemd-analyze security --help 2>/dev/null | grep -q -- --offline; then
	score=$(exposure "$unit")
	echo "# systemd-analyze security: exposure $score (at most $max)"
	[[ -n $score ]] && awk -v s="$score" -v m="$max" 'BEGIN { exit !(s <= m) }'
	ok $? "security_exposure_${score:-unknown}_is_at_most_$max"
	# The same measure on the unit without its sandboxing must fail.
	name=${unit##*/}
	mkdir -p "$w/bare"
	sed -E '/^(User|Group|DynamicUser|Protect|Private|Restrict|Capability|Ambient|NoNew|Device|SystemCall|Memory|Lock|IPAddress|UMask|ProcSubset|RemoveIPC)/d' \
		"$unit" >"$w/bare/$name"
	bare=$(exposure "$w/bare/$name")
	echo "# without its sandboxing: exposure $bare"
	[[ -n $bare ]] && awk -v s="$bare" -v m="$max" 'BEGIN { exit !(s > m) }'
	ok $? "the_unit_without_its_sandboxing_exceeds_$max"
else
	skip "security_exposure_is_at_most_$max" "systemd-analyze has no --offline"
	skip "the_unit_without_its_sandboxing_exceeds_$max" "systemd-analyze has no --offline"
fi

echo "1..$n"
[[ $fails -eq 0 ]]
