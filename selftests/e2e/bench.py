#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""`make bench`, inside the VM. With sspsim --timing realistic:
  T1 = wall time of `sspctl provision` for 1 MP15 chip,
  T8 = the same for 8 MP15 chips at once, and T8 / T1 (target <= 1.5).
The host's share of one chip's time: the same single chip with --timing
fast (device delays dropped) takes Tf, so the modelled device time is about
T1 - Tf and the host (sspctl, driver, USB/IP, simulator CPU) about Tf; also
sspctl's own CPU time per run."""
import json
import os
import re
import resource
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from e2e_lib import SSPCTL, World  # noqa: E402

STEPS = {}
ENUM = {}


def provision(w, sec, hsm):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run([SSPCTL, "provision", "--fw", w.fw, "--pin-file", w.pin_file, "--json",
                        "--secrets", sec, "--hsm", hsm, "--all"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=w.env,
                       timeout=1200)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    events = [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]
    results = [e for e in events if e.get("event") == "result"]
    summary = next((e for e in events if e.get("event") == "summary"), {})
    bad = [r for r in results if r.get("result") != "provisioned"]
    if p.returncode or bad:
        raise RuntimeError(f"provisioning failed (rc {p.returncode}): {bad or p.stderr}")
    return summary["wall_seconds"], cpu, results, step_times(events)


def step_times(events):
    """Seconds each chip spent in each stage:step, summed over chips, and the chip count."""
    per = {}
    last = {}
    for e in events:
        dev = e.get("dev")
        if e.get("event") not in ("step", "result") or "elapsed" not in e:
            continue
        if dev in last:
            key, t = last[dev]
            per[key] = per.get(key, 0.0) + e["elapsed"] - t
        last[dev] = (f"{e.get('stage', '-')}:{e.get('step')}", e["elapsed"])
    return per, len(last)


def kernel_log():
    return subprocess.run(["dmesg"], stdout=subprocess.PIPE, text=True).stdout.splitlines()


def enumerations(lines):
    """USB enumerations of the chips in these kernel log lines: count, their summed
    duration (new device -> stm32_ssp bound) and the most that overlapped."""
    open_, total, most, n = {}, 0.0, 0, 0
    for line in lines:
        m = re.match(r"\[\s*([\d.]+)\] (usb|stm32_ssp) (\d+-[\d.]+)(:1\.0)?: (new high-speed|STM32MP)",
                     line)
        if not m:
            continue
        t, port = float(m.group(1)), m.group(3)
        if m.group(2) == "usb":
            open_[port] = t
            n += 1
            most = max(most, len(open_))
        elif port in open_:
            total += t - open_.pop(port)
    return n, total, most


def run(w, name, chips, timing, hsm):
    sim, _ = w.sim_start(name, "mp15", chips, timing=timing)
    h = w.hsm_init(hsm, "mp15", 100, w.st_pub)
    log_before = len(kernel_log())
    wall, cpu, res, steps = provision(w, w.secrets_build("mp15"), h)
    ENUM[(chips, timing)] = enumerations(kernel_log()[log_before:])
    w.sim_stop(sim)
    STEPS[(chips, timing)] = steps
    per_chip = sorted(r["elapsed"] for r in res)
    print(f"  {chips} chip(s), {timing:9s}: wall {wall:7.2f} s; per chip {per_chip[0]:.2f}.."
          f"{per_chip[-1]:.2f} s; sspctl CPU {cpu:.2f} s", flush=True)
    return wall, cpu


def main():
    w = World()
    try:
        print("bench: sspsim timing 'realistic' (Documentation/sspsim.rst), MP15 chips", flush=True)
        t1, cpu1 = run(w, "b1", 1, "realistic", "hsm-b1")
        t8, cpu8 = run(w, "b8", 8, "realistic", "hsm-b8")
        tf, _ = run(w, "bf", 1, "fast", "hsm-bf")
    finally:
        w.close()
    ratio = t8 / t1
    device = max(t1 - tf, 0.0)
    print()
    print(f"1 chip:            {t1:7.2f} s")
    print(f"8 chips parallel:  {t8:7.2f} s")
    print(f"ratio 8/1:         {ratio:7.2f}   (target <= 1.50: {'met' if ratio <= 1.5 else 'NOT met'})")
    print(f"one chip: modelled device time ~ {device:.2f} s ({100 * device / t1:.0f} %), "
          f"host ~ {tf:.2f} s ({100 * tf / t1:.0f} %; fast-timing run), "
          f"of which sspctl CPU {cpu1:.2f} s")
    print(f"sspctl CPU for 8 chips: {cpu8:.2f} s ({cpu8 / 8:.2f} s per chip)")
    n, total, most = ENUM[(8, "realistic")]
    print(f"8 chips: {n} USB enumerations by the kernel, {total:.2f} s in all, at most {most} at a time"
          + (" (serialised: the hub thread enumerates one device after the other)" if most == 1 else ""))
    print("\nmean time per step and chip (s):   1 chip  8 chips   fast")
    (one, _), (eight, n8), (fast, _) = (STEPS[(1, "realistic")], STEPS[(8, "realistic")],
                                        STEPS[(1, "fast")])
    for key in sorted(one, key=lambda k: (k[0], list(one).index(k))):
        print(f"  {key:28s} {one[key]:8.2f} {eight.get(key, 0) / n8:8.2f} {fast.get(key, 0):6.2f}")
    return 0


sys.exit(main())
