#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# In the VM: 60-stm32-ssp.rules, applied by the real udev rules engine
# (`udevadm test`, which runs the rules and applies their results without
# udevd) to the node of one simulated chip, does what
# Documentation/admin-guide.rst says: group ssp (created by the sysusers.d
# file) mode 0660, /dev/ssp/by-path/usb-<port> and
# /dev/ssp/by-id/<chip>-<serial> from the driver's SSP_* uevent variables,
# SYSTEMD_WANTS=sspctl-watch@sspctl.service; and it leaves remove events and
# other devices alone.
#
# Runs in its own mount namespace: /etc/group (with the ssp group) and
# /run/udev (with the rule) are private, so later suites see neither.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
if [[ -z ${SSP_UDEV_NS:-} ]]; then
	SSP_UDEV_NS=1 exec unshare --mount --propagation private "$0" "$@"
fi
sspsim=${SSPSIM:-$top/build/sspsim}
# SSP_UDEV_RULE: another rule file to check (to see this test fail on a bad rule).
rule=${SSP_UDEV_RULE:-$top/userspace/udev/60-stm32-ssp.rules}
w=$(mktemp -d /tmp/ssp-udev.XXXXXX)
n=0
fails=0
node=""
devnum=""
grace_old=""
cleanup() {
	[[ -n $grace_old ]] && echo "$grace_old" >/sys/module/stm32_ssp/parameters/grace_ms
	"$sspsim" stop --state "$w/sim" >/dev/null 2>&1
	# udevadm test writes to the VM's /dev: drop what it made.
	rm -rf /dev/ssp
	[[ -n $devnum ]] && rm -f "/dev/char/$devnum"
	rm -rf "$w"
}
trap cleanup EXIT
echo "TAP version 13"
ok() { # ok STATUS NAME [DIAG-FILE]
	n=$((n + 1))
	if [[ $1 -eq 0 ]]; then
		echo "ok $n - $2"
	else
		fails=$((fails + 1))
		echo "not ok $n - $2"
		[[ -n ${3:-} && -s $3 ]] && tail -n 40 "$3" | sed 's/^/#   /'
	fi
}
bail() { echo "Bail out! $1"; exit 1; }
# prop LOG KEY: the value udevadm test computed for KEY (its final listing).
prop() { sed -n "s/^$2=//p" "$1" | tail -n 1; }

# The group, made by the installed sysusers.d file in a copy of /etc's
# account files that is then bound over /etc/group.
mkdir -p "$w/root/etc"
cp /etc/passwd /etc/group /etc/shadow /etc/gshadow "$w/root/etc/" 2>/dev/null
systemd-sysusers --root="$w/root" "$top/userspace/systemd/sysusers.d/stm32-ssp.conf" >"$w/sysusers.log" 2>&1
gid=$(awk -F: '$1 == "ssp" { print $3 }' "$w/root/etc/group")
[[ -n $gid && $gid -lt 1000 ]]
ok $? "sysusers_file_creates_system_group_ssp" "$w/sysusers.log"
mount --bind "$w/root/etc/group" /etc/group || bail "cannot bind $w/root/etc/group over /etc/group"
[[ $(getent group ssp | cut -d: -f3) == "$gid" ]]
ok $? "group_ssp_resolves_by_name"

mount -t tmpfs udev-run /run/udev 2>/dev/null || { mkdir -p /run/udev && mount -t tmpfs udev-run /run/udev; } ||
	bail "cannot mount a tmpfs on /run/udev"
mkdir -p /run/udev/rules.d
cp "$rule" /run/udev/rules.d/60-stm32-ssp.rules

