#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""DFU throughput part of `make bench` (inside the VM; also runs alone).

The same signed image (sspsim mkfw) is downloaded to the FSBL alternate of
the same simulated MP15 ROM by two hosts:
  ours:     open /dev/sspN, STM32_SSP_IOC_LOAD_FW, close (stm32_ssp.ko), timed
            in this process around those three calls;
  dfu-util: `dfu-util -S SERIAL -a 1 -D IMAGE` (libusb through usbfs), the
            chip's interface unbound from stm32_ssp first, timed around the
            process.
Both end the same way: zero-length DNLOAD, GETSTATUS (dfuMANIFEST), and a
failing GETSTATUS once the ROM has jumped. Each download needs a chip in
its ROM, so every download gets a fresh simulated chip.
Marginal throughput = (big - small bytes) / (t(big) - t(small)) with a
64-byte and a 120,000-byte payload (+ the 256-byte header), so process
start, device open and the manifestation cancel. ROUNDS rounds alternate
the host and the size order; the medians are reported, for sspsim's
`fast` and `realistic` timing. Target: ours >= 1.2x dfu-util at both.
With usbmon (debugfs) in the VM, each big download is also traced: the
medians per 1 KiB block and per request turnaround are printed, since a
loaded machine's scheduling noise moves them far less than wall time.
The last line is "benchmark result: PASS|FAIL: ..."."""
import ctypes
import fcntl
import json
import os
import statistics
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from e2e_lib import SSPSIM, World, run  # noqa: E402

ROUNDS = 3
TARGET = 1.2
SIZES = (64, 120000)            # payload bytes given to sspsim mkfw --size
PHASE_FSBL = 0x01
MP15_FSBL_ALT = 1
STM32_SSP_IOC_MAGIC = 0xBA
LOAD_FW_FMT = "=IIQII"          # struct stm32_ssp_load_fw: size, flags, data, len, phase


def ioc_w(nr, size):
    return (1 << 30) | (size << 16) | (STM32_SSP_IOC_MAGIC << 8) | nr


STM32_SSP_IOC_LOAD_FW = ioc_w(0x02, 24)


def make_images(w):
    """Signed images, same key as the world's firmware: {payload size: path}."""
    imgs = {}
    for n in SIZES:
        p = w.path(f"bench-fw-{n}.stm32")
        run([SSPSIM, "mkfw", "--out", p, "--key", w.path("oem0.pem"), "--size", str(n)], check=True)
        imgs[n] = p
    return imgs


def device_of(w, serial):
    for d in w.list_devices():
        if d["serial"] == serial:
            return d
    raise RuntimeError(f"chip {serial}: not listed by sspctl list")


def load_ours(w, serial, path):
    """Seconds for open + STM32_SSP_IOC_LOAD_FW + close on the chip's /dev/sspN."""
    dev = device_of(w, serial)["dev"]
    if not dev.startswith("/dev/"):
        dev = "/dev/" + dev
    with open(path, "rb") as f:
        data = f.read()
    buf = ctypes.create_string_buffer(data, len(data))
    arg = bytearray(struct.pack(LOAD_FW_FMT, 24, 0, ctypes.addressof(buf), len(data), PHASE_FSBL))
    t0 = time.perf_counter()
    fd = os.open(dev, os.O_RDWR)
    try:
        fcntl.ioctl(fd, STM32_SSP_IOC_LOAD_FW, arg)
    finally:
        os.close(fd)
    return time.perf_counter() - t0


def unbind(w, serial):
    """Give the chip's DFU interface to usbfs users (dfu-util): unbind stm32_ssp."""
    port = device_of(w, serial)["port"]
    intf = f"{port}:1.0"
    drv = "/sys/bus/usb/drivers/stm32_ssp"
    if os.path.exists(os.path.join(drv, intf)):
        with open(os.path.join(drv, "unbind"), "w") as f:
            f.write(intf)


