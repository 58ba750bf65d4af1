#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""A gang of 8 chips (4 MP15, 4 MP13) provisioned in parallel by
`sspctl provision --all`: every OTP word checked against the inputs, each
series' counter down by exactly its number of chips, one audit record per
chip; then the same command again costs nothing: every closed chip is silent
after its SSP firmware starts (spec 7.3) and is reported so, at no license."""
import sys

sys.path.insert(0, __import__("os").path.dirname(__file__))
from e2e_lib import main_wrapper  # noqa: E402


def body(tap, w):
    s15, chips15 = w.sim_start("sim15", "mp15", 4)
    s13, chips13 = w.sim_start("sim13", "mp13", 4)
    h15 = w.hsm_init("hsm15", "mp15", 10, w.st_pub)
    h13 = w.hsm_init("hsm13", "mp13", 10, w.st_pub)
    inputs = [(w.secrets_build("mp15"), h15), (w.secrets_build("mp13"), h13)]

    rc, res, events, err = w.provision(inputs)
    tap.ok(rc == 0, "gang: sspctl provision --all exits 0", diag=f"rc={rc}\n{err}")
    for s in chips15 + chips13:
        r = res.get(s, {})
        tap.ok(r.get("result") == "provisioned" and r.get("license_used") is True,
               f"gang: {w.chips[s]['series']} chip {s} provisioned with one license",
               diag=r.get("cause", r))
        bad = w.check_provisioned_otp(s)
        tap.ok(not bad, f"gang: {s} OTP: PKH, RMA, 37 secret words, closed, SSP_SUCCESS",
               diag="\n".join(bad))
    steps = [e for e in events if e.get("event") == "step"]
    tap.ok(len({e.get("serial") for e in steps if e.get("stage") == "C"}) == 8,
           "gang: the JSON lines show every chip reaching stage C")
    for name, d, n in (("mp15", h15, 4), ("mp13", h13, 4)):
        st = w.hsm_status(d)
        tap.ok(st.get("remaining") == 10 - n, f"gang: {name} counter down by exactly {n}",
               diag=st)
        recs = [r for r in w.audit_records(d, "provision")
                if r["fields"].get("result") == "provisioned"]
        tap.ok(sorted(r["fields"]["serial"] for r in recs) ==
               sorted(chips15 if name == "mp15" else chips13),
               f"gang: {name} audit log has one 'provision' record per chip", diag=recs)

    rc, res, _, err = w.provision(inputs, extra=["--timeout", "wait-fw=3000"])
    tap.ok(rc == 1, "rerun: exits 1 (no chip provisioned)", diag=f"rc={rc}\n{err}")
    tap.ok(all(res.get(s, {}).get("result") == "failed" and
               "already closed" in res[s].get("cause", "") and "stage A" in res[s].get("cause", "") and
               res[s].get("license_used") is False for s in chips15 + chips13),
           "rerun: every chip reported silent in stage A (closed or hung), no license used",
           diag={s: res.get(s, {}).get("cause") for s in chips15 + chips13})
    for name, d, n in (("mp15", h15, 4), ("mp13", h13, 4)):
        tap.ok(w.hsm_status(d).get("remaining") == 10 - n, f"rerun: {name} counter unchanged")
    for s in chips15 + chips13:
        bad = w.check_provisioned_otp(s)
        tap.ok(not bad, f"rerun: {s} OTP unchanged", diag="\n".join(bad))


main_wrapper(body)