"$sspsim" start --state "$w/sim" --series mp15 --chips 1 >"$w/sim.out" 2>&1 || {
	cat "$w/sim.out"
	bail "sspsim start failed"
}
serial=$(awk 'NR == 1 { print $2 }' "$w/sim.out")
for d in /sys/class/stm32_ssp/ssp*; do
	grep -qx "SSP_SERIAL=$serial" "$d/uevent" 2>/dev/null && node=${d##*/}
done
[[ -n $node ]] || bail "no /sys/class/stm32_ssp node has SSP_SERIAL=$serial"
devnum=$(cat "/sys/class/stm32_ssp/$node/dev")
port=$(sed -n 's/^SSP_PORT=//p' "/sys/class/stm32_ssp/$node/uevent")
grep -qx 'SSP_CHIP=0x500' "/sys/class/stm32_ssp/$node/uevent" && [[ -n $port && -d /sys/bus/usb/devices/$port ]]
ok $? "driver_uevent_has_ssp_chip_serial_and_port_of_the_usb_device" "/sys/class/stm32_ssp/$node/uevent"

udevadm test --action=add "/sys/class/stm32_ssp/$node" >"$w/add.log" 2>&1
ok $? "udevadm_test_add_runs_the_rules_on_the_node" "$w/add.log"
! grep -E '60-stm32-ssp\.rules' "$w/add.log" | grep -qiE 'invalid|error|unknown|ignor|fail'
ok $? "rule_file_loads_without_warnings" "$w/add.log"

grep -q "60-stm32-ssp.rules:[0-9]* GROUP $gid\$" "$w/add.log" &&
	grep -q '60-stm32-ssp.rules:[0-9]* MODE 0660$' "$w/add.log"
ok $? "rule_computes_group_ssp_and_mode_0660" "$w/add.log"
[[ $(stat -c '%G %a' "/dev/$node") == "ssp 660" ]]
ok $? "dev_node_gets_group_ssp_mode_0660"

links=" $(prop "$w/add.log" DEVLINKS) "
bypath=/dev/ssp/by-path/usb-$port
byid=/dev/ssp/by-id/0x500-$serial
[[ $links == *" $bypath "* && $(readlink -f "$bypath") == "/dev/$node" ]]
ok $? "by_path_link_names_the_usb_port_of_the_chip" "$w/add.log"
[[ $links == *" $byid "* && $(readlink -f "$byid") == "/dev/$node" ]]
ok $? "by_id_link_names_the_chip_id_and_serial" "$w/add.log"
[[ $links == " $bypath $byid " || $links == " $byid $bypath " ]]
ok $? "rule_adds_no_other_link" "$w/add.log"

[[ $(prop "$w/add.log" SYSTEMD_WANTS) == "sspctl-watch@sspctl.service" &&
	$(prop "$w/add.log" TAGS) == *:systemd:* ]]
ok $? "systemd_tag_and_wants_start_the_watch_daemon" "$w/add.log"

# A change event (e.g. `udevadm trigger`) must keep the same result.
udevadm test --action=change "/sys/class/stm32_ssp/$node" >"$w/change.log" 2>&1 &&
	[[ $(prop "$w/change.log" SYSTEMD_WANTS) == "sspctl-watch@sspctl.service" ]] &&
	[[ " $(prop "$w/change.log" DEVLINKS) " == *" $bypath "* ]]
ok $? "change_event_keeps_links_and_wants" "$w/change.log"

# The chip's USB device is not the rule's business.
udevadm test --action=add "/sys/bus/usb/devices/$port" >"$w/usb.log" 2>&1 &&
	! grep -q '60-stm32-ssp\.rules:[0-9]' "$w/usb.log" &&
	[[ -z $(prop "$w/usb.log" SYSTEMD_WANTS) ]]
ok $? "rule_leaves_the_chips_usb_device_alone" "$w/usb.log"

# Remove: the rule does nothing, udev drops the links it made.
udevadm test --action=remove "/sys/class/stm32_ssp/$node" >"$w/remove.log" 2>&1 &&
	! grep -q '60-stm32-ssp\.rules:[0-9]' "$w/remove.log" &&
	[[ ! -e $bypath && ! -L $bypath && ! -e $byid && ! -L $byid ]]
ok $? "remove_event_skips_the_rule_and_drops_the_links" "$w/remove.log"

# The node outlives the USB device by the driver's grace period (a chip
# reset keeps its slot), then ends.
# (Shortened for this test; the old value is put back.)
gpar=/sys/module/stm32_ssp/parameters/grace_ms
grace_old=$(cat "$gpar")
echo 1000 >"$gpar"
grace=1000
r=1
if "$sspsim" stop --state "$w/sim" >"$w/stop.log" 2>&1 && [[ ! -e /sys/bus/usb/devices/$port ]]; then
	for ((i = 0; i < grace / 100 + 50; i++)); do
		[[ -e /sys/class/stm32_ssp/$node ]] || { r=0; break; }
		sleep 0.1
	done
fi
ok $r "sspsim_stop_ends_the_node_after_the_grace_period" "$w/stop.log"
echo "$grace_old" >"$gpar"
grace_old=""

echo "1..$n"
[[ $fails -eq 0 ]]
