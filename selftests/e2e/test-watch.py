#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""`sspctl watch` provisions chips attached after it started: two MP15 chips,
then one MP13 chip, each plugged in while the daemon runs; it stops by
itself after 3 results (--count 3) and leaves one audit record per chip.
Started again, it finds the closed chips silent (spec 7.3), says so at no
license and leaves them alone."""
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from e2e_lib import SSPCTL, main_wrapper  # noqa: E402


def body(tap, w):
    h15 = w.hsm_init("hsm15", "mp15", 10, w.st_pub)
    h13 = w.hsm_init("hsm13", "mp13", 10, w.st_pub)
    conf = w.path("sspctl.conf")
    with open(conf, "w") as f:
        f.write(f"[hsm]\npin-file = {w.pin_file}\n\n[provision]\nfirmware = {w.fw}\njobs = 0\n\n"
                f"[mp15]\nhsm = {h15}\nsecrets = {w.secrets_build('mp15')}\n\n"
                f"[mp13]\nhsm = {h13}\nsecrets = {w.secrets_build('mp13')}\nfirmware = {w.fw13}\n\n"
                "[timeouts]\nwait-fw = 3000\n")

    watch = subprocess.Popen([SSPCTL, "watch", "--config", conf, "--json", "--count", "3"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=w.env)
    time.sleep(2)
    tap.ok(watch.poll() is None, "watch: the daemon runs with no chip attached",
           diag=watch.stderr.read() if watch.poll() is not None else None)
    _, c15 = w.sim_start("sim15", "mp15", 2, wait=False)
    _, c13 = w.sim_start("sim13", "mp13", 1, wait=False)
    try:
        out, err = watch.communicate(timeout=900)
    except subprocess.TimeoutExpired:
        watch.terminate()
        out, err = watch.communicate(timeout=60)
    tap.ok(watch.returncode == 0, "watch: exits 0 after --count 3 chips", diag=err)
    results = {}
    for line in out.splitlines():
        try:
            e = json.loads(line)
        except ValueError:
            continue
        if e.get("event") == "result":
            results[e.get("serial")] = e
    tap.ok(sorted(results) == sorted(c15 + c13) and
           all(r.get("result") == "provisioned" for r in results.values()),
           "watch: the 3 chips plugged in after it started are provisioned", diag=out + err)
    tap.ok(all(results.get(s, {}).get("series") == w.chips[s]["series"] for s in c15 + c13),
           "watch: each chip used its series' HSM and secrets")
    for s in c15 + c13:
        bad = w.check_provisioned_otp(s)
        tap.ok(not bad, f"watch: {s} OTP matches the inputs", diag="\n".join(bad))
    tap.ok(w.hsm_status(h15).get("remaining") == 8 and w.hsm_status(h13).get("remaining") == 9,
           "watch: counters down by 2 (mp15) and 1 (mp13)")
    recs = w.audit_records(h15, "provision") + w.audit_records(h13, "provision")
    # A daemon started again finds the 3 chips on the bus: it starts their
    # SSP firmware, the closed chips stay silent (no license), it leaves them
    # alone, and SIGTERM lets it finish the runs in progress before it exits.
    idle = subprocess.Popen([SSPCTL, "watch", "--config", conf, "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=w.env)
    # Opening the HSMs (100000 PBKDF2 rounds each, under TCG) takes a while:
    # signal only once the daemon says it is watching.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = idle.stdout.readline()
        if not line or '"event":"watching"' in line:
            break
    # then the chips' SSP firmware starts and, closed, stays silent (wait-fw 3 s)
    time.sleep(10)
    idle.send_signal(signal.SIGTERM)
    try:
        iout, ierr = idle.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        idle.kill()
        iout, ierr = idle.communicate()
    tap.ok(idle.returncode == 0, "watch: SIGTERM stops the daemon, exit 0", diag=ierr)
    lines = [json.loads(x) for x in iout.splitlines() if x.startswith("{")]
    ends = [e for e in lines if e.get("event") == "result"]
    again = {e.get("serial"): e for e in ends}
    tap.ok(sorted(again) == sorted(c15 + c13) and len(ends) == 3 and
           all(e.get("result") == "failed" and "already closed" in e.get("cause", "") and
               "stage A" in e.get("cause", "") and e.get("license_used") is False
               for e in ends),
           "watch: restarted, it reports each closed chip silent (closed or hung), once",
           diag=iout + ierr)
    left = [e for e in lines if e.get("event") == "watch" and "left alone" in e.get("what", "")]
    tap.ok(len(left) == 3, "watch: it remembers the silent chips and does not retry them",
           diag=iout)
    tap.ok(w.hsm_status(h15).get("remaining") == 8 and w.hsm_status(h13).get("remaining") == 9,
           "watch: and uses no license for them")
    tap.ok(sorted(r["fields"].get("serial") for r in recs
                  if r["fields"].get("result") == "provisioned") == sorted(c15 + c13),
           "watch: one 'provision' audit record per chip", diag=recs)


main_wrapper(body)
