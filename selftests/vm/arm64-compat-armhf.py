#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The 32-bit sspctl on the 64-bit kernel: in the arm64 VM, the armhf build
of sspctl (SSPCTL_ARMHF, default build/cross/armhf/sspctl) lists and fully
provisions one MP15 chip of the arm64 sspsim through stm32_ssp.ko, so every
ioctl it makes goes through the driver's compat path. Prints TAP."""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
ARMHF = os.environ.get("SSPCTL_ARMHF", os.path.join(TOP, "build", "cross", "armhf", "sspctl"))
EM_ARM, EM_AARCH64 = 40, 183


def elf_class_machine(path):
    """(ELF class, e_machine) of a program: (1, 40) is 32-bit ARM."""
    with open(path, "rb") as f:
        h = f.read(20)
    if len(h) < 20 or h[:4] != b"\x7fELF":
        return None, None
    return h[4], struct.unpack("<H", h[18:20])[0]


# e2e_lib reads SSPCTL when it is imported: every sspctl command below is the armhf one.
os.environ["SSPCTL"] = ARMHF
sys.path.insert(0, os.path.join(TOP, "selftests", "e2e"))
from e2e_lib import main_wrapper  # noqa: E402


def body(tap, w):
    machine = os.uname().machine
    if not tap.ok(machine == "aarch64", "compat: the kernel is arm64", diag=f"uname -m: {machine}"):
        return
    status = os.path.join(TOP, "build", "cross", "armhf", "build.status")
    if "SSPCTL_ARMHF" not in os.environ and os.path.exists(status) and \
            open(status).read().strip() == "unavailable":
        # make cross-check found neither the armhf multiarch libraries nor
        # an armhf sysroot on the build machine (scripts/cross-libs
        # --source); its log says why. The VM root carries its own armhf
        # runtime libraries (arm64-packages).
        why = open(os.path.join(TOP, "build", "cross", "armhf", "build.log")).read().strip()
        tap.n += 1
        print(f"ok {tap.n} - compat: the armhf sspctl on the arm64 kernel # SKIP {why}", flush=True)
        return
    cls, em = elf_class_machine(ARMHF)
    if not tap.ok((cls, em) == (1, EM_ARM), f"compat: {ARMHF} is a 32-bit ARM program",
                  diag=f"ELF class {cls}, machine {em} (want 1, {EM_ARM}); run 'make cross'"):
        return
    cls, em = elf_class_machine(os.environ.get("SSPSIM", ""))
    tap.note(f"sspsim: ELF class {cls}, machine {em}")

    _, chips = w.sim_start("sim15", "mp15", 1)
    s = chips[0]
    devs = {d["serial"]: d for d in w.list_devices()}
    tap.ok(devs.get(s, {}).get("state") == "ready",
           f"compat: the armhf 'sspctl list' sees chip {s} ready", diag=devs)
    h15 = w.hsm_init("hsm15", "mp15", 2, w.st_pub)
    # This chip only: another suite's leftover chips must not count here.
    rc, res, events, err = w.provision([(w.secrets_build("mp15"), h15)], devs=[s])
    r = res.get(s, {})
    tap.ok(rc == 0 and r.get("result") == "provisioned" and r.get("license_used") is True,
           f"compat: the armhf sspctl provisions chip {s} with one license",
           diag=f"rc={rc} {r}\n{err}")
    bad = w.check_provisioned_otp(s)
    tap.ok(not bad, f"compat: {s} OTP: PKH, RMA, 37 secret words, closed, SSP_SUCCESS",
           diag="\n".join(bad))
    stages = [e.get("stage") for e in events if e.get("event") == "step" and e.get("serial") == s]
    tap.ok("C" in stages, "compat: the JSON lines show the chip reaching stage C", diag=stages)
    tap.ok(w.hsm_status(h15).get("remaining") == 1, "compat: the HSM counter is down by one")


main_wrapper(body)
