#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""An MP25 ROM (sspsim --series mp25) is listed as chip 0x505 in its ROM, and
`sspctl provision` refuses it up front (spec §7.4: "MP25 SSP exchange is not
public; this chip is identified but not provisioned"): no license is used,
no image is downloaded, the chip stays in its ROM, same generation."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from e2e_lib import main_wrapper  # noqa: E402

MSG = "MP25 SSP exchange is not public; this chip is identified but not provisioned"


def body(tap, w):
    _, (s25,) = w.sim_start("sim25", "mp25", 1)
    before = {d["serial"]: d for d in w.list_devices()}.get(s25, {})
    tap.ok(before.get("chip_id") == 0x505 and before.get("stage") == "rom",
           "mp25: listed as chip 0x505 in its ROM", diag=before)
    h15 = w.hsm_init("hsm15", "mp15", 2, w.st_pub)
    sec15 = w.secrets_build("mp15")
    rc, res, _, err = w.provision([(sec15, h15)], devs=[s25])
    r = res.get(s25, {})
    tap.ok(rc != 0 and r.get("result") != "provisioned", "mp25: provision fails",
           diag=f"rc={rc} {r}\n{err}")
    tap.ok(MSG in r.get("cause", "") + err, "mp25: the refusal cites spec §7.4", diag=f"{r}\n{err}")
    st = w.hsm_status(h15)
    tap.ok(st.get("remaining") == 2 and st.get("issued") == 0, "mp25: no license used", diag=st)
    after = {d["serial"]: d for d in w.list_devices()}.get(s25, {})
    tap.ok(after.get("stage") == "rom" and after.get("generation") == before.get("generation"),
           "mp25: still in its ROM, not re-enumerated", diag=f"{before}\n{after}")
    with open(os.path.join(w.chips[s25]["sim"], s25, "log")) as f:
        log = f.read()
    tap.ok("MP25 ROM: image" not in log and "DETACH" not in log,
           "mp25: nothing downloaded to the chip, no DETACH", diag=log)


main_wrapper(body)
