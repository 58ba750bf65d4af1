#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# sspsim fault injection as the kernel sees it (run in the VM): a hung
# request is cancelled by the host (USB/IP UNLINK answered, no kernel
# warning) and the simulator still stops; a stall fires once; a slow chip
# delays its replies; a disconnect at a step power-cycles the chip back into
# the ROM; a malformed descriptor reaches the host as is.
set -u
. "$(dirname "$0")/lib.sh"

"$SIM" mkfw --out "$work/fw.stm32"

sim_start hang --series mp15 --chips 1 --fault 0:hang:phase
s=$(serials_of hang)
start=$SECONDS
getphase "$s" 5 "$work/hang.bin"
check "hang_getphase_fails_by_host_timeout" [ $? -ne 0 -a $((SECONDS - start)) -lt 60 ]
check "hang_unlink_answered" grep -q "UNLINK of request [0-9]* answered (the chip never answers it)" "$work/hang/$s/log"
start=$SECONDS
"$SIM" stop --state "$work/hang"
check "hung_chip_stops_and_detaches" [ $? -eq 0 ] && gone "$s" && [ $((SECONDS - start)) -lt 20 ]

sim_start st --series mp13 --chips 1 --fault 0:stall:phase
s=$(serials_of st)
getphase "$s" 1 "$work/st1.bin"
check "stall_fault_fails_first_getphase" [ $? -ne 0 ]
getphase "$s" 1 "$work/st2.bin"
check "stall_fault_fires_once" [ "$(hex "$work/st2.bin")" = 010000fe2f00000000 ]
"$SIM" stop --state "$work/st"

sim_start slow --series mp13 --chips 1 --fault 0:slow:400
s=$(serials_of slow)
t0=$(date +%s%N)
getphase "$s" 1 "$work/slow.bin"
t1=$(date +%s%N)
check "slow_fault_delays_replies" [ $(((t1 - t0) / 1000000)) -ge 400 -a -s "$work/slow.bin" ]
"$SIM" stop --state "$work/slow"

sim_start dis --series mp15 --chips 1 --fault 0:disconnect-after-blocks:3
s=$(serials_of dis)
devnum=$(attr "$s" devnum)
dfu-util -S "$s" -a 1 -D "$work/fw.stm32" >"$work/dis.log" 2>&1
check "disconnect_fault_breaks_the_download" [ $? -ne 0 ]
wait_for 30 reenumerated "$s" "$devnum"
check "disconnected_chip_comes_back_as_rom" [ "$(attr "$s" product)" = "$(rom_product mp15)" ]
"$SIM" stop --state "$work/dis"

sim_start bad --series mp13 --chips 1 --fault 0:bad-descriptor
s=$(serials_of bad)
dfu-util -l >"$work/bad.list" 2>&1
check "bad_descriptor_reaches_the_host" grep -q "name=\"@virtual 0xF1 1\*512Ba\", serial=\"$s\"" "$work/bad.list"
"$SIM" stop --state "$work/bad"

"$SIM" start --state "$work/x" --series mp15 --chips 1 --fault 3:stall:load >/dev/null 2>"$work/x.err"
check "fault_on_a_missing_chip_is_refused" [ $? -eq 2 ] && grep -q "names chip 3" "$work/x.err"

done_testing
