#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The ROM's authentication depends on the chip's state (spec 7.2), on both
series. Open chips start an SSP firmware whose signature fails (stages A and B
run). Closed chips (provisioned here first) refuse an image signed with
another key and an image whose signature fails: sspctl says the ROM refused
it, names the header's key (MP15 PKH, MP13 key index and table PKHTH) and the
likely cause, at stage A, load-fw, with no license used, with or without
retries."""
import hashlib
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(__file__))
from e2e_lib import SSPSIM, main_wrapper, pub_raw, run  # noqa: E402


def bad_signature(w, src, name):
    """A copy of src with one signature byte flipped (v1 and v2: signature @4)."""
    data = bytearray(open(src, "rb").read())
    data[10] ^= 1
    out = w.path(name)
    with open(out, "wb") as f:
        f.write(data)
    return out


def fw_args(fw15, fw13):
    return ["--fw", f"mp15={fw15}", "--fw", f"mp13={fw13}"]


def body(tap, w):
    _, c15 = w.sim_start("sim15", "mp15", 2)
    _, c13 = w.sim_start("sim13", "mp13", 2)
    closed15, open15 = c15
    closed13, open13 = c13
    h15 = w.hsm_init("hsm15", "mp15", 10, w.st_pub)
    h13 = w.hsm_init("hsm13", "mp13", 10, w.st_pub)
    inputs = [(w.secrets_build("mp15"), h15), (w.secrets_build("mp13"), h13)]

    def provision(serials, fw15, fw13):
        # provision() passes the good images first; later --fw options win.
        return w.provision(inputs, devs=list(serials),
                           extra=fw_args(fw15, fw13))

    rc, res, _, err = provision([closed15, closed13], w.fw, w.fw13)
    tap.ok(rc == 0 and all(res.get(s, {}).get("result") == "provisioned" for s in (closed15, closed13)),
           "auth: one chip of each series provisioned (closed with key 0 / the 8-key table)",
           diag=f"rc={rc}\n{err}\n{res}")
    remaining = {h15: w.hsm_status(h15).get("remaining"), h13: w.hsm_status(h13).get("remaining")}

    # Images signed with another key: MP15 key 1; MP13 key 1 with a table of key 1 alone.
    other15, other13 = w.path("other-mp15.stm32"), w.path("other-mp13.stm32")
    run([SSPSIM, "mkfw", "--out", other15, "--key", w.path("oem1.pem")], check=True)
    run([SSPSIM, "mkfw", "--series", "mp13", "--out", other13, "--key", w.path("oem1.pem")],
        check=True)
    k1 = pub_raw(w.oem[1])
    pkh15 = hashlib.sha256(k1).hexdigest()
    pkhth13 = hashlib.sha256(hashlib.sha256(struct.pack("<I", 1) + k1).digest()).hexdigest()
    rc, res, _, err = provision([closed15, closed13], other15, other13)
    tap.ok(rc == 1, "auth: another key: exit 1", diag=f"rc={rc}\n{err}")
    for s, key in ((closed15, f"PKH {pkh15}"), (closed13, f"signing key 0 of 1, table PKHTH {pkhth13}")):
        r = res.get(s, {})
        cause = r.get("cause", "")
        series = w.chips[s]["series"]
        tap.ok(r.get("result") == "failed" and "ROM refused" in cause and
               "closed with another key" in cause and "stage A, load-fw" in cause,
               f"auth: closed {series} chip refuses another key, said so at stage A load-fw", diag=r)
        tap.ok(key in cause, f"auth: {series} message names the header's key", diag=cause)
        tap.ok(r.get("license_used") is False and r.get("retries") == 0,
               f"auth: {series} no license used, no retry", diag=r)

    # The same refusal with --retries 0: the recovery that reads errVERIFY
    # still runs once, so the message is the precise one, not load-fw's own.
    rc, res, _, err = w.provision(inputs, devs=[closed15, closed13],
                                  extra=fw_args(other15, other13) + ["--retries", "0"])
    for s in (closed15, closed13):
        r = res.get(s, {})
        cause = r.get("cause", "")
        tap.ok(r.get("result") == "failed" and "ROM refused" in cause and
               "closed with another key" in cause and "stage A, load-fw" in cause and
               r.get("retries") == 0 and r.get("license_used") is False,
               f"auth: --retries 0: closed {w.chips[s]['series']} chip's refusal named as such",
               diag=r)

    # The right key, but a signature that fails.
    bad15 = bad_signature(w, w.fw, "badsig-mp15.stm32")
    bad13 = bad_signature(w, w.fw13, "badsig-mp13.stm32")
    rc, res, _, err = provision([closed15, closed13], bad15, bad13)
    for s in (closed15, closed13):
        r = res.get(s, {})
        cause = r.get("cause", "")
        tap.ok(r.get("result") == "failed" and "ROM refused" in cause and "bad signature" in cause
               and "stage A, load-fw" in cause and r.get("license_used") is False,
               f"auth: closed {w.chips[s]['series']} chip refuses a bad signature", diag=r)
    tap.ok(w.hsm_status(h15).get("remaining") == remaining[h15] and
           w.hsm_status(h13).get("remaining") == remaining[h13],
           "auth: the refused runs used no license")

    # Open chips start the same bad-signature image: stages A and B run.
    rc, res, events, err = provision([open15, open13], bad15, bad13)
    for s in (open15, open13):
        stages = {e.get("stage") for e in events if e.get("serial") == s and e.get("event") == "step"}
        steps_b = [e.get("step") for e in events
                   if e.get("serial") == s and e.get("event") == "step" and e.get("stage") == "B"]
        tap.ok("B" in stages and "read-cert" in steps_b,
               f"auth: open {w.chips[s]['series']} chip starts an image whose signature fails",
               diag=f"{res.get(s)}\n{stages}\n{steps_b}")


main_wrapper(body)
