#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# sspsim as the kernel and dfu-util see it (run in the VM): two simulators
# side by side enumerate MP15 and MP13 chips with the descriptors of spec
# §1; dfu-util lists every chip and alternate and uploads GetPhase; a
# downloaded firmware starts TF-A on an MP15 ROM without re-enumeration;
# DETACH resets the chip (disconnect + re-attach, same serial, same port);
# OTP survives a simulator restart.
set -u
. "$(dirname "$0")/lib.sh"

sim_start s15 --series mp15 --chips 3
check "start_3_mp15_chips_returns_once_enumerated" [ $? -eq 0 -a "$(wc -l <"$work/s15.serials")" -eq 3 ]
sim_start s13 --series mp13 --chips 2
check "second_simulator_with_2_mp13_chips_coexists" [ $? -eq 0 -a "$(wc -l <"$work/s13.serials")" -eq 2 ]
"$SIM" start --state "$work/s15" --series mp15 --chips 1 >/dev/null 2>"$work/dup.err"
check "start_refuses_a_state_dir_already_served" [ $? -ne 0 ] && grep -q "already serves" "$work/dup.err"

# Descriptors and strings in sysfs, serial = OTP words 13..15.
descr_ok() {
	local series=$1 s=$2 d uid
	d=$(devdir "$s") || return 1
	[[ $(cat "$d/idVendor") == 0483 && $(cat "$d/idProduct") == df11 ]] || return 1
	[[ $(cat "$d/bcdDevice") == 0200 && $(cat "$d/speed") == 480 ]] || return 1
	[[ $(cat "$d/manufacturer") == STMicroelectronics ]] || return 1
	[[ $(cat "$d/product") == "$(rom_product "$series")" ]] || return 1
	[[ $(cat "$d/bNumConfigurations") == 1 && $(cat "$d/bConfigurationValue") == 1 ]] || return 1
	[[ $(cat "$d/$(basename "$d"):1.0/bInterfaceClass") == fe ]] || return 1
	[[ $(cat "$d/$(basename "$d"):1.0/bInterfaceSubClass") == 01 ]] || return 1
	[[ $(cat "$d/$(basename "$d"):1.0/bInterfaceProtocol") == 02 ]] || return 1
	[[ $(cat "$d/$(basename "$d"):1.0/bNumEndpoints") == 00 ]] || return 1
	uid=$("$SIM" otp --state "$work/$3" --chip "$s" |
		while read -r w v; do [[ $w == 1[345] ]] && printf "%08X" "$((v))"; done)
	[[ $uid == "$s" ]]
}
for s in $(serials_of s15); do
	check "mp15_${s}_sysfs_descriptors_strings_and_uid_serial" descr_ok mp15 "$s" s15
done
for s in $(serials_of s13); do
	check "mp13_${s}_sysfs_descriptors_strings_and_uid_serial" descr_ok mp13 "$s" s13
done

# dfu-util -l: every chip, every alternate, with the names of spec §1.2.
dfu-util -l >"$work/list" 2>&1
alts_ok() {
	local s=$1 want=$2 got
	got=$(grep "serial=\"$s\"" "$work/list" | sed -n 's/.*alt=\([0-9]*\), name="\([^"]*\)".*/\1:\2/p' |
		sort -n | tr '\n' '|')
	[[ $got == "$want" ]] || { echo "# $s: $got"; return 1; }
}
want15="0:@Partition0 /0x00/1*256Ke|1:@FSBL /0x01/1*1Me|2:@Partition2 /0x02/1*1Me|3:@Partition3 /0x03/1*16Me|4:@Partition4 /0x04/1*16Me|5:@virtual /0xF1/1*512Ba|"
want13="0:@FSBL /0x01/1*128Ke|1:@virtual /0xF1/1*512Ba|"
for s in $(serials_of s15); do check "dfu_util_lists_mp15_${s}_with_6_alternates" alts_ok "$s" "$want15"; done
for s in $(serials_of s13); do check "dfu_util_lists_mp13_${s}_with_2_alternates" alts_ok "$s" "$want13"; done

# GetPhase on the ROM: 01 <load address LE> 00000000 (inferred ROM reply).
a15=$(serials_of s15 | head -n 1)
a13=$(serials_of s13 | head -n 1)
getphase "$a15" 5 "$work/ph15.bin"
check "dfu_util_upload_getphase_mp15_rom" [ "$(hex "$work/ph15.bin")" = 010024fc2f00000000 ]
getphase "$a13" 1 "$work/ph13.bin"
check "dfu_util_upload_getphase_mp13_rom" [ "$(hex "$work/ph13.bin")" = 010000fe2f00000000 ]

