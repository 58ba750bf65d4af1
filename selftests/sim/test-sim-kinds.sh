#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The sspsim devices that are not MP15/MP13 SSP chips, as the kernel and
# dfu-util see them (run in the VM): an MP25 ROM (--series mp25) and U-Boot's
# stm32prog gadget (--series uboot) enumerate with the product strings and
# alternates of spec §1.2; dfu-util uploads their GetPhase and downloads to
# them. The dfu-error fault leaves an MP15 ROM in dfuERROR, which dfu-util
# clears with CLRSTATUS on its next run.
set -u
. "$(dirname "$0")/lib.sh"

sim_start s25 --series mp25 --chips 2
check "start_2_mp25_roms_returns_once_enumerated" [ $? -eq 0 -a "$(wc -l <"$work/s25.serials")" -eq 2 ]
sim_start sub --series uboot --chips 1
check "start_1_uboot_gadget_returns_once_enumerated" [ $? -eq 0 -a "$(wc -l <"$work/sub.serials")" -eq 1 ]
sim_start mix --series mp25 && "$SIM" stop --state "$work/mix" >/dev/null
"$SIM" start --state "$work/mix" --series mp15 >/dev/null 2>"$work/mix.err"
check "start_refuses_mp15_in_a_state_dir_of_mp25_chips" grep -q "is an mp25 chip, not mp15" "$work/mix.err"
"$SIM" start --state "$work/bad" --series mp99 >/dev/null 2>"$work/bad.err"
check "start_refuses_an_unknown_series_naming_the_four" grep -q "mp15, mp13, mp25 or uboot" "$work/bad.err"

a25=$(serials_of s25 | head -n 1)
aub=$(serials_of sub | head -n 1)
p25="DFU in HS Mode @Device ID /0x505, @Revision ID /0x2000"
pub="USB download gadget@Device ID /0x500, @Revision ID /0x2000, @Name /STM32MP157CAA Rev.B,"
for s in $(serials_of s25); do
	check "mp25_${s}_sysfs_product" [ "$(attr "$s" product)" = "$p25" ]
done
check "uboot_sysfs_product" [ "$(attr "$aub" product)" = "$pub" ]
check "uboot_live_product" product_is "$aub" "$pub"

dfu-util -l >"$work/list" 2>&1
alts_ok() {
	local s=$1 want=$2 got
	got=$(grep "serial=\"$s\"" "$work/list" | sed -n 's/.*alt=\([0-9]*\), name="\([^"]*\)".*/\1:\2/p' |
		sort -n | tr '\n' '|')
	[[ $got == "$want" ]] || { echo "# $s: $got"; return 1; }
}
want25="0:@FSBL /0x01/1*256Ke|1:@virtual /0xF1/1*512Ba|"
wantub="0:@fsbl1 /0x01/1*256Ke|1:@fsbl2 /0x02/1*256Ke|2:@fip /0x03/1*4Me|3:@virtual /0xF1/1*512Ba|"
for s in $(serials_of s25); do check "dfu_util_lists_mp25_${s}_with_2_alternates" alts_ok "$s" "$want25"; done
check "dfu_util_lists_uboot_with_its_4_alternates" alts_ok "$aub" "$wantub"

# GetPhase: MP25 ROM 01 <load address> 00000000; U-Boot 10 bytes, no flashlayout.
getphase "$a25" 1 "$work/ph25.bin"
check "mp25_getphase_by_dfu_util" [ "$(hex "$work/ph25.bin")" = "010020010e00000000" ]
getphase "$aub" 3 "$work/phub.bin"
check "uboot_getphase_by_dfu_util_10_bytes" [ "$(hex "$work/phub.bin")" = "00000000c00000000000" ]

# Downloads: the MP25 ROM takes an FSBL image (not verified, nothing starts).
head -c 20000 /dev/urandom >"$work/img.bin"
dfu-util -S "$a25" -a 0 -D "$work/img.bin" >"$work/dl25.log" 2>&1
check "mp25_takes_an_fsbl_image_by_dfu_util" grep -q "MP25 ROM: image of 20000 bytes received" \
	"$work/s25/$a25/log"
dfu-util -S "$a25" -a 0 -e >/dev/null 2>&1
sleep 0.5
check "mp25_stays_in_the_rom_after_detach" [ "$(attr "$a25" product)" = "$p25" ]
dfu-util -S "$aub" -a 2 -D "$work/img.bin" >"$work/dlub.log" 2>&1
check "uboot_takes_a_partition_by_dfu_util" grep -q "U-Boot: 20000 bytes written to alternate 2" \
	"$work/sub/$aub/log"

# dfu-error: the GetPhase upload stalls and leaves dfuERROR/errSTALLEDPKT;
# dfu-util's next run sees it and sends CLRSTATUS.
sim_start serr --series mp15 --fault 0:dfu-error:phase
aerr=$(serials_of serr | head -n 1)
getphase "$aerr" 5 "$work/pherr.bin"
check "dfu_error_fault_fails_the_upload" [ $? -ne 0 ]
cleared_then_phase() { getphase "$aerr" 5 "$work/pherr.bin" && grep -qi "clearing status" "$work/pherr.bin.log"; }
check "dfu_util_clears_dfu_error_then_getphase_works" cleared_then_phase

done_testing
