#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""License counter limits: with 2 licenses for 4 chips, 2 are provisioned and
the other 2 are left untouched (not even stage A) and reported so, exit 4;
two sspctl processes racing for the last license: one chip gets it, the
other fails "no license left" and nothing is counted twice."""
import json
import subprocess
import sys

sys.path.insert(0, __import__("os").path.dirname(__file__))
from e2e_lib import SSPCTL, main_wrapper  # noqa: E402


def body(tap, w):
    s15, chips = w.sim_start("sim15", "mp15", 4)
    h15 = w.hsm_init("hsm15", "mp15", 2, w.st_pub)
    sec15 = w.secrets_build("mp15")
    rc, res, _, err = w.provision([(sec15, h15)])
    tap.ok(rc == 4, "exhausted: exit code 4 (no license left)", diag=f"rc={rc}\n{err}")
    done = [s for s in chips if res.get(s, {}).get("result") == "provisioned"]
    left = [s for s in chips if res.get(s, {}).get("result") == "not-started"]
    tap.ok(len(done) == 2 and len(left) == 2, "exhausted: 2 provisioned, 2 not started",
           diag={s: res.get(s) for s in chips})
    tap.ok(all("no license left" in res[s].get("cause", "") for s in left),
           "exhausted: the chips left say 'no license left'",
           diag=[res[s].get("cause") for s in left])
    for s in done:
        tap.ok(not w.check_provisioned_otp(s), f"exhausted: {s} provisioned OTP correct")
    for s in left:
        bad = w.check_untouched_otp(s)
        tap.ok(not bad, f"exhausted: {s} untouched (no SSP_REQ, PKH, RMA, secrets)",
               diag="\n".join(bad))
    st = w.hsm_status(h15)
    tap.ok(st.get("remaining") == 0 and st.get("issued") == 2, "exhausted: counter 0, 2 issued",
           diag=st)

    # Two processes, one license: the HSM's own counter decides.
    s13, pair = w.sim_start("sim13", "mp13", 2)
    h13 = w.hsm_init("hsm13", "mp13", 1, w.st_pub)
    sec13 = w.secrets_build("mp13")
    procs = []
    for s in pair:
        cmd = [SSPCTL, "provision", "--fw", w.fw13, "--pin-file", w.pin_file, "--json",
               "--secrets", sec13, "--hsm", h13, s]
        procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True, env=w.env))
    outs = [p.communicate(timeout=900) for p in procs]
    results = {}
    for out, _ in outs:
        for line in out.splitlines():
            try:
                e = json.loads(line)
            except ValueError:
                continue
            if e.get("event") == "result":
                results[e.get("serial")] = e
    kinds = sorted(results.get(s, {}).get("result", "?") for s in pair)
    tap.ok(kinds in (["no-license", "provisioned"], ["not-started", "provisioned"]),
           "race: exactly one of two chips gets the last license", diag=results)
    loser = [s for s in pair if results.get(s, {}).get("result") != "provisioned"]
    tap.ok(loser and "no license left" in results[loser[0]].get("cause", ""),
           "race: the other says 'no license left'", diag=results)
    tap.ok(sorted(p.returncode for p in procs) == [0, 4], "race: exit codes 0 and 4",
           diag=[p.returncode for p in procs])
    st = w.hsm_status(h13)
    tap.ok(st.get("remaining") == 0 and st.get("issued") == 1, "race: one license issued",
           diag=st)


main_wrapper(body)
