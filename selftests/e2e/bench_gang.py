#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Gang and host-cost parts of `make bench` (inside the VM; also run alone:
`bench_gang.py [gang|host]`).

gang: `sspctl provision --all` of 32 MP15 chips against 1 chip with sspsim's
  realistic timing, medians of ROUNDS alternating rounds after a warm-up.
  sspsim spreads the chips over vhci_hcd's 8 controllers (Debian builds
  CONFIG_USBIP_VHCI_NR_HCS=8), so 32 chips sit 4 per root hub, as behind a
  tree of 4-port hubs. Printed: the per-step table (mean seconds per chip)
  and a CPU account of the same runs: the sspsim daemons and sspctl
  (/proc/PID/stat, getrusage), the kernel threads by name and the whole
  machine (/proc/stat: user, system, irq+softirq, idle), so that whatever
  serialises the chips is named. Target: 32 chips take at most 1.25x the
  provisioning time of one.
host: one chip with `fast` timing, ROUNDS runs: per chip, wall time minus the
  device time the timing model made the host wait for (sspsim writes it to
  STATE/SERIAL/modelled.json when it stops) is what the host adds; the steps
  are listed largest first, with the CPU account. Target: the host adds at
  most 25 % on top of the modelled device time of one chip provisioned with
  realistic timing (measured in the same run).
