#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""`sspctl watch` provisions chips attached after it started: two MP15 chips,
then one MP13 chip, each plugged in while the daemon runs; it stops by
itself after 3 results (--count 3) and leaves one audit record per chip."""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from e2e_lib import SSPCTL, main_wrapper  # noqa: E402


def body(tap, w):
    w.sim_start("probe", "mp15", 1)     # an ST key for the HSMs, and a chip
    st_pem = f"{w.path('probe')}/st-pub.pem"
    probe = list(w.chips)[0]
    h15 = w.hsm_init("hsm15", "mp15", 10, st_pem)
    # The simulators of one run share the test ST key only if sspsim says so:
    # each sim state has its own, so the MP13 HSM gets the MP13 sim's key below.
    conf = w.path("sspctl.conf")

    def write_conf(h13=None):
        with open(conf, "w") as f:
            f.write(f"[hsm]\npin-file = {w.pin_file}\n\n[provision]\nfirmware = {w.fw}\n"
                    f"jobs = 0\n\n[mp15]\nhsm = {h15}\nsecrets = {w.secrets_build('mp15')}\n")
            if h13:
                f.write(f"\n[mp13]\nhsm = {h13}\nsecrets = {w.secrets_build('mp13')}\n")

    # The MP13 simulator is created first (stopped at once) only for its ST key.
    s13, _ = w.sim_start("sim13", "mp13", 1)
    for s in [c for c, v in w.chips.items() if v["sim"] == s13]:
        del w.chips[s]
    w.sim_stop(s13)
    h13 = w.hsm_init("hsm13", "mp13", 10, f"{s13}/st-pub.pem")
    write_conf(h13)
    w.sim_stop(w.path("probe"))
    del w.chips[probe]

    watch = subprocess.Popen([SSPCTL, "watch", "--config", conf, "--json", "--count", "3"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=w.env)
    time.sleep(2)
    tap.ok(watch.poll() is None, "watch: the daemon runs with no chip attached",
           diag=watch.stderr.read() if watch.poll() is not None else None)
    w.sim_start("sim15", "mp15", 2, wait=False)
    time.sleep(1)
    w.sim_start("sim13b", "mp13", 1, wait=False)
    try:
        out, err = watch.communicate(timeout=900)
    except subprocess.TimeoutExpired:
        watch.terminate()
        out, err = watch.communicate(timeout=60)
    tap.ok(watch.returncode == 0, "watch: exits 0 after --count 3 chips", diag=err)
    results = []
    for line in out.splitlines():
        try:
            e = json.loads(line)
        except ValueError:
            continue
        if e.get("event") == "result":
            results.append(e)
    tap.ok(len(results) == 3 and all(r.get("result") == "provisioned" for r in results),
           "watch: the 3 chips plugged in after it started are provisioned", diag=out + err)
    series = sorted(r.get("series", "?") for r in results)
    tap.ok(series == ["mp13", "mp15", "mp15"], "watch: each chip used its series' HSM and secrets",
           diag=series)
    for r in results:
        s = r.get("serial")
        w.chips[s] = {"series": r.get("series"),
                      "sim": w.path("sim15" if r.get("series") == "mp15" else "sim13b")}
        bad = w.check_provisioned_otp(s)
        tap.ok(not bad, f"watch: {s} OTP matches the inputs", diag="\n".join(bad))
    tap.ok(w.hsm_status(h15).get("remaining") == 8 and w.hsm_status(h13).get("remaining") == 9,
           "watch: counters down by 2 (mp15) and 1 (mp13)")
    recs = w.audit_records(h15, "provision") + w.audit_records(h13, "provision")
    tap.ok(len([r for r in recs if r["fields"].get("result") == "provisioned"]) == 3,
           "watch: one 'provision' audit record per chip", diag=recs)


main_wrapper(body)
