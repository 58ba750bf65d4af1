#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A whole SSP run on one MP15 and one MP13 simulated chip driven by
# dfu-util alone (run in the VM), with sim-blob as the HSM: stage A
# ("Provisioning", DETACH), stage B (certificate signed by the simulator's
# ST key, license+payload, detach request), stage C (no USB, OTP burnt,
# reset into the ROM). Then the OTP words against what the inputs demand,
# a closed chip silent on USB (spec 7.3), and the OTP after a simulator restart.
set -u
. "$(dirname "$0")/lib.sh"

# The header each ROM takes: MP15 v1.0, MP13 v2.0 (key table = the signing key alone).
"$SIM" mkfw --out "$work/fw-mp15.stm32" --pub-out "$work/oem-pub.pem"
"$SIM" mkfw --series mp13 --out "$work/fw-mp13.stm32"

# start_fw SERIES SERIAL: load the firmware on the FSBL alternate and start it.
start_fw() {
	local series=$1 s=$2 devnum
	devnum=$(attr "$s" devnum)
	dfu-util -S "$s" -a "$(fsbl_alt "$series")" -D "$work/fw-$series.stm32" >>"$work/dfu.log" 2>&1
	if [[ $series == mp13 ]]; then
		dfu-util -S "$s" -a 0 -e >>"$work/dfu.log" 2>&1
		wait_for 30 reenumerated "$s" "$devnum"
	fi
}

# in_tfa SERIES SERIAL: TF-A answers (MP15: same device, new strings).
in_tfa() { wait_for 30 product_is "$2" "$(tfa_product "$1")"; }

# detach_reset SERIAL: DFU_DETACH, then wait for the re-enumeration.
detach_reset() {
	local devnum
	devnum=$(attr "$2" devnum)
	dfu-util -S "$2" -a "$(virtual_alt "$1")" -e >>"$work/dfu.log" 2>&1
	wait_for 30 reenumerated "$2" "$devnum"
}

msg_hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }

run_ssp() {
	local series=$1 s ph cert expect devnum sspword
	sim_start "$series" --series "$series" --chips 1
	s=$(serials_of "$series")
	check "${series}_chip_enumerated" [ -n "$s" ]

	# Stage A
	start_fw "$series" "$s"
	check "${series}_stage_a_tfa_started" in_tfa "$series" "$s"
	getphase "$s" "$(virtual_alt "$series")" "$work/$series.a"
	check "${series}_stage_a_getphase_provisioning" \
		[ "$(hex "$work/$series.a")" = "ffffffffff00000000$(msg_hex Provisioning)" ]
	detach_reset "$series" "$s"
	check "${series}_stage_a_detach_resets_into_rom" [ "$(attr "$s" product)" = "$(rom_product "$series")" ]

	# Stage B
	start_fw "$series" "$s"
	check "${series}_stage_b_tfa_started" in_tfa "$series" "$s"
	getphase "$s" "$(virtual_alt "$series")" "$work/$series.b"
	ph=$(hex "$work/$series.b")
	if [[ $series == mp15 ]]; then
		check "${series}_stage_b_getphase_ssp" [ "${ph:0:2}" = 00 -a ${#ph} -eq 18 -a "${ph:10:8}" = 00000000 ]
	else
		check "${series}_stage_b_getphase_ssp" [ "${ph:0:2}" = f3 -a ${#ph} -eq 18 -a "${ph:10:8}" = 00000000 ]
	fi
	cert=$work/$series.cert
	rm -f "$cert"
	dfu-util -S "$s" -a 0 -t 512 -U "$cert" >>"$work/dfu.log" 2>&1
	check "${series}_certificate_upload_is_145_bytes" [ "$(stat -c %s "$cert" 2>/dev/null)" = 145 ]
	expect=$work/$series.expect
	"$SIM_BLOB" "$cert" "$work/$series/st-pub.pem" "$series" "$work/oem-pub.pem" "$work/$series.blob" \
		--expect >"$expect"
	check "${series}_certificate_verifies_with_st_pub_pem" [ $? -eq 0 ]
	if [[ $series == mp15 ]]; then
		check "${series}_blob_is_380_bytes" [ "$(stat -c %s "$work/$series.blob")" = 380 ]
	else
		check "${series}_blob_is_348_bytes" [ "$(stat -c %s "$work/$series.blob")" = 348 ]
	fi
	dfu-util -S "$s" -a 0 -D "$work/$series.blob" >>"$work/dfu.log" 2>&1
	check "${series}_license_and_payload_download" [ $? -eq 0 ]
	getphase "$s" "$(virtual_alt "$series")" "$work/$series.b2"
	check "${series}_getphase_detach_request" [ "$(hex "$work/$series.b2")" = 00ffffffff0000000001 ]
	detach_reset "$series" "$s"
	check "${series}_stage_b_detach_resets_into_rom" [ "$(attr "$s" product)" = "$(rom_product "$series")" ]

	# Stage C: no USB in TF-A; the chip burns its OTP and comes back as the ROM.
	devnum=$(attr "$s" devnum)
	start_fw "$series" "$s"
	wait_for 30 reenumerated "$s" "$devnum"
	check "${series}_stage_c_reenumerates_as_rom" [ "$(attr "$s" product)" = "$(rom_product "$series")" ]
	"$SIM" otp --state "$work/$series" --chip "$s" >"$work/$series.otp"
	check "${series}_otp_pkh_rma_secrets_burnt" grep -qxFf "$expect" "$work/$series.otp"
	check "${series}_otp_all_expected_words" [ "$(grep -cxFf "$expect" "$work/$series.otp")" -eq 46 ]
	if [[ $series == mp15 ]]; then
		check "${series}_otp_closed_and_success" grep -qx "8 0x00000300" "$work/$series.otp" &&
			grep -q "^0 0x00000040$" "$work/$series.otp"
	else
		check "${series}_otp_closed_and_success" grep -qx "9 0x00000060" "$work/$series.otp" &&
			grep -q "^0 0x0000003f$" "$work/$series.otp"
	fi
	check "${series}_secret_words_locked" grep -q " 56 59 60 61 .* 95$" <(grep ^locked "$work/$series.otp")

	# A closed chip (spec §7.3): the ROM takes the image, TF-A SSP panics
	# before it starts USB. MP15: the device stays and answers nothing;
	# MP13: nothing re-enumerates after the DETACH.
	dfu-util -S "$s" -a "$(fsbl_alt "$series")" -D "$work/fw-$series.stm32" >>"$work/dfu.log" 2>&1
	if [[ $series == mp13 ]]; then
		dfu-util -S "$s" -a 0 -e >>"$work/dfu.log" 2>&1
		sleep 3
		check "${series}_closed_chip_silent_no_reenumeration" gone "$s"
	else
		sleep 1
		check "${series}_closed_chip_silent_still_attached" eval 'devdir "$s" >/dev/null'
		check "${series}_closed_chip_silent_nothing_answers" eval '! live_product "$s"'
	fi

	# Restart: same chip, same OTP.
	"$SIM" stop --state "$work/$series"
	sim_start "$series"
	check "${series}_restart_same_serial" [ "$(serials_of "$series")" = "$s" ]
	"$SIM" otp --state "$work/$series" --chip "$s" >"$work/$series.otp2"
	check "${series}_otp_unchanged_after_restart" cmp -s "$work/$series.otp" "$work/$series.otp2"
	"$SIM" stop --state "$work/$series"
}

run_ssp mp15
run_ssp mp13
[[ $nfail -eq 0 ]] || { echo "# dfu-util log:"; sed 's/^/# /' "$work/dfu.log" | tail -n 40; }
done_testing