def load_dfu_util(w, serial, path):
    """Seconds of one `dfu-util -D` to the MP15 ROM's FSBL alternate."""
    unbind(w, serial)
    cmd = ["dfu-util", "-S", serial, "-a", str(MP15_FSBL_ALT), "-D", path]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    t = time.perf_counter() - t0
    # The ROM jumps after manifestation, so dfu-util's last GETSTATUS fails
    # (its exit status says so); the download itself must have finished.
    if "Download done" not in p.stdout:
        raise RuntimeError(f"dfu-util did not finish the download to {serial} (rc {p.returncode}):\n"
                           + p.stdout[-2000:])
    return t


HOSTS = {"ours": load_ours, "dfu-util": load_dfu_util}


class Usbmon:
    """usbmon text trace of one bus while a download runs, when debugfs and
    usbmon are there. Per 1 KiB block: the time from DNLOAD to DNLOAD and the
    host's turnaround (a request's completion to the next submission), as
    medians, which a loaded machine's scheduling noise hardly moves."""
    DIR = "/sys/kernel/debug/usb/usbmon"

    @classmethod
    def available(cls):
        if not os.path.isdir(cls.DIR):
            subprocess.run(["mount", "-t", "debugfs", "none", "/sys/kernel/debug"], stderr=subprocess.DEVNULL)
            subprocess.run(["modprobe", "usbmon"], stderr=subprocess.DEVNULL)
        return os.path.isdir(cls.DIR)

    def __init__(self, bus):
        self.data = []
        self.done = False
        # Non-blocking reads: a thread blocked in read() could not be stopped.
        self.fd = os.open(os.path.join(self.DIR, f"{bus}u"), os.O_RDONLY | os.O_NONBLOCK)
        self.th = threading.Thread(target=self._read, daemon=True)
        self.th.start()
        time.sleep(0.2)

    def _read(self):
        while not self.done:
            try:
                self.data.append(os.read(self.fd, 1 << 16))
            except BlockingIOError:
                time.sleep(0.005)
            except OSError:
                return

    def stop(self):
        time.sleep(0.3)
        self.done = True
        self.th.join()
        os.close(self.fd)
        lines = [x.split() for x in b"".join(self.data).decode(errors="replace").splitlines()]
        ev = [(int(x[1]), x[2], x) for x in lines if len(x) > 3]
        # Only the downloading device: "Co:BUS:DEV:EP" of its first DNLOAD.
        dev = next((x[3].split(":")[1:3] for _, k, x in ev if k == "S" and x[5:7] == ["21", "01"]
                    and len(x) > 9), None)
        ev = [e for e in ev if e[2][3].split(":")[1:3] == dev]
        block, turn, last_dn = [], [], None
        for (t0, k0, _), (t1, k1, _) in zip(ev, ev[1:]):
            if k0 == "C" and k1 == "S":
                turn.append(t1 - t0)
        for t, k, x in ev:
            # S Co:... s 21 01 wValue wIndex wLength: a DNLOAD with data
            if k == "S" and len(x) > 9 and x[5:7] == ["21", "01"] and x[9] != "0000":
                if last_dn is not None:
                    block.append(t - last_dn)
                last_dn = t
        if not block or not turn:
            return None
        return statistics.median(block), statistics.median(turn)


