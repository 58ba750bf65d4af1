#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""`make bench`, inside the VM. With sspsim --timing realistic:
  T1 = wall time of `sspctl provision` for 1 MP15 chip,
  T8 = the same for 8 MP15 chips at once, and T8 / T1 (target <= 1.5).
After one unmeasured warm-up run (caches, first HSM use), 1 and 8 chips are
measured alternately ROUNDS times; T1 and T8 are the medians.
The host's share of one chip's time: the same single chip with --timing
fast (device delays dropped) takes Tf, so the modelled device time is about
T1 - Tf and the host (sspctl, driver, USB/IP, simulator CPU) about Tf; also
sspctl's own CPU time per run.
sspsim puts each chip on its own vhci controller (root hub) while there are
free ones: the hub thread of one root hub enumerates its devices one at a
time, so the kernel log's enumeration overlap and the number of root hubs
used are printed too. A benchmark, not a test: the last line states
PASS/FAIL against the target; the exit status is non-zero only when a
measurement could not be made.
Then the DFU throughput part (bench_dfu.py): STM32_SSP_IOC_LOAD_FW against
dfu-util, with its own PASS/FAIL line."""
import json
import os
import statistics
import re
import resource
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from e2e_lib import SSPCTL, World  # noqa: E402
import bench_dfu  # noqa: E402

ROUNDS = 3
TARGET = 1.5
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


def log_time(line):
    m = re.match(r"\[\s*([\d.]+)\]", line)
    return float(m.group(1)) if m else 0.0


def kernel_log_since(t):
    """Kernel log lines stamped after t: the ring buffer wraps over a long bench,
    so a line index taken earlier would skip lines."""
    return [line for line in kernel_log() if log_time(line) > t]


def enumerations(lines):
    """USB enumerations of the chips in these kernel log lines: count, their summed
    duration (new device -> stm32_ssp bound), the most that overlapped and the
    root hubs (USB buses) they were on."""
    open_, total, most, n, buses = {}, 0.0, 0, 0, set()
    for line in lines:
        m = re.match(r"\[\s*([\d.]+)\] (usb|stm32_ssp) (\d+-[\d.]+)(:1\.0)?: (new high-speed|STM32MP)",
                     line)
        if not m:
            continue
        t, port = float(m.group(1)), m.group(3)
        if m.group(2) == "usb":
            open_[port] = t
            buses.add(port.split("-")[0])
            n += 1
            most = max(most, len(open_))
        elif port in open_:
            total += t - open_.pop(port)
    return n, total, most, len(buses)


def run(w, name, chips, timing, hsm):
    sim, _ = w.sim_start(name, "mp15", chips, timing=timing)
    h = w.hsm_init(hsm, "mp15", 100, w.st_pub)
    before = kernel_log()
    since = log_time(before[-1]) if before else 0.0
    wall, cpu, res, steps = provision(w, w.secrets_build("mp15"), h)
    ENUM.setdefault((chips, timing), []).append(enumerations(kernel_log_since(since)))
    w.sim_stop(sim)
    STEPS.setdefault((chips, timing), []).append(steps)
    per_chip = sorted(r["elapsed"] for r in res)
    print(f"  {chips} chip(s), {timing:9s}: wall {wall:7.2f} s; per chip {per_chip[0]:.2f}.."
          f"{per_chip[-1]:.2f} s; sspctl CPU {cpu:.2f} s", flush=True)
    return wall, cpu


def mean_steps(key):
    """Mean seconds per chip in each stage:step over the rounds of key, in first-seen order."""
    out = {}
    for per, n in STEPS[key]:
        for k, v in per.items():
            out[k] = out.get(k, 0.0) + v / n / len(STEPS[key])
    return out


def main():
    w = World()
    t1s, t8s, cpu1s, cpu8s = [], [], [], []
    try:
        print(f"bench: sspsim timing 'realistic' (Documentation/sspsim.rst), MP15 chips, "
              f"{os.cpu_count()} CPU(s); warm-up, then {ROUNDS} rounds of 1 and 8 chips", flush=True)
        run(w, "bw", 1, "realistic", "hsm-bw")
        STEPS.clear()
        ENUM.clear()
        for r in range(ROUNDS):
            t, c = run(w, f"b1-{r}", 1, "realistic", f"hsm-b1-{r}")
            t1s.append(t)
            cpu1s.append(c)
            t, c = run(w, f"b8-{r}", 8, "realistic", f"hsm-b8-{r}")
            t8s.append(t)
            cpu8s.append(c)
        tf, _ = run(w, "bf", 1, "fast", "hsm-bf")
    finally:
        w.close()
    t1, t8 = statistics.median(t1s), statistics.median(t8s)
    cpu1, cpu8 = statistics.median(cpu1s), statistics.median(cpu8s)
    ratio = t8 / t1
    device = max(t1 - tf, 0.0)
    print()
    print(f"1 chip:            {t1:7.2f} s   (median; {min(t1s):.2f}..{max(t1s):.2f})")
    print(f"8 chips parallel:  {t8:7.2f} s   (median; {min(t8s):.2f}..{max(t8s):.2f})")
    print(f"ratio 8/1:         {ratio:7.2f}   (target <= {TARGET:.2f}; per round: "
          + ", ".join(f"{b / a:.2f}" for a, b in zip(t1s, t8s)) + ")")
    print(f"worst pairing:     {max(t8s) / min(t1s):7.2f}   (slowest 8-chip run / fastest 1-chip run)")
    print(f"one chip: modelled device time ~ {device:.2f} s ({100 * device / t1:.0f} %), "
          f"host ~ {tf:.2f} s ({100 * tf / t1:.0f} %; fast-timing run), "
          f"of which sspctl CPU {cpu1:.2f} s")
    print(f"sspctl CPU for 8 chips: {cpu8:.2f} s ({cpu8 / 8:.2f} s per chip)")
    for n, total, most, hubs in ENUM[(8, "realistic")]:
        print(f"8 chips: {n} USB enumerations by the kernel on {hubs} root hub(s), {total:.2f} s in all, "
              f"at most {most} at a time"
              + (" (serialised: the hub thread enumerates one device after the other)"
                 if most == 1 else ""))
    print(f"\nmean time per step and chip (s, mean of {ROUNDS} rounds):   1 chip  8 chips   fast")
    one, eight, fast = (mean_steps((1, "realistic")), mean_steps((8, "realistic")),
                        mean_steps((1, "fast")))
    for key in one:
        print(f"  {key:28s} {one[key]:8.2f} {eight.get(key, 0):8.2f} {fast.get(key, 0):6.2f}")
    print(f"\nbenchmark result: {'PASS' if ratio <= TARGET else 'FAIL'}: 8 chips in parallel take "
          f"{ratio:.2f}x the time of 1 chip (target <= {TARGET:.2f}x)")
    w = World()
    try:
        bench_dfu.bench(w)
    finally:
        w.close()
    return 0


sys.exit(main())
