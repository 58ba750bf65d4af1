#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""`make demo`, inside the VM: 4 simulated chips (2 MP15, 2 MP13), a software
HSM and a secrets file per series, one `sspctl provision --all`, then each
chip's OTP against the inputs, the counters and the audit record."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from e2e_lib import (OTP, PKH, RMA, RMA_RELOCK, RMA_UNLOCK, SECRETS, SSPCTL,  # noqa: E402
                     World, be_words, le_words)

BOLD, OKC, BAD, END = ("\033[1m", "\033[32m", "\033[31m", "\033[0m") if sys.stdout.isatty() \
    else ("", "", "", "")


def title(t):
    print(f"\n{BOLD}== {t} =={END}", flush=True)


def sh(w, *args):
    """Run sspctl visibly, as an operator would."""
    shown = " ".join(a.replace(w.root, "$DEMO") for a in args)
    print(f"$ sspctl {shown}", flush=True)
    p = subprocess.run([SSPCTL, *args], env=w.env, text=True, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    print(p.stdout.replace(w.root, "$DEMO"), end="", flush=True)
    return p.returncode


def mark(good):
    return f"{OKC}ok{END}" if good else f"{BAD}WRONG{END}"


def show_otp(w, serial):
    series = w.chips[serial]["series"]
    m = OTP[series]
    o = w.otp(serial)
    pkh = [o.get(PKH + i, 0) for i in range(8)]
    want_pkh = be_words(w.expected_pkh(series))
    rma = o.get(RMA, 0)
    want_rma = (RMA_UNLOCK | RMA_RELOCK << 15) & m["rma_mask"]
    sec = [o.get(SECRETS + i, 0) for i in range(37)]
    want_sec = le_words(w.secrets)
    closed = m["closed"](o.get(0, 0))
    success = bool(o.get(m["ssp_word"], 0) & m["success"])
    what = "SHA-256(OEM public key)" if series == "mp15" else "PKHTH (hash of the 8-key hash table)"
    print(f"{BOLD}{serial}{END} ({series})")
    print(f"  PKH      words 24-31: {' '.join(f'{v:08X}' for v in pkh)}  {mark(pkh == want_pkh)} = {what}")
    print(f"  RMA      word 56:     {rma:08X}  {mark(rma == want_rma)} = unlock 0x{RMA_UNLOCK:04X}, relock 0x{RMA_RELOCK:04X}")
    print(f"  secrets  words 59-95: {' '.join(f'{v:08X}' for v in sec[:4])} ... {sec[-1]:08X}  "
          f"{mark(sec == want_sec)} = secrets.bin (148 bytes)")
    print(f"  closed   word 0:      {o.get(0, 0):08X}  {mark(closed)}")
    print(f"  SSP_SUCCESS word {m['ssp_word']}:   {o.get(m['ssp_word'], 0):08X}  {mark(success)}")
    return pkh == want_pkh and rma == want_rma and sec == want_sec and closed and success


def main():
    w = World()
    ok = True
    try:
        title("4 simulated chips on the VM's USB (sspsim over vhci_hcd)")
        s15, c15 = w.sim_start("sim-mp15", "mp15", 2)
        s13, c13 = w.sim_start("sim-mp13", "mp13", 2)
        sh(w, "list")

        title("A software HSM per series (counter 100), and the secrets files")
        h15 = w.hsm_init("hsm-mp15", "mp15", 100, w.st_pub)
        h13 = w.hsm_init("hsm-mp13", "mp13", 100, w.st_pub)
        sh(w, "hsm", "status", "--dir", h15)
        sh(w, "hsm", "status", "--dir", h13)
        sec15, sec13 = w.secrets_build("mp15"), w.secrets_build("mp13")
        print(f"secrets files: {sec15.replace(w.root, '$DEMO')} ({os.path.getsize(sec15)} bytes), "
              f"{sec13.replace(w.root, '$DEMO')} ({os.path.getsize(sec13)} bytes)")

        title("Provisioning all 4 chips in parallel")
        rc = sh(w, "provision", *w.fw_args, "--pin-file", w.pin_file,
                "--secrets", sec15, "--hsm", h15, "--secrets", sec13, "--hsm", h13,
                "--all", "--text")
        ok &= rc == 0

        title("Each chip's OTP (read from the simulator) against the inputs")
        for s in c15 + c13:
            ok &= show_otp(w, s)

        title("HSM counters: one license per chip")
        sh(w, "hsm", "status", "--dir", h15)
        sh(w, "hsm", "status", "--dir", h13)

        title("Audit record (hash-chained) of the MP15 HSM")
        sh(w, "audit", "show", "--dir", h15)
        ok &= sh(w, "audit", "verify", "--dir", h15) == 0
        ok &= sh(w, "audit", "verify", "--dir", h13) == 0
    finally:
        w.close()
    print(f"\n{BOLD}demo: {'every chip provisioned and checked' if ok else 'SOMETHING WENT WRONG (see above)'}{END}")
    return 0 if ok else 1


sys.exit(main())