def measure(w, timing, imgs, rounds=ROUNDS):
    """{host: [marginal bytes/s per round]}, the raw times {host: {size: [s]}}
    and the usbmon medians of each big download {host: [(block us, turnaround us)]}."""
    marg = {h: [] for h in HOSTS}
    raw = {h: {n: [] for n in SIZES} for h in HOSTS}
    mon = {h: [] for h in HOSTS}
    use_mon = Usbmon.available()
    nbytes = {n: os.path.getsize(imgs[n]) for n in SIZES}
    for r in range(rounds):
        order = list(HOSTS) if r % 2 == 0 else list(reversed(list(HOSTS)))
        sizes = list(SIZES) if r % 2 == 0 else list(reversed(SIZES))
        name = f"dfu-{timing}-{r}"
        _, serials = w.sim_start(name, "mp15", len(order) * len(sizes), timing=timing)
        chips = iter(serials)
        t = {}
        for h in order:
            for n in sizes:
                chip = next(chips)
                m = Usbmon(device_of(w, chip)["port"].split("-")[0]) if use_mon and n == SIZES[1] else None
                t[h, n] = HOSTS[h](w, chip, imgs[n])
                raw[h][n].append(t[h, n])
                got = m.stop() if m else None
                if got:
                    mon[h].append(got)
        w.sim_stop(name)
        for h in HOSTS:
            dt = t[h, SIZES[1]] - t[h, SIZES[0]]
            marg[h].append((nbytes[SIZES[1]] - nbytes[SIZES[0]]) / dt if dt > 0 else float("inf"))
        print(f"  {timing:9s} round {r + 1}: " + "; ".join(
            f"{h} {t[h, SIZES[0]] * 1000:.0f} / {t[h, SIZES[1]] * 1000:.0f} ms "
            f"-> {marg[h][-1] / 1024:.0f} KiB/s" for h in HOSTS), flush=True)
    return marg, raw, mon


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"kernel {os.uname().release}, {os.cpu_count()} CPU(s) ({cpu})"


def bench(w, rounds=ROUNDS):
    """Run the DFU part; returns True when the target is met."""
    print(f"\nDFU throughput: STM32_SSP_IOC_LOAD_FW vs dfu-util, MP15 ROM, payloads {SIZES[0]} and "
          f"{SIZES[1]} bytes (+256-byte header), {rounds} alternating rounds; {machine()}", flush=True)
    imgs = make_images(w)
    result = {}
    for timing in ("fast", "realistic"):
        marg, raw, mon = measure(w, timing, imgs, rounds)
        if all(mon.values()):
            print(f"  {timing:9s} usbmon medians per 1 KiB block (3 requests): " + "; ".join(
                f"{h} {statistics.median(b for b, _ in mon[h]) / 1000:.2f} ms, host turnaround "
                f"{statistics.median(u for _, u in mon[h]):.0f} us per request" for h in HOSTS), flush=True)
        result[timing] = {h: statistics.median(v) for h, v in marg.items()}
        # Best case: fastest big minus fastest small download. Under a loaded
        # host (TCG, shared CPUs) the medians carry its scheduling noise.
        for h in HOSTS:
            dt = min(raw[h][SIZES[1]]) - min(raw[h][SIZES[0]])
            result[timing][h + " best"] = (os.path.getsize(imgs[SIZES[1]]) -
                                           os.path.getsize(imgs[SIZES[0]])) / dt if dt > 0 else 0.0
        result[timing]["raw"] = raw
    ok = True
    print("\n  timing      ours KiB/s  dfu-util KiB/s  ratio   (best of rounds: ours, dfu-util, ratio)")
    for timing in ("fast", "realistic"):
        ours, ref = result[timing]["ours"], result[timing]["dfu-util"]
        ratio = ours / ref
        ok = ok and ratio >= TARGET
        bo, br = result[timing]["ours best"], result[timing]["dfu-util best"]
        print(f"  {timing:9s} {ours / 1024:12.0f} {ref / 1024:15.0f} {ratio:6.2f}   "
              f"({bo / 1024:.0f}, {br / 1024:.0f}, {bo / br if br else 0:.2f})")
        result[timing]["ratio"] = ratio
    summary = {t: {k: v for k, v in r.items() if k != "raw"} for t, r in result.items()}
    print("  json: " + json.dumps(summary), flush=True)
    print(f"\nbenchmark result: {'PASS' if ok else 'FAIL'}: DFU throughput ours/dfu-util "
          f"{result['fast']['ratio']:.2f}x fast, {result['realistic']['ratio']:.2f}x realistic "
          f"(target >= {TARGET:.1f}x; medians of {rounds} rounds)", flush=True)
    return ok


def main():
    w = World()
    try:
        bench(w, int(os.environ.get("BENCH_DFU_ROUNDS", ROUNDS)))
    finally:
        w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