# Download a signed test firmware to the MP15 ROM's FSBL alternate: the ROM
# jumps to TF-A (the I/O error on the last GETSTATUS is expected) and the
# same device answers with the TF-A strings.
"$SIM" mkfw --out "$work/fw.stm32"
check "mkfw_writes_a_header_v1_image" [ "$(od -An -tx1 -j 72 -N 4 "$work/fw.stm32" | tr -d ' ')" = 00000100 ]
"$SIM" mkfw --series mp13 --out "$work/fw13.stm32"
check "mkfw_series_mp13_writes_a_header_v2_0_image" [ "$(od -An -tx1 -j 72 -N 4 "$work/fw13.stm32" | tr -d ' ')" = 00000200 ]
d=$(devdir "$a15")
devnum=$(cat "$d/devnum")
dfu-util -S "$a15" -a 1 -D "$work/fw.stm32" >"$work/dl15.log" 2>&1
wait_for 20 product_is "$a15" "$(tfa_product mp15)"
check "dfu_util_download_to_mp15_fsbl_starts_tfa_ssp" product_is "$a15" "$(tfa_product mp15)"
check "mp15_start_keeps_the_usb_device" [ "$(attr "$a15" devnum)" = "$devnum" ]
getphase "$a15" 5 "$work/pha.bin"
check "tfa_getphase_is_provisioning_message" \
	[ "$(hex "$work/pha.bin")" = "ffffffffff00000000$(printf Provisioning | od -An -tx1 | tr -d ' \n')" ]

# DETACH in TF-A: disconnect, re-attach on the same port with the same serial, as the ROM.
port=$(basename "$d")
dfu-util -S "$a15" -a 5 -e >"$work/det.log" 2>&1
wait_for 20 reenumerated "$a15" "$devnum"
check "detach_resets_chip_with_same_serial" reenumerated "$a15" "$devnum"
check "reset_chip_comes_back_on_the_same_port" [ "$(basename "$(devdir "$a15")")" = "$port" ]
check "reset_chip_answers_as_rom" product_is "$a15" "$(rom_product mp15)"

# MP13 ROM: manifestation tolerant, the FSBL starts on DETACH with a re-enumeration.
d=$(devdir "$a13")
devnum=$(cat "$d/devnum")
# dfu-util reports a download whose manifestation fails as done: read the chip's log.
dfu-util -S "$a13" -a 0 -D "$work/fw.stm32" >"$work/dl13v1.log" 2>&1
check "mp13_rom_refuses_a_header_v1_image" \
	grep -q "ROM: image refused: STM32 header version 1.0 (256 bytes), this ROM takes v2.0 (512 bytes) only" \
	"$work/s13/$a13/log"
dfu-util -S "$a13" -a 0 -D "$work/fw13.stm32" >"$work/dl13.log" 2>&1
check "dfu_util_download_to_mp13_rom_succeeds" [ $? -eq 0 ]
check "mp13_rom_stays_after_manifestation" [ "$(attr "$a13" devnum)" = "$devnum" ]
dfu-util -S "$a13" -a 0 -e >"$work/det13.log" 2>&1
wait_for 20 reenumerated "$a13" "$devnum"
check "mp13_detach_starts_tfa_as_a_new_device" [ "$(attr "$a13" product)" = "$(tfa_product mp13)" ]
ssp_alt_listed() {
	dfu-util -l >"$work/list13" 2>&1
	grep -q "alt=0, name=\"@SSP /0xF3/1\*512Ba\", serial=\"$a13\"" "$work/list13"
}
wait_for 10 ssp_alt_listed
check "mp13_tfa_ssp_alternates" ssp_alt_listed

# Three chips reset at once: each comes back (the hub is busy with one while the others re-attach).
for s in $(serials_of s15); do
	dfu-util -S "$s" -a 1 -D "$work/fw.stm32" >"$work/par-$s.log" 2>&1 &
done
wait
all_tfa() { local s; for s in $(serials_of s15); do product_is "$s" "$(tfa_product mp15)" || return 1; done; }
wait_for 30 all_tfa
check "three_mp15_chips_start_tfa_in_parallel" all_tfa
declare -A before_dev
for s in $(serials_of s15); do before_dev[$s]=$(attr "$s" devnum); done
for s in $(serials_of s15); do
	dfu-util -S "$s" -a 5 -e >"$work/pdet-$s.log" 2>&1 &
done
wait
all_back() {
	local s
	for s in $(serials_of s15); do
		reenumerated "$s" "${before_dev[$s]}" && [[ $(attr "$s" product) == "$(rom_product mp15)" ]] || return 1
	done
}
wait_for 60 all_back
check "three_parallel_resets_all_reenumerate_as_rom" all_back

# Stop: devices gone. Restart: same serials, OTP kept (stage A burnt SSP_REQ on the MP15 chip).
before=$(serials_of s15 | tr '\n' ' ')
"$SIM" stop --state "$work/s15"
check "stop_detaches_every_chip" gone "$a15"
sim_start s15
check "restart_reattaches_the_same_chips" [ "$(serials_of s15 | tr '\n' ' ')" = "$before" -a -n "$(devdir "$a15")" ]
check "otp_persists_across_restart" grep -qx "8 0x00000100" <("$SIM" otp --state "$work/s15" --chip "$a15")
check "otp_lists_locked_words" grep -q "^locked 13 14 15 40 " <("$SIM" otp --state "$work/s15" --chip "$a15")

done_testing
