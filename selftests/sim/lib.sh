# SPDX-License-Identifier: GPL-2.0-only
# Helpers of the sspsim VM tests (sourced): TAP output, simulator start/stop
# with cleanup, and the kernel's view of a chip (sysfs, live strings).

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SIM=${SSPSIM:-${SSP_SIM:-$top/build/sspsim}}
SIM_BLOB=${SIM_BLOB:-$top/build/selftests/sim/sim-blob}
work=$(mktemp -d /tmp/sspsim-test.XXXXXX)
ntest=0
nfail=0

echo "TAP version 13"

ok() { ntest=$((ntest + 1)); echo "ok $ntest - $1"; }
nok() {
	ntest=$((ntest + 1))
	nfail=$((nfail + 1))
	echo "not ok $ntest - $1"
	[[ -n ${2:-} ]] && echo "# $2"
	return 0
}
# check NAME CMD...: one TAP line from CMD's status.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else nok "$name"; fi
}

# dfu-util needs the DFU interface unclaimed: stm32_ssp.ko (loaded by the VM
# runner) binds every STM32MP ROM/TF-A device, so it is taken out for these
# tests and put back afterwards for the suites that follow.
ko_removed=0
if [[ -d /sys/module/stm32_ssp ]]; then
	rmmod stm32_ssp && ko_removed=1
fi

sims=()
cleanup() {
	local k
	for s in "${sims[@]}"; do "$SIM" stop --state "$s" >/dev/null 2>&1; done
	rm -rf "$work"
	if [[ $ko_removed -eq 1 ]]; then
		k=$(uname -r)
		k=${k%%-*}
		insmod "$top/build/ko/${k%.*}/stm32_ssp.ko" 2>/dev/null ||
			echo "# could not reload stm32_ssp.ko for the next suites"
	fi
}
trap cleanup EXIT

# sim_start NAME ARGS...: start a simulator in $work/NAME; its "INDEX SERIAL" lines go to $work/NAME.serials.
sim_start() {
	local name=$1
	shift
	sims+=("$work/$name")
	"$SIM" start --state "$work/$name" "$@" >"$work/$name.serials" 2>"$work/$name.err"
}

serials_of() { awk '{print $2}' "$work/$1.serials"; }

# The sysfs directory of the USB device with this serial (empty if none).
devdir() {
	local d
	for d in /sys/bus/usb/devices/*; do
		[[ $(cat "$d/serial" 2>/dev/null) == "$1" ]] && { echo "$d"; return 0; }
	done
	return 1
}

attr() { cat "$(devdir "$1")/$2" 2>/dev/null; }

# Product string read from the device now, by a GET_DESCRIPTOR through usbfs
# (sysfs and lsusb show the copy the kernel took at enumeration).
live_product() {
	local d
	d=$(devdir "$1") || return 1
	python3 - "$(cat "$d/busnum")" "$(cat "$d/devnum")" 2>/dev/null <<'PY'
import ctypes, fcntl, os, struct, sys
fd = os.open("/dev/bus/usb/%03d/%03d" % (int(sys.argv[1]), int(sys.argv[2])), os.O_RDWR)
buf = ctypes.create_string_buffer(255)
# struct usbdevfs_ctrltransfer; USBDEVFS_CONTROL = _IOWR('U', 0, 24 bytes)
req = bytearray(struct.pack("=BBHHHI4xQ", 0x80, 6, 0x0302, 0x0409, 255, 2000, ctypes.addressof(buf)))
n = fcntl.ioctl(fd, 0xC0185500, req)
print(buf.raw[2:n].decode("utf-16-le"))
PY
}

# wait_for SECONDS CMD...: poll CMD every 0.2 s.
wait_for() {
	local end=$((SECONDS + $1))
	shift
	while ((SECONDS < end)); do
		"$@" && return 0
		sleep 0.2
	done
	"$@"
}

product_is() { [[ $(live_product "$1") == "$2" ]]; }
# A new enumeration: a device with this serial and another devnum than $2.
reenumerated() { local d n; d=$(devdir "$1") && n=$(cat "$d/devnum" 2>/dev/null) && [[ $n != "$2" ]]; }
gone() { ! devdir "$1" >/dev/null; }

rom_product() {
	if [[ $1 == mp15 ]]; then
		echo "DFU in HS Mode @Device ID /0x500, @Revision ID /0x0000"
	else
		echo "DFU in HS Mode @Device ID /0x501, @Revision ID /0x1003"
	fi
}

tfa_product() {
	if [[ $1 == mp15 ]]; then
		echo "DFU @Device ID /0x500, @Revision ID /0x0000, @Name /STM32MP157FAA Rev.B,"
	else
		echo "DFU @Device ID /0x501, @Revision ID /0x1003, @Name /STM32MP135FAF Rev.Y,"
	fi
}

virtual_alt() { [[ $1 == mp15 ]] && echo 5 || echo 1; }
fsbl_alt() { [[ $1 == mp15 ]] && echo 1 || echo 0; }

# getphase SERIAL ALT OUT: GetPhase by dfu-util (UPLOAD of up to 512 bytes on @virtual).
getphase() {
	rm -f "$3"
	dfu-util -S "$1" -a "$2" -t 512 -U "$3" >"$3.log" 2>&1 && [[ -s $3 ]]
}

hex() { od -An -tx1 -v "$1" | tr -d ' \n'; }

done_testing() {
	echo "1..$ntest"
	[[ $nfail -eq 0 ]]
}
