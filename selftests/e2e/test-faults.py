#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Faulty chips fail alone, with a message naming the chip, stage and step,
while the others of the gang finish: chip 1 is unplugged while its
certificate is read, chip 2 has a certificate the HSM refuses (no license
counted), chip 3 stalls the license download once (recovered and retried),
chip 4 stops answering at its first GetPhase (the step's deadline ends it)."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from e2e_lib import main_wrapper  # noqa: E402


def body(tap, w):
    sim, chips = w.sim_start("sim15", "mp15", 5,
                             faults=["1:disconnect:cert", "2:bad-cert", "3:stall:license",
                                     "4:hang:phase"])
    h15 = w.hsm_init("hsm15", "mp15", 10, w.st_pub)
    rc, res, _, err = w.provision([(w.secrets_build("mp15"), h15)],
                                  extra=["--timeout", "get-phase=3000"])
    tap.ok(rc == 3, "faults: exit code 3 (some chips failed, others done)", diag=f"rc={rc}\n{err}")
    good, unplugged, badcert, stalled, hung = chips
    for s in chips:
        tap.note(f"{s}: {res.get(s, {}).get('result')}: {res.get(s, {}).get('cause', '')}")

    r = res.get(good, {})
    tap.ok(r.get("result") == "provisioned" and not w.check_provisioned_otp(good),
           "faults: the healthy chip is provisioned", diag=r)

    r = res.get(unplugged, {})
    cause = r.get("cause", "")
    tap.ok(r.get("result") == "failed", "faults: the unplugged chip failed", diag=r)
    tap.ok(unplugged in cause and "stage B" in cause and "read-cert" in cause,
           "faults: its message names serial, stage B and the read-cert step", diag=cause)
    tap.ok(r.get("license_used") is False, "faults: the unplugged chip used no license")

    r = res.get(badcert, {})
    cause = r.get("cause", "")
    tap.ok(r.get("result") == "failed" and "HSM" in cause and "license" in cause,
           "faults: a certificate the HSM refuses fails at the license step", diag=r)
    tap.ok(r.get("license_used") is False, "faults: the refused chip used no license")

    r = res.get(stalled, {})
    tap.ok(r.get("result") == "provisioned" and r.get("retries", 0) >= 1,
           "faults: a stalled license download is recovered and retried", diag=r)
    tap.ok(not w.check_provisioned_otp(stalled), "faults: the retried chip's OTP is right")

    r = res.get(hung, {})
    cause = r.get("cause", "")
    tap.ok(r.get("result") == "failed" and "stage A, get-phase" in cause and hung in cause,
           "faults: a chip that stops answering fails at its step, named", diag=r)
    tap.ok(r.get("elapsed", 99) < 20, "faults: the step deadline (3 s) bounds it, retries included",
           diag=r.get("elapsed"))

    st = w.hsm_status(h15)
    tap.ok(st.get("remaining") == 8, "faults: exactly 2 licenses used (the 2 provisioned chips)",
           diag=st)
    recs = {r["fields"].get("serial"): r["fields"] for r in w.audit_records(h15, "provision")}
    tap.ok(recs.get(unplugged, {}).get("result") == "failed" and
           "read-cert" == recs.get(unplugged, {}).get("step"),
           "faults: the audit log records the failure with its step", diag=recs.get(unplugged))


main_wrapper(body)
