#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""A closed chip is silent (spec 7.3): one MP15 and one MP13 chip are
provisioned, then `sspctl provision` runs on them again. TF-A SSP panics
before USB on a closed chip, so the MP15 chip answers nothing after the ROM's
jump and the MP13 chip never re-enumerates after the DETACH: each is reported
"no answer after the SSP firmware started: already closed ... or hung" at
stage A, wait-fw, with no license used, no retry, and its OTP untouched."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from e2e_lib import main_wrapper  # noqa: E402

SILENCE_MS = 3000	# the wait-fw deadline that detects the silence


def body(tap, w):
    _, c15 = w.sim_start("sim15", "mp15", 1)
    _, c13 = w.sim_start("sim13", "mp13", 1)
    chips = c15 + c13
    h15 = w.hsm_init("hsm15", "mp15", 10, w.st_pub)
    h13 = w.hsm_init("hsm13", "mp13", 10, w.st_pub)
    inputs = [(w.secrets_build("mp15"), h15), (w.secrets_build("mp13"), h13)]
    short = ["--timeout", f"wait-fw={SILENCE_MS}"]

    rc, res, _, err = w.provision(inputs, extra=short)
    tap.ok(rc == 0 and all(res.get(s, {}).get("result") == "provisioned" for s in chips),
           "closed: both chips provisioned first (wait-fw 3 s is enough for a live chip)",
           diag=f"rc={rc}\n{err}\n{res}")
    otp_before = {s: w.otp(s) for s in chips}

    rc, res, events, err = w.provision(inputs, extra=short)
    tap.ok(rc == 1, "closed: the rerun exits 1 (no chip provisioned)", diag=f"rc={rc}\n{err}")
    for s in chips:
        r = res.get(s, {})
        cause = r.get("cause", "")
        series = w.chips[s]["series"]
        tap.ok(r.get("result") == "failed" and
               "no answer after the SSP firmware started: already closed" in cause and
               "or hung" in cause,
               f"closed: {series} chip reported silent (closed or hung)", diag=r)
        tap.ok("stage A, wait-fw" in cause and s in cause,
               f"closed: {series} message names the serial, stage A and wait-fw", diag=cause)
        tap.ok(r.get("license_used") is False and r.get("retries") == 0,
               f"closed: {series} no license used, no retry", diag=r)
        tap.ok(r.get("elapsed", 99) < SILENCE_MS / 1000 + 15,
               f"closed: {series} the wait-fw deadline bounds it", diag=r.get("elapsed"))
        steps = [e.get("step") for e in events
                 if e.get("event") == "step" and e.get("serial") == s]
        tap.ok("license" not in steps and "get-phase" not in steps,
               f"closed: {series} never reached GetPhase or the HSM", diag=steps)
        tap.ok(w.otp(s) == otp_before[s], f"closed: {series} OTP unchanged")
    for name, d in (("mp15", h15), ("mp13", h13)):
        tap.ok(w.hsm_status(d).get("remaining") == 9, f"closed: {name} counter unchanged")
        recs = [r["fields"] for r in w.audit_records(d, "provision")]
        tap.ok(recs and recs[-1].get("result") == "failed" and
               recs[-1].get("license_used") is False and "or hung" in recs[-1].get("cause", ""),
               f"closed: {name} audit log records the silent chip", diag=recs[-1:])


main_wrapper(body)
