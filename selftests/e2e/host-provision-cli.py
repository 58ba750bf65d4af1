#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Host test (no VM) of `sspctl provision` before any chip is touched:
argument errors (exit 2), unusable inputs named in the message (exit 1),
and a chip that cannot be opened failing with its device, stage and step
in the JSON result and the text summary."""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

sys.path.insert(0, os.path.dirname(__file__))
from e2e_lib import SSPCTL, Tap, pub_raw  # noqa: E402


def stm32_image(path, payload=b"\x00" * 64):
    h = bytearray(256)
    struct.pack_into("<I", h, 0, 0x324D5453)
    struct.pack_into("<I", h, 68, sum(payload) & 0xFFFFFFFF)
    struct.pack_into("<I", h, 72, 0x00010000)
    struct.pack_into("<I", h, 76, len(payload))
    with open(path, "wb") as f:
        f.write(bytes(h) + payload)


def stm32_image_v2(path, payload=b"\x00\xbf\xfe\xe7"):
    """Unsigned header v2.0 as in image-header-and-otp.md A.12 (the MP13 ROM's version)."""
    h = bytearray(512)
    h[0:4] = b"STM2"
    struct.pack_into("<IIIIIIIIIII", h, 68, sum(payload) & 0xFFFFFFFF, 0x00020000, len(payload),
                     0x2FFE0001, 0, 0x2FFE0000, 0, 0, 0x80000000, 0x180, 0x10)
    h[128:136] = b"ST\xff\xff" + struct.pack("<I", 0x180)
    with open(path, "wb") as f:
        f.write(bytes(h) + payload)


def mp15_payload(path, pub):
    p = bytearray(244)
    struct.pack_into("<II", p, 0, 0x50505353, 1)
    p[8:72] = pub
    struct.pack_into("<I", p, 72, 152)
    p[76:244] = os.urandom(168)
    with open(path, "wb") as f:
        f.write(bytes(p))


def main():
    tap = Tap()
    d = tempfile.mkdtemp(prefix="ssp-cli.")
    env = dict(os.environ)
    env.pop("SSP_HSM_PIN", None)

    def sspctl(*args, pin=True):
        e = dict(env, SSP_HSM_PIN="cli-pin-0123") if pin else env
        return subprocess.run([SSPCTL, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=e, timeout=120)

    try:
        st = ec.generate_private_key(ec.SECP256R1())
        with open(f"{d}/st.pem", "wb") as f:
            f.write(st.public_key().public_bytes(serialization.Encoding.PEM,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo))
        with open(f"{d}/key", "wb") as f:
            f.write(os.urandom(16))
        with open(f"{d}/nonce", "wb") as f:
            f.write(os.urandom(12) + bytes(4))
        p = sspctl("hsm", "init", "--dir", f"{d}/hsm", "--series", "mp15", "--key", f"{d}/key",
                   "--nonce", f"{d}/nonce", "--counter", "3", "--st-key", f"{d}/st.pem",
                   "--kdf-iterations", "100000")
        if not tap.ok(p.returncode == 0, "setup: software HSM created", diag=p.stderr):
            return tap.done()
        stm32_image(f"{d}/fw.stm32")
        stm32_image_v2(f"{d}/fw13.stm32")
        with open(f"{d}/junk", "wb") as f:
            f.write(b"not an image" * 40)
        # Sealed with the HSM's key: provision checks that before the first chip.
        oem = ec.generate_private_key(ec.SECP256R1())
        with open(f"{d}/oem.pem", "wb") as f:
            f.write(oem.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo))
        with open(f"{d}/secrets", "wb") as f:
            f.write(os.urandom(16))
        p = sspctl("secrets", "build", "--series", "mp15", "--oem-key", f"{d}/oem.pem",
                   "--rma-unlock", "1", "--rma-relock", "2", "--secrets", f"{d}/secrets",
                   "--key", f"{d}/key", "--nonce", f"{d}/nonce", "--out", f"{d}/s15.ssp")
        if not tap.ok(p.returncode == 0, "setup: secrets file built", diag=p.stderr):
            return tap.done()
        mp15_payload(f"{d}/s15-other.ssp", pub_raw(ec.generate_private_key(ec.SECP256R1())))
        with open(f"{d}/s13.ssp", "wb") as f:
            f.write(struct.pack("<II", 0x50505353, 1) + os.urandom(32) + struct.pack("<I", 152) +
                    os.urandom(168))
        good = ["--fw", f"{d}/fw.stm32", "--secrets", f"{d}/s15.ssp", "--hsm", f"{d}/hsm"]

        p = sspctl("provision")
        tap.ok(p.returncode == 2 and "--fw" in p.stderr, "args: nothing given is a usage error (2)",
               diag=p.stderr)
        p = sspctl("provision", *good)
        tap.ok(p.returncode == 2 and "no device given" in p.stderr,
               "args: no device and no --all is a usage error", diag=p.stderr)
        p = sspctl("provision", *good, "--all", "ssp0")
        tap.ok(p.returncode == 2 and "not both" in p.stderr, "args: devices and --all exclude each other",
               diag=p.stderr)
        p = sspctl("provision", *good, "--timeout", "bogus=1", "ssp0")
        tap.ok(p.returncode == 2 and "bogus" in p.stderr, "args: unknown step in --timeout named",
               diag=p.stderr)
        p = sspctl("provision", *good, "--secrets", f"{d}/s13.ssp", "ssp0")
        tap.ok(p.returncode == 2 and "2 --secrets for 1 --hsm" in p.stderr,
               "args: one --hsm per --secrets", diag=p.stderr)

        p = sspctl("provision", "--fw", f"{d}/fw.stm32", "--secrets", f"{d}/s15-other.ssp",
                   "--hsm", f"{d}/hsm", "ssp0")
        tap.ok(p.returncode == 1 and "does not decrypt under this HSM's key" in p.stderr and
               "no license was taken" in p.stderr,
               "inputs: a secrets file of another key is refused before any chip", diag=p.stderr)
        p = sspctl("provision", "--fw", f"{d}/missing.stm32", *good[2:], "ssp0")
        tap.ok(p.returncode == 1 and "missing.stm32" in p.stderr, "inputs: a missing firmware file is named",
               diag=p.stderr)
        p = sspctl("provision", "--fw", f"{d}/junk", *good[2:], "ssp0")
        tap.ok(p.returncode == 1 and "not an STM32 image" in p.stderr,
               "inputs: a file that is not an STM32 image is refused", diag=p.stderr)
        p = sspctl("provision", "--fw", f"{d}/fw13.stm32", *good[2:], "ssp0")
        tap.ok(p.returncode == 1 and "fw13.stm32 has STM32 header v2.0, but the mp15 ROM takes header v1.0"
               in p.stderr, "inputs: an MP13 (header v2.0) image for MP15 chips is refused, naming both versions",
               diag=p.stderr)
        p = sspctl("provision", "--fw", f"{d}/fw.stm32", "--secrets", f"{d}/junk", "--hsm", f"{d}/hsm",
                   "ssp0")
        tap.ok(p.returncode == 1 and "not a secrets file" in p.stderr,
               "inputs: a secrets file of the wrong size is refused", diag=p.stderr)
        p = sspctl("provision", "--fw", f"{d}/fw.stm32", "--secrets", f"{d}/s13.ssp", "--hsm", f"{d}/hsm",
                   "ssp0")
        tap.ok(p.returncode == 1 and "is for mp15" in p.stderr,
               "inputs: an HSM and a secrets file of different series are refused", diag=p.stderr)
        p = sspctl("provision", *good, "ssp0", pin=False)
        tap.ok(p.returncode == 1 and "hsm" in p.stderr.lower(),
               "inputs: no PIN for the HSM is refused before any chip", diag=p.stderr)
        with open(f"{d}/bad.pin", "w") as f:
            f.write("wrong\n")
        os.chmod(f"{d}/bad.pin", 0o600)
        p = sspctl("provision", *good, "--pin-file", f"{d}/bad.pin", "ssp0", pin=False)
        tap.ok(p.returncode == 1, "inputs: a wrong PIN is refused before any chip", diag=p.stderr)

        p = sspctl("provision", *good, "--json", "ssp97")
        res = [json.loads(x) for x in p.stdout.splitlines() if x.startswith("{")]
        r = next((x for x in res if x.get("event") == "result"), {})
        s = next((x for x in res if x.get("event") == "summary"), {})
        tap.ok(p.returncode == 1 and r.get("result") == "failed" and s.get("failed") == 1,
               "chip: a chip that cannot be opened fails, exit 1", diag=p.stdout + p.stderr)
        cause = r.get("cause", "")
        tap.ok("ssp97" in cause and "stage A" in cause and "start" in cause and "sspctl list" in cause,
               "chip: the cause names the device, stage, step and what to do", diag=cause)
        tap.ok(r.get("license_used") is False, "chip: no license used")
        p2 = sspctl("hsm", "status", "--dir", f"{d}/hsm", "--json")
        tap.ok(json.loads(p2.stdout).get("remaining") == 3, "chip: the HSM counter is untouched",
               diag=p2.stdout)
        if not os.path.exists("/sys/class/stm32_ssp"):
            p = sspctl("list")
            tap.ok(p.returncode == 1 and "/sys/class/stm32_ssp" in p.stderr and "loaded" in p.stderr,
                   "list: without the driver (no netlink family, no sysfs class) it says so",
                   diag=p.stderr)
        p = sspctl("provision", *good, "--text", "ssp97", "/dev/ssp98")
        tap.ok(p.returncode == 1 and "0 provisioned" in p.stdout and "2 failed" in p.stdout and
               "ssp98" in p.stdout, "text: summary counts and one cause per chip", diag=p.stdout)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return tap.done()


sys.exit(main())