Each part ends with "benchmark result: PASS|FAIL: ..."; the exit status is
non-zero only when a measurement could not be made."""
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from e2e_lib import SSPCTL, World  # noqa: E402

ROUNDS = int(os.environ.get("SSP_BENCH_ROUNDS", "2"))
GANG = int(os.environ.get("SSP_BENCH_GANG_CHIPS", "32"))
GANG_TARGET = 1.25
HOST_TARGET = 0.25
TICK = os.sysconf("SC_CLK_TCK")


# ---- CPU account ----

def schedstat(pid):
    """(comm, seconds on a CPU, seconds runnable but waiting for one, kernel thread?)
    of a pid from /proc/PID/schedstat (exact, unlike the tick-sampled stat), or None."""
    try:
        with open(f"/proc/{pid}/schedstat") as f:
            run_ns, wait_ns = (int(x) for x in f.read().split()[:2])
        with open(f"/proc/{pid}/comm") as f:
            comm = f.read().strip()
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            kthread = not f.read()
    except (OSError, ValueError):
        return None
    return comm, run_ns / 1e9, wait_ns / 1e9, kthread


def machine():
    """The whole machine, seconds summed over CPUs: /proc/stat's ticks (user,
    system, irq, idle) and /proc/schedstat's exact task time and run delay."""
    with open("/proc/stat") as f:
        v = [int(x) / TICK for x in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq = v[:7]
    out = {"user": user + nice, "system": system, "irq": irq + softirq, "idle": idle + iowait,
           "run": 0.0, "delay": 0.0}
    try:
        with open("/proc/schedstat") as f:
            for line in f:
                if re.match(r"cpu\d+ ", line):
                    x = line.split()
                    out["run"] += int(x[7]) / 1e9
                    out["delay"] += int(x[8]) / 1e9
    except OSError:
        pass
    return out


def kthreads():
    """{pid: (name without the worker number, cpu s)} of every kernel thread."""
    out = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        st = schedstat(pid)
        if st and st[3]:
            out[pid] = (re.sub(r"[/:]?\d+(:\d+)?([-+]\w+)?$", "", st[0]) or st[0], st[1])
    return out


class Account:
    """CPU use between start() and stop() of the sims' daemons, sspctl (the
    children of this process), kernel threads and the machine."""

    def __init__(self, sim_dirs):
        self.pids = []
        for d in sim_dirs:
            with open(os.path.join(d, "sspsim.pid")) as f:
                self.pids.append(f.read().strip())

    def _sims(self):
        return {p: (schedstat(p) or ("", 0.0, 0.0, False))[1:3] for p in self.pids}

    def start(self):
        self.m0 = machine()
        self.k0 = kthreads()
        self.s0 = self._sims()
        self.c0 = resource.getrusage(resource.RUSAGE_CHILDREN)

    def stop(self):
        c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        s1 = self._sims()
        k1 = kthreads()
        m1 = machine()
        self.sspctl_user = c1.ru_utime - self.c0.ru_utime
        self.sspctl_sys = c1.ru_stime - self.c0.ru_stime
        self.sspsim = sum(max(s1[p][0] - self.s0[p][0], 0.0) for p in self.pids)
        self.sspsim_wait = sum(max(s1[p][1] - self.s0[p][1], 0.0) for p in self.pids)
        self.machine = {k: m1[k] - self.m0[k] for k in m1}
        by = {}
        for pid, (name, cpu) in k1.items():
            d = cpu - self.k0.get(pid, (name, 0.0))[1]
            if d > 0:
                by[name] = by.get(name, 0.0) + d
        self.kthreads = by
        return self


def merge(accounts):
    """Mean of the accounts' figures."""
    n = len(accounts)
    out = {k: sum(getattr(a, k) for a in accounts) / n
           for k in ("sspctl_user", "sspctl_sys", "sspsim", "sspsim_wait")}
    out["machine"] = {k: sum(a.machine[k] for a in accounts) / n for k in accounts[0].machine}
    out["kthreads"] = {}
    for a in accounts:
        for k, v in a.kthreads.items():
            out["kthreads"][k] = out["kthreads"].get(k, 0.0) + v / n
    return out


def print_account(title, acc, span, chips):
    """Print the account of runs that took span seconds; return the share of
    the CPUs the machine's tick counts found busy."""
    m = acc["machine"]
    ncpu = os.cpu_count()
    ticks = m["user"] + m["system"] + m["irq"] + m["idle"]
    busy = (ticks - m["idle"]) / max(ticks, 1e-9)
    kthr = sum(acc["kthreads"].values())
    ours = acc["sspctl_user"] + acc["sspctl_sys"]
    print(f"\nCPU account, {title} (mean of the rounds; {ncpu} CPUs x {span:.2f} s = "
          f"{ncpu * span:.2f} CPU-s):")
    print(f"  machine, ticks     busy {100 * busy:.0f} %: user {m['user']:.2f}, system "
          f"{m['system']:.2f}, irq+softirq {m['irq']:.2f}, idle {m['idle']:.2f} CPU-s")
    if m["delay"]:
        print(f"  runnable, waiting  {m['delay']:7.2f} s summed over tasks (waiting for a CPU)")
    print("  per task (run time from /proc/PID/schedstat and getrusage; under TCG these clocks")
    print("  and the tick samples above disagree, so compare the tasks with each other):")
    print(f"  sspsim daemons     {acc['sspsim']:7.2f} CPU-s ({acc['sspsim'] / chips:.3f} per chip; "
          f"waited {acc['sspsim_wait']:.2f} s for a CPU): the test bed's chips")
    print(f"  sspctl             {ours:7.2f} CPU-s (user {acc['sspctl_user']:.2f}, system "
          f"{acc['sspctl_sys']:.2f}; {ours / chips:.3f} per chip; the whole process, its set-up "
          f"and HSM open included)")
    top = sorted(acc["kthreads"].items(), key=lambda kv: -kv[1])[:6]
    print(f"  kernel threads     {kthr:7.2f} CPU-s: " + ", ".join(f"{k} {v:.2f}" for k, v in top))
    return busy


# ---- runs ----

def step_times(events):
    """Seconds each chip spent in each stage:step, summed over chips, and the chip count."""
    per, last = {}, {}
    for e in events:
        dev = e.get("dev")
        if e.get("event") not in ("step", "result") or "elapsed" not in e:
            continue
        if dev in last:
            key, t = last[dev]
            per[key] = per.get(key, 0.0) + e["elapsed"] - t
        last[dev] = (f"{e.get('stage', '-')}:{e.get('step')}", e["elapsed"])
    return per, len(last)


def modelled(w, serials):
    """Mean modelled device seconds per chip (sspsim's modelled.json, after sim_stop)."""
    tot = []
    for s in serials:
        with open(os.path.join(w.chips[s]["sim"], s, "modelled.json")) as f:
            m = json.load(f)
        tot.append((m["ctrl_us"] + m["event_us"]) / 1e6)
    return sum(tot) / len(tot)


def requests(w, serials):
    """Mean control requests per chip that sspsim answered (modelled.json)."""
    n = []
    for s in serials:
        with open(os.path.join(w.chips[s]["sim"], s, "modelled.json")) as f:
            n.append(json.load(f)["requests"])
    return sum(n) / len(n)


def provision_run(w, name, chips, timing):
    """One `sspctl provision --all`: a dict of wall, per-step times, modelled
    device time per chip and the CPU account."""
    _, serials = w.sim_start(name, "mp15", chips, timing=timing)
    hsm = w.hsm_init(f"hsm-{name}", "mp15", chips + 1, w.st_pub)
    sec = w.secrets_build("mp15")
    acc = Account(w.groups[name])
    acc.start()
    t0 = time.monotonic()
    p = subprocess.run([SSPCTL, "provision", "--fw", w.fw, "--pin-file", w.pin_file, "--json",
                        "--secrets", sec, "--hsm", hsm, "--all"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=w.env,
                       timeout=1200)
    acc.stop()
    span = time.monotonic() - t0
    events = [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]
    results = [e for e in events if e.get("event") == "result"]
    summary = next((e for e in events if e.get("event") == "summary"), {})
    bad = [r for r in results if r.get("result") != "provisioned"]
    if len(results) != chips or "wall_seconds" not in summary:
        raise RuntimeError(f"provisioning {chips} chip(s): rc {p.returncode}, "
                           f"{len(results)} results: {p.stderr[-2000:]}")
    w.sim_stop(name)
    per_chip = sorted(r["elapsed"] for r in results)
    out = {"wall": summary["wall_seconds"], "steps": step_times(events), "acc": acc,
           "modelled": modelled(w, serials), "per_chip": per_chip, "failed": bad, "span": span,
           "requests": requests(w, serials)}
    for r in bad:
        print(f"  chip {r.get('serial')}: {r.get('cause')}", flush=True)
    print(f"  {chips:2d} chip(s), {timing:9s}: wall {out['wall']:6.2f} s; per chip "
          f"{per_chip[0]:.2f}..{per_chip[-1]:.2f} s; modelled device time {out['modelled']:.2f} s "
          f"per chip; CPU: sspsim {acc.sspsim:.2f}, sspctl {acc.sspctl_user + acc.sspctl_sys:.2f}, "
          f"all {acc.machine['run'] or acc.machine['user'] + acc.machine['system']:.2f} s",
          flush=True)
    return out


def mean_steps(runs):
    out = {}
    for r in runs:
        per, n = r["steps"]
        for k, v in per.items():
            out[k] = out.get(k, 0.0) + v / n / len(runs)
    return out


# ---- parts ----

def gang(w):
    print(f"bench gang: sspsim timing 'realistic', MP15, 1 chip against {GANG} chips "
          f"({GANG // 8 if GANG >= 8 else 1} per vhci root hub), {os.cpu_count()} CPUs; warm-up, "
          f"then {ROUNDS} alternating rounds", flush=True)
    provision_run(w, "gw", 1, "realistic")
    ones, gangs = [], []
    for r in range(ROUNDS):
        ones.append(provision_run(w, f"g1-{r}", 1, "realistic"))
        gangs.append(provision_run(w, f"g{GANG}-{r}", GANG, "realistic"))
    if any(r["failed"] for r in ones):
        raise RuntimeError("a single chip failed to provision: see above")
    failed = sum(len(r["failed"]) for r in gangs)
    t1 = statistics.median(r["wall"] for r in ones)
    tg = statistics.median(r["wall"] for r in gangs)
    ratio = tg / t1
    print(f"\n1 chip:     {t1:6.2f} s, {GANG} chips: {tg:6.2f} s (medians); ratio {ratio:.2f} "
          f"(per round: " + ", ".join(f"{b['wall'] / a['wall']:.2f}" for a, b in zip(ones, gangs))
          + ")")
    s1, sg = mean_steps(ones), mean_steps(gangs)
    print(f"\nmean seconds per chip and step:           1 chip  {GANG} chips   added")
    for k in s1:
        print(f"  {k:36s} {s1[k]:7.2f} {sg.get(k, 0.0):9.2f} {sg.get(k, 0.0) - s1[k]:+7.2f}")
    m1 = statistics.mean(r["modelled"] for r in ones)
    mg = statistics.mean(r["modelled"] for r in gangs)
    print(f"  {'(modelled device time per chip)':36s} {m1:7.2f} {mg:9.2f}")
    print_account("1 chip", merge([r["acc"] for r in ones]),
                  statistics.mean(r["span"] for r in ones), 1)
    busy = print_account(f"{GANG} chips", merge([r["acc"] for r in gangs]),
                         statistics.mean(r["span"] for r in gangs), GANG)
    acc = merge([r["acc"] for r in gangs])
    ours = acc["sspctl_user"] + acc["sspctl_sys"]
    # What the target leaves: both CPUs for 1.25x one chip's time, against what the gang's tasks ran.
    budget = os.cpu_count() * GANG_TARGET * t1
    demand = acc["sspsim"] + ours + sum(acc["kthreads"].values())
    print(f"\nCPU budget of the target: {os.cpu_count()} CPUs x {GANG_TARGET} x {t1:.2f} s = "
          f"{budget:.1f} CPU-s; the {GANG} chips' tasks ran {demand:.1f} CPU-s (sspsim "
          f"{acc['sspsim']:.1f}, sspctl {ours:.1f}, kernel threads "
          f"{sum(acc['kthreads'].values()):.1f}), so at best {demand / os.cpu_count() / t1:.2f}x")
    limit = ""
    if demand > budget:
        limit = (f"; limit: the test bed's CPU: {GANG} chips need {demand:.0f} CPU-s of the VM's "
                 f"{os.cpu_count()} vCPUs ({acc['sspsim']:.0f} of them the sspsim daemons), the "
                 f"target leaves {budget:.0f}")
    if failed:
        limit += ";"
        causes = sorted({r.get("cause", "?").split(": ", 1)[-1] for g in gangs for r in g["failed"]})
        limit += (f" {failed} of {GANG * ROUNDS} chips failed ({'; '.join(causes)}) with the VM's "
                  f"CPUs {100 * busy:.0f} % busy: the test bed could not serve {GANG} chips in time")
    elif ratio > GANG_TARGET and demand <= budget:
        if busy >= 0.85:
            limit = (f"; limit: the VM's {os.cpu_count()} emulated CPUs were {100 * busy:.0f} % busy "
                     f"(per task: the {GANG} sspsim daemons {acc['sspsim']:.1f} CPU-s, sspctl "
                     f"{ours:.1f}): the test bed")
        else:
            limit = f"; CPUs {100 * busy:.0f} % busy: a wait serialises the chips (see the step table)"
    ok = ratio <= GANG_TARGET and not failed
    print(f"\nbenchmark result: {'PASS' if ok else 'FAIL'}: {GANG} chips take "
          f"{ratio:.2f}x the provisioning time of 1 chip (target <= {GANG_TARGET:.2f}x){limit}",
          flush=True)
    return m1


def host(w, device_realistic=None):
    print(f"\nbench host: one MP15 chip, sspsim timing 'fast', {ROUNDS + 1} runs (the first "
          f"unmeasured)", flush=True)
    if device_realistic is None:
        device_realistic = provision_run(w, "hr", 1, "realistic")["modelled"]
    provision_run(w, "hw", 1, "fast")
    runs = [provision_run(w, f"hf-{r}", 1, "fast") for r in range(ROUNDS)]
    wall = statistics.median(r["per_chip"][0] for r in runs)
    dev = statistics.mean(r["modelled"] for r in runs)
    added = wall - dev
    print(f"\none chip, fast timing: {wall:.2f} s (median), of which modelled device time "
          f"{dev:.2f} s (the delays 'fast' keeps: ROM boot, FSBL start, detach, reset); the host "
          f"adds {added:.2f} s")
    nreq = statistics.mean(r["requests"] for r in runs)
    print(f"{nreq:.0f} control requests per chip: {1e3 * added / nreq:.1f} ms of host time per "
          f"request (each crosses sspctl, stm32_ssp, vhci_hcd's threads and sspsim)")
    if any(r["failed"] for r in runs):
        raise RuntimeError("the chip failed to provision: see above")
    steps = mean_steps(runs)
    print("steps, largest first (mean s; the host's time except the few ms 'fast' keeps):")
    for k, v in sorted(steps.items(), key=lambda kv: -kv[1])[:8]:
        print(f"  {k:36s} {v:7.3f}")
    print_account("one chip, fast timing", merge([r["acc"] for r in runs]),
                  statistics.mean(r["span"] for r in runs), 1)
    share = added / device_realistic
    print(f"\nbenchmark result: {'PASS' if share <= HOST_TARGET else 'FAIL'}: the host adds "
          f"{added:.2f} s to one chip, {100 * share:.0f} % of its {device_realistic:.2f} s modelled "
          f"device time with realistic timing (target <= {100 * HOST_TARGET:.0f} %); "
          f"{1e3 * added / nreq:.1f} ms per control request", flush=True)


def main():
    parts = sys.argv[1:] or ["gang", "host"]
    w = World()
    try:
        dev = None
        if "gang" in parts:
            dev = gang(w)
        if "host" in parts:
            host(w, dev)
    finally:
        w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
